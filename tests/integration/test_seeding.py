"""Seeding policy with real libtorrent peers: the service downloads a file, then a leecher that
only knows the service takes it from it, within the limits the user set."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import Swarm, api, wait_until

from swarmplayer.demo.swarm import Peer
from swarmplayer.supervisor import Service

MB = 1 << 20
SHARED_RATE = 256 * 1024


def downloaded(service: Service, swarm: Callable[..., Swarm], folder: Path, name: str,
               size: int = 2 * MB) -> Swarm:
    """A torrent the service has complete, its origin seeder paused (so a leecher can only get
    it from the service, even if it hears of the origin through peer exchange)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(os.urandom(size))
    s = swarm(path, into=service, rate=0)
    wait_until(lambda: s.status().complete, 60, f"{name} to complete")
    s.seeder.handle.pause()
    return s


@pytest.fixture
def leecher(tmp_path: Path) -> Iterator[Callable[[Swarm], Peer]]:
    """A libtorrent peer that wants a torrent and knows only the service."""
    made: list[Peer] = []

    def make(s: Swarm) -> Peer:
        peer = Peer(s.torrent, tmp_path / f"leecher{len(made)}", seed=False)
        made.append(peer)
        peer.handle.connect_peer(("127.0.0.1", s.service.engine.session.listen_port()))
        return peer

    yield make
    for peer in made:
        peer.close()


def test_ratio_limit_and_shared_upload_rate(
        make_service: Callable[..., Service], swarm: Callable[..., Swarm],
        leecher: Callable[[Swarm], Peer], tmp_path: Path) -> None:
    service = make_service(seed_ratio_limit=0.5, seed_upload_rate_limit=SHARED_RATE,
                           local_peers_rate_limited=True, cache_interval=3600.0)
    s = downloaded(service, swarm, tmp_path / "media", "watched.mp4")
    service.seeder.tick()
    assert s.status().upload_limit == SHARED_RATE  # the only seed gets the whole share
    assert s.status().holds == {}

    started = time.monotonic()
    peer = leecher(s)
    wait_until(lambda: s.status().total_uploaded >= MB, 60, "half the file uploaded")
    # 1 MiB at 256 KiB/s takes about 4 s; libtorrent's rate limiter allows a short burst.
    assert time.monotonic() - started >= 2.0
    service.seeder.tick()

    status = s.status()
    assert "ratio limit 0.5" in status.holds["seeding"]
    assert status.state == "paused"
    assert peer.handle.status().progress < 1
    report = api(service.url, "GET", "/api/v1/cache").json()
    [item] = report["items"]
    assert item["uploaded"] >= MB and item["ratio"] >= 0.5
    assert report["uploaded_total"] == item["uploaded"]


def test_time_limit(make_service: Callable[..., Service], swarm: Callable[..., Swarm],
                    tmp_path: Path) -> None:
    service = make_service(seed_time_limit=2, cache_interval=3600.0)
    s = downloaded(service, swarm, tmp_path / "media", "watched.mp4", size=MB)
    service.seeder.tick()
    assert s.status().holds == {}
    wait_until(lambda: s.status().seeding_seconds >= 2, 30, "two seconds of seeding")
    service.seeder.tick()
    assert "time limit 2 s" in s.status().holds["seeding"]


def test_seeding_waits_while_a_stream_plays_when_told(
        make_service: Callable[..., Service], swarm: Callable[..., Swarm],
        watch: Callable[[Service, str], Callable[[], None]], tmp_path: Path) -> None:
    service = make_service(seed_while_playing=False, cache_interval=3600.0)
    media = tmp_path / "media"
    seed = downloaded(service, swarm, media, "seed.mp4", size=MB)
    movie = downloaded(service, swarm, media, "movie.mp4", size=MB)
    stop = watch(service, movie.info_hash)
    service.seeder.tick()
    assert "while a stream plays" in seed.status().holds["seeding"]
    assert seed.status().state == "paused"
    assert movie.status().holds == {}
    stop()
    service.seeder.tick()
    assert seed.status().holds == {}
    assert seed.status().state == "seeding"


def test_a_weak_box_seeds_only_a_few_at_once(
        make_service: Callable[..., Service], swarm: Callable[..., Swarm],
        tmp_path: Path) -> None:
    service = make_service(governor_profile="pi-zero-2", cache_interval=3600.0)
    assert service.seeder.limits.active == 2
    media = tmp_path / "media"
    oldest, *newer = (downloaded(service, swarm, media, f"{n}.mp4", size=MB // 2)
                      for n in ("oldest", "middle", "newest"))
    service.seeder.tick()
    assert "2 torrents seed at once" in oldest.status().holds["seeding"]
    assert [s.status().holds for s in newer] == [{}, {}]
