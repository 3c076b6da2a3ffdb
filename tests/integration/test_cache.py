"""The disk cache with real libtorrent peers, the real HTTP API and a real filesystem: quota and
eviction, deletion without leftovers, orphans, the free-disk floor and a disk that fills up.

The floor and disk-full tests need a small filesystem of their own: a tmpfs mounted for the test
(root only). Elsewhere they skip, saying so; the quota tests run everywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import Swarm, api, fetch, wait_until

from swarmplayer.config import Config
from swarmplayer.supervisor import Service

MB = 1 << 20
PIECE = 64 * 1024
FAST = 0  # no upload cap on the seeder: these tests are about disk, not speed
SLOW = 1 * MB  # bytes/s: slow enough that a test sees a download midway


def data_file(folder: Path, name: str, size: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(os.urandom(size))
    return path


def complete(s: Swarm) -> None:
    wait_until(lambda: s.status().complete, 60, f"{s.path.name} to complete")


def watched(s: Swarm) -> None:
    """Read the first byte of a stream: the torrent counts as played (once it is recorded)."""
    fs = s.service.engine.open_stream(s.info_hash)
    try:
        assert b"".join(fs.iter_range(0, 1))
    finally:
        fs.close()
    wait_until(lambda: s.service.store.torrent(s.info_hash).last_played_at, 10,
               "the play to be recorded")


def leftovers(service: Service, info_hash: str) -> list[str]:
    """Whatever of a torrent is still anywhere in the service's data folder."""
    data = Path(service.config.data_dir)
    found = [str(p.relative_to(data)) for p in data.rglob(f"*{info_hash}*")]
    row = service.store.torrent(info_hash)
    return found + (["store row"] if row else [])


@pytest.fixture
def on_small_disk(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start a service whose data folder is a tmpfs of a given size, mounted for the test;
    the services stop before the mounts go."""
    mounts: list[Path] = []
    services: list[Service] = []

    def start(size: int, **overrides: Any) -> Service:
        if os.geteuid() != 0:
            pytest.skip("needs root to mount a small tmpfs (mount -t tmpfs): a cache quota "
                        "cannot make a write fail with ENOSPC")
        point = tmp_path / f"disk{len(mounts)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(point)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
        mounts.append(point)
        services.append(Service(Config.for_tests(point, **overrides)).start())
        return services[-1]

    yield start
    for service in services:
        service.stop()
    for point in mounts:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_a_new_stream_evicts_by_policy_within_the_quota(
        make_service: Callable[..., Service], swarm: Callable[..., Swarm],
        watch: Callable[[Service, str], Callable[[], None]], tmp_path: Path) -> None:
    service = make_service(cache_quota="10M", cache_interval=3600.0)
    media = tmp_path / "media"
    old_watched, pinned, unwatched = (
        swarm(data_file(media, f"{n}.mp4", 3 * MB), into=service, rate=FAST, piece_size=PIECE)
        for n in ("old-watched", "pinned", "unwatched"))
    for s in (old_watched, pinned, unwatched):
        complete(s)
    watched(old_watched)
    watched(pinned)
    assert api(service.url, "POST", f"/api/v1/cache/{pinned.info_hash}/pin").json()["pinned"]
    service.janitor.tick()
    assert set(service.engine.info_hashes()) == {s.info_hash for s in
                                                 (old_watched, pinned, unwatched)}

    new = swarm(data_file(media, "new.mp4", 4 * MB), into=service, rate=SLOW, piece_size=PIECE)
    watch(service, new.info_hash)
    service.janitor.tick()

    # 3 + 3 + 3 + 4 MB > 10 MB: the watched one goes, the pinned and the unwatched one stay.
    assert set(service.engine.info_hashes()) == {pinned.info_hash, unwatched.info_hash,
                                                 new.info_hash}
    assert leftovers(service, old_watched.info_hash) == []
    report = api(service.url, "GET", "/api/v1/cache").json()
    assert report["evicted"][0]["info_hash"] == old_watched.info_hash
    assert report["quota"]["bytes"] == 10 * MB
    complete(new)
    assert fetch(f"{service.url}/stream/{new.info_hash}").body == new.data()


def test_the_stream_playing_is_never_evicted(
        make_service: Callable[..., Service], swarm: Callable[..., Swarm],
        watch: Callable[[Service, str], Callable[[], None]], tmp_path: Path) -> None:
    service = make_service(cache_quota="4M", cache_interval=3600.0)
    media = tmp_path / "media"
    playing = swarm(data_file(media, "playing.mp4", 3 * MB), into=service, rate=FAST)
    complete(playing)
    stop = watch(service, playing.info_hash)
    wanted = swarm(data_file(media, "wanted.mp4", 3 * MB), into=service, rate=FAST,
                   connect=False)
    api(service.url, "POST", f"/api/v1/cache/{wanted.info_hash}/pin")
    wanted.connect()
    service.janitor.tick()
    # 3 + 3 MB > 4 MB, and the only thing evictable plays: the pinned download waits.
    assert playing.info_hash in service.engine.info_hashes()
    assert "no_room" in wanted.status().holds
    assert wanted.status().total_done == 0

    stop()
    service.janitor.tick()  # watched and complete now: it makes room
    assert service.engine.info_hashes() == [wanted.info_hash]
    assert wanted.status().holds == {}
    complete(wanted)


def test_deleting_leaves_no_data_partial_file_or_resume_data(
        service: Service, swarm: Callable[..., Swarm], tmp_path: Path) -> None:
    folder = tmp_path / "media" / "pack"
    # Sizes off the piece grid, so a piece straddles the two files.
    data_file(folder, "episode-1.mp4", 2 * MB + 30_000)
    data_file(folder, "episode-2.mp4", 1 * MB + 5_000)  # a smaller video: not downloaded
    s = swarm(folder, rate=FAST, piece_size=PIECE)
    complete(s)
    # The piece shared by the two files writes the start of the waiting episode's file.
    cache = service.config.cache_dir / s.info_hash
    assert (cache / "pack" / "episode-2.mp4").exists(), list(cache.rglob("*"))
    assert service.engine.resume.path(s.info_hash).exists()

    reply = api(service.url, "DELETE", f"/api/v1/torrents/{s.info_hash}")
    assert reply.status == 204
    assert leftovers(service, s.info_hash) == []
    assert list(service.config.cache_dir.iterdir()) == []
    assert api(service.url, "GET", "/api/v1/cache").json()["items"] == []


def test_orphans_in_the_cache_are_removed_at_start(
        swarm: Callable[..., Swarm], tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    first = Service(Config.for_tests(data_dir)).start()
    try:
        s = swarm(data_file(tmp_path / "media", "kept.mp4", 1 * MB), into=first, rate=FAST)
        complete(s)
    finally:
        first.stop()
    cache = first.config.cache_dir
    data_file(cache / ("ab" * 20), "left-by-a-crash.mp4", 100_000)
    data_file(cache, "stray.tmp", 10)

    second = Service(Config.for_tests(data_dir)).start()
    try:
        assert sorted(p.name for p in cache.iterdir()) == [s.info_hash]
        assert second.engine.status(s.info_hash).complete
        assert fetch(f"{second.url}/stream/{s.info_hash}").body == s.data()
    finally:
        second.stop()


def test_pin_and_keep_through_the_api(service: Service, swarm: Callable[..., Swarm],
                                      tmp_path: Path) -> None:
    s = swarm(data_file(tmp_path / "media", "a.mp4", 1 * MB), rate=FAST)
    base = f"/api/v1/cache/{s.info_hash}"
    assert api(service.url, "POST", f"{base}/pin").json()["pinned"] is True
    assert api(service.url, "POST", f"{base}/keep").json()["keep"] is True
    assert api(service.url, "DELETE", f"{base}/pin").json()["pinned"] is False
    [item] = api(service.url, "GET", "/api/v1/cache").json()["items"]
    assert (item["pinned"], item["keep"]) == (False, True)
    missing = api(service.url, "POST", f"/api/v1/cache/{'cd' * 20}/pin")
    assert missing.status == 404 and missing.json()["error"] == "not_found"
    assert api(service.url, "POST", f"{base}/forever").status == 404


def test_the_free_disk_floor_is_never_crossed(
        on_small_disk: Callable[..., Service], swarm: Callable[..., Swarm],
        tmp_path: Path) -> None:
    floor = 4 * MB
    service = on_small_disk(16 * MB, min_free_disk="4M", cache_interval=3600.0)
    disk = service.config.data_dir
    media = tmp_path / "media"
    old = swarm(data_file(media, "old.mp4", 3 * MB), into=service, rate=FAST)
    complete(old)
    watched(old)
    # 3 + 10 MB do not fit in 16 MB with 4 MB kept free: the janitor looks as soon as the new
    # torrent is ready to download, and the watched one makes room.
    big = swarm(data_file(media, "big.mp4", 10 * MB), into=service, rate=SLOW)
    wait_until(lambda: old.info_hash not in service.engine.info_hashes(), 30,
               "the watched torrent to be evicted")
    complete(big)
    assert shutil.disk_usage(disk).free >= floor
    assert api(service.url, "POST", f"/api/v1/cache/{big.info_hash}/pin").status == 200

    # No room left for another 8 MB: it waits, with the reason in words, and writes nothing.
    more = swarm(data_file(media, "more.mp4", 8 * MB), into=service, rate=SLOW)
    wait_until(lambda: "no_room" in more.status().holds, 30, "the download to be held")
    assert "not enough disk space" in more.status().holds["no_room"]
    assert more.status().state == "paused"
    assert more.status().total_done == 0
    assert shutil.disk_usage(disk).free >= floor
    assert big.info_hash in service.engine.info_hashes()


def test_disk_full_pauses_one_download_serves_the_rest_and_resumes(
        on_small_disk: Callable[..., Service], swarm: Callable[..., Swarm],
        tmp_path: Path) -> None:
    service = on_small_disk(16 * MB, cache_interval=3600.0)
    disk = Path(service.config.data_dir)
    media = tmp_path / "media"
    served = swarm(data_file(media, "served.mp4", 2 * MB), into=service, rate=FAST)
    complete(served)
    api(service.url, "POST", f"/api/v1/cache/{served.info_hash}/pin")
    filling = swarm(data_file(media, "filling.mp4", 10 * MB), into=service, rate=SLOW,
                    connect=False)
    service.janitor.tick()  # 2 + 10 MB fit in 16 MB: it may download
    assert filling.status().holds == {}
    # Then something else takes the room it counted on.
    filler = data_file(disk, "someone-elses.bin", 8 * MB)
    filling.connect()

    wait_until(lambda: filling.status().state == "disk_full", 60, "the disk to fill up")
    status = filling.status()
    assert "disk full" in status.error and "No space left" in status.error
    verified = status.pieces_done
    assert 0 < verified < filling.seeder.handle.torrent_file().num_pieces()
    # The service goes on: the API answers, the other torrent streams whole.
    assert api(service.url, "GET", "/api/v1/health").status == 200
    assert fetch(f"{service.url}/stream/{served.info_hash}").body == served.data()
    listed = api(service.url, "GET", "/api/v1/torrents").json()["torrents"]
    assert {t["info_hash"]: t["state"] for t in listed}[filling.info_hash] == "disk_full"

    service.janitor.tick()  # still no room: it stays stopped
    assert filling.status().state == "disk_full"
    assert filling.status().pieces_done >= verified

    filler.unlink()
    service.janitor.tick()
    complete(filling)
    status = filling.status()
    assert status.state != "disk_full" and status.error is None
    assert (service.config.cache_dir / filling.info_hash / "filling.mp4").read_bytes() \
        == filling.data()
    # What was verified before the disk filled was not fetched again.
    assert status.total_downloaded <= 10 * MB * 1.25
