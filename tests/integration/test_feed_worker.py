"""The next poll of a big feed costs only its new items: the real poller, a real HTTP server on
127.0.0.1, the real parse worker process and SQLite; the known items are not named again (the
worker does not even load guessit when nothing is new)."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from feeds import item, magnet, rss
from support import REPO

from bench.feedsite import FeedServer
from swarmplayer.feeds.poller import Poller, parse_in_worker
from swarmplayer.feeds.store import FeedStore
from swarmplayer.store import Store

ITEMS = 500


def _items(count: int, first: int = 0) -> list[str]:
    """`count` episodes of one show, a magnet each; a guid per item, as real feeds give."""
    return [item(f"Big.Show.S{1 + n // 100:02d}E{n % 100:02d}.720p.WEB-DL-GRP",
                 magnet(f"{n:040x}"), guid=f"guid-{n}") for n in range(first, first + count)]


def test_a_changed_feed_names_only_its_new_item(tmp_path: Path, server: FeedServer):
    store = Store(tmp_path / "state.db")
    feeds = FeedStore(store)
    found: list[list[int]] = []
    poller = Poller(feeds, lambda episodes, _started, _first: found.append(episodes))
    url = server.serve("/big.xml", rss(*_items(ITEMS)))
    feed_id, _ = feeds.add_feed(url, None, 15)
    poller.poll(feed_id)
    first = feeds.feed(feed_id)
    assert (first["state"], first["items"], first["new_items"]) == ("ok", ITEMS, ITEMS)
    # A 200 with another body (and ETag): one item gone, one new, the rest as before.
    server.serve("/big.xml", rss(*_items(ITEMS, first=1)))
    poller.poll(feed_id)
    again = feeds.feed(feed_id)
    assert server.hits[-1][1] is not None  # asked conditionally, got the new body
    assert (again["state"], again["items"], again["new_items"]) == ("ok", ITEMS, 1)
    assert len(found) == 2 and len(found[1]) == 1  # one new episode to act on
    with store.read() as db:
        assert db.execute("SELECT COUNT(*) FROM releases").fetchone()[0] == ITEMS + 1
    store.close()


def test_the_worker_leaves_known_items_out_before_naming_them():
    data = rss(*_items(ITEMS))
    known = {f"guid-{n}" for n in range(ITEMS - 1)}
    answer = parse_in_worker(data, "application/rss+xml", "https://example.org/f.xml", known)
    assert answer["known"] == ITEMS - 1
    assert [r["guid"] for r in answer["releases"]] == [f"guid-{ITEMS - 1}"]
    assert answer["releases"][0]["show"] == "Big Show"  # the new one is named


@pytest.mark.parametrize("known_count", [ITEMS, ITEMS - 1])
def test_guessit_loads_only_when_there_is_a_name_to_read(tmp_path: Path, known_count: int):
    known = tmp_path / "known"
    known.write_text("\n".join(f"guid-{n}" for n in range(known_count)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "swarmplayer.feeds.worker",
         "application/rss+xml"], input=rss(*_items(ITEMS)), capture_output=True, timeout=120,
        cwd=REPO, check=True, env={**os.environ, "PYTHONPATH": str(REPO / "service"),
                                   "SWARMPLAYER_KNOWN_FILE": str(known)})
    loaded = re.search(rb"\|\s+guessit\n", done.stderr) is not None
    assert loaded == (known_count < ITEMS)


def test_the_same_body_without_validators_is_not_parsed_again(tmp_path: Path,
                                                              server: FeedServer):
    store = Store(tmp_path / "state.db")
    feeds = FeedStore(store)
    parsed: list[bytes] = []

    def counted(data: bytes, *args: Any) -> dict[str, Any]:
        parsed.append(data)
        return parse_in_worker(data, *args)

    clock = itertools.count(1_000_000.0, 60.0).__next__  # each poll a minute after the last
    poller = Poller(feeds, lambda episodes, _started, _first: None, clock=clock, parse=counted)
    url = server.serve("/plain.xml", rss(*_items(3)), etag=False)
    feed_id, _ = feeds.add_feed(url, None, 15)
    poller.poll(feed_id)
    first = feeds.feed(feed_id)
    assert len(parsed) == 1 and (first["state"], first["items"], first["new_items"]) == (
        "ok", 3, 3)
    server.serve("/plain.xml", b"down", status=503, kind="text/plain", etag=False)
    poller.poll(feed_id)
    assert feeds.feed(feed_id)["state"] == "error"

    server.serve("/plain.xml", rss(*_items(3)), etag=False)  # the same bytes, a 200 again
    poller.poll(feed_id)
    again = feeds.feed(feed_id)
    assert server.hits[-1] == ("/plain.xml", None)  # nothing to ask conditionally with
    assert len(parsed) == 1  # the worker did not run
    assert (again["state"], again["error"], again["failures"], again["items"],
            again["new_items"]) == ("ok", None, 0, 3, 0)
    assert again["last_checked"] > first["last_checked"] + 60
    assert again["next_check"] > again["last_checked"] + 0.8 * 15 * 60  # not backed off

    server.serve("/plain.xml", rss(*_items(4)), etag=False)  # one more item: read
    poller.poll(feed_id)
    changed = feeds.feed(feed_id)
    assert len(parsed) == 2 and (changed["items"], changed["new_items"]) == (4, 1)
    store.close()
