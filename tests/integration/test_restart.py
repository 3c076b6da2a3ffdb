"""After a restart, even after kill -9, every torrent is back and nothing verified is fetched again.

The service runs as `swarmplayer serve` in its own process, the rate-limited seeder here.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import ServiceProcess, api, wait_until

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt

PIECE = 32 * 1024
PIECES = 96  # a 3 MiB file
SLOW = 300_000  # bytes/s: about ten seconds for the whole file
MARGIN_PIECES = 2  # a block asked twice after a timeout


class Source:
    """A file, its .torrent on disk, and a rate-limited seeder of it in this process."""

    def __init__(self, folder: Path, rate: int) -> None:
        folder.mkdir(parents=True)
        self.file = folder / "movie.mp4"
        self.file.write_bytes(os.urandom(PIECES * PIECE - 1000))  # the last piece is partial
        self.data = lt.bencode(lt.make_torrent(str(self.file), piece_size=PIECE))
        self.torrent = folder / "movie.torrent"
        self.torrent.write_bytes(self.data)
        self.seeder = Peer(self.data, folder, upload_rate=rate)

    @property
    def size(self) -> int:
        return self.file.stat().st_size

    def add_to(self, process: ServiceProcess, connect: bool = True) -> dict[str, Any]:
        """Add the torrent (again) through the API, connecting the seeder unless told not to."""
        body: dict[str, Any] = {"path": str(self.torrent)}
        if connect:
            body["peers"] = [self.seeder.address]
        reply = api(process.url, "POST", "/api/v1/torrents", body)
        assert reply.status in (200, 201), reply.body
        return reply.json()


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Callable[[int], Source]]:
    made: list[Source] = []

    def make(rate: int) -> Source:
        made.append(Source(tmp_path / f"source{len(made)}", rate))
        return made[-1]

    yield make
    for s in made:
        s.seeder.close()


def status(process: ServiceProcess, info_hash: str) -> dict[str, Any]:
    reply = api(process.url, "GET", f"/api/v1/torrents/{info_hash}")
    assert reply.status == 200, reply.body
    return reply.json()


def checked(process: ServiceProcess, info_hash: str) -> dict[str, Any] | None:
    """The torrent's status once it is past checking its files, else None."""
    s = status(process, info_hash)
    return s if s["state"] in ("downloading", "finished", "seeding") else None


def complete(process: ServiceProcess, info_hash: str) -> dict[str, Any] | None:
    s = status(process, info_hash)
    return s if s["progress"] == 1 else None


def test_kill_9_mid_download_then_no_verified_piece_is_fetched_again(
        service_process: Callable[..., ServiceProcess], source: Callable[[int], Source]):
    src = source(SLOW)
    first = service_process("state").start()
    info_hash = src.add_to(first)["info_hash"]
    wait_until(lambda: status(first, info_hash)["pieces_done"] >= PIECES // 4, 60,
               "a quarter of the pieces")
    before = status(first, info_hash)
    first.kill()  # SIGKILL right after reading the count: no chance to save anything
    assert before["progress"] < 1, "the download ended before the kill: nothing to test"
    # The resume data names the seeder, and the service will call it back: until the re-check
    # is done it must find it paused, so that what it has then, it found on disk.
    src.seeder.session.pause()

    second = service_process("state").start()  # the same data dir
    assert info_hash in {t["info_hash"] for t in
                         api(second.url, "GET", "/api/v1/torrents").json()["torrents"]}
    after = wait_until(lambda: checked(second, info_hash), 60, "the re-check")
    assert after["pieces_done"] >= before["pieces_done"], (before, after)

    src.seeder.session.resume()
    src.add_to(second)  # already there: this only connects the seeder again
    done = wait_until(lambda: complete(second, info_hash), 90, "the download to end")
    # What the service took in this run (the seeder's own counter lags behind its sends).
    fetched_again = done["total_downloaded"] - after["total_downloaded"]
    verified = before["pieces_done"] * PIECE
    assert 0 < fetched_again <= src.size - verified + MARGIN_PIECES * PIECE, (
        f"second run fetched {fetched_again} bytes of {src.size}; "
        f"{before['pieces_done']} pieces were verified before the kill")
    assert (second.data_dir / "cache" / info_hash / "movie.mp4").read_bytes() == \
        src.file.read_bytes()
    second.signal(signal.SIGTERM)
    assert second.wait(10) == 0


def test_clean_stop_saves_resume_data_and_comes_back_complete(
        service_process: Callable[..., ServiceProcess], source: Callable[[int], Source]):
    src = source(4 * SLOW)
    first = service_process("state").start()
    info_hash = src.add_to(first)["info_hash"]
    ended = wait_until(lambda: complete(first, info_hash), 60, "the download to end")
    first.signal(signal.SIGTERM)
    assert first.wait(10) == 0, first.output()
    resume = first.data_dir / "resume"
    # The resume data, the one before it, and the metainfo to re-add it from if both go bad.
    assert sorted(p.name for p in resume.iterdir()) == [
        f"{info_hash}.resume", f"{info_hash}.resume.bak", f"{info_hash}.torrent"]
    assert not (first.data_dir / "running").exists()

    second = service_process("state").start()
    back = wait_until(lambda: checked(second, info_hash), 30, "the torrent to be ready")
    assert back["progress"] == 1 and back["pieces_done"] == PIECES
    assert back["state"] in ("finished", "seeding")
    # The seeder is still there, and nothing more came from it.
    assert back["total_downloaded"] == ended["total_downloaded"]
    second.signal(signal.SIGTERM)
    assert second.wait(10) == 0
