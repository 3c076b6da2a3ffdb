"""The demo's feed (demo/feed.py) against a real service: a made-up show whose episodes are
torrents of the bundled sample seeded by a real peer on 127.0.0.1, read by `feeds inspect`,
subscribed, its next-up episode's head prefetched, then played and decoded by ffmpeg."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from swarmplayer.cli import main
from swarmplayer.demo.feed import SHOW, DemoFeed, release_name
from swarmplayer.demo.run import PIECE_SIZE, SAMPLE
from swarmplayer.demo.swarm import Peer
from swarmplayer.playback import ApiClient, first_frame_seconds
from swarmplayer.supervisor import Service
from swarmplayer.tstream_maker import make_tstream_file


@pytest.fixture
def demo_feed(tmp_path: Path) -> Iterator[DemoFeed]:
    seed_dir = tmp_path / "origin"
    seed_dir.mkdir()
    video = seed_dir / SAMPLE.name
    shutil.copyfile(SAMPLE, video)
    tstream = make_tstream_file(video, tmp_path / "sample.tstream", piece_size=PIECE_SIZE)
    origin = Peer(tstream.read_bytes(), seed_dir, upload_rate=4 << 20)
    feed = DemoFeed(tstream.read_bytes(), video, origin)
    yield feed
    feed.close()
    origin.close()


def test_the_demo_feed_reads_as_three_episodes(demo_feed: DemoFeed,
                                               capsys: pytest.CaptureFixture[str]):
    assert main(["feeds", "inspect", demo_feed.url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(e["show"], e["label"], e["resolution"], e["title"]) for e in report["episodes"]] \
        == [(SHOW, f"S01E0{n}", "360p", release_name(n)) for n in (1, 2, 3)]
    assert report["skipped"] == [] and report["warning"] is None


def test_the_demo_subscribes_a_show_with_its_next_up_head_prefetched(
        service: Service, demo_feed: DemoFeed, wait_until: Callable[..., Any]):
    api = ApiClient(service.url)
    demo_feed.subscribe(api)
    shown: dict[str, Any] = {}

    def next_up_prefetched() -> bool:
        shows = api.call("GET", "/api/v1/shows?subscribed=true")["shows"]
        shown.update(shows[0] if shows else {})
        return bool(shown.get("next_up")) and shown["next_up"]["prefetch"] == "ready"

    wait_until(next_up_prefetched, 120, "the next-up episode's head to be prefetched")
    assert (shown["title"], shown["episodes"], shown["next_up"]["label"]) == (SHOW, 3, "S01E01")

    played = api.call("POST", f"/api/v1/episodes/{shown['next_up']['id']}/play", {})
    assert first_frame_seconds(played["stream_url"], timeout=90) is not None

    # The demo run again (its feed on another port, say): one subscription, one feed.
    demo_feed.subscribe(api)
    assert api.call("GET", "/api/v1/subscriptions")["total"] == 1
    assert api.call("GET", "/api/v1/feeds")["total"] == 1
