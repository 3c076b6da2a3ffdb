"""A slow disk never stalls a stream: resume data is written by the persistence worker, off the
alert thread and under no lock a stream reader waits on.

An SD card can take seconds for an fsync: os.fsync is slowed to 2 s (the edge a test cannot make
slow for real), and a reader must keep receiving pieces at the swarm's rate while resume data is
being saved.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from support import PIECE_SIZE, wait_until

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.errors import ServiceError

RATE = 250_000  # bytes/s from the only seeder
FILE_BYTES = 5_000_000  # 20 s at RATE: saves come and go while it downloads
FSYNC_SECONDS = 2.0


def test_a_reader_keeps_its_rate_while_resume_data_is_fsynced(
        tmp_path: Path, make_service, monkeypatch: pytest.MonkeyPatch):
    source = tmp_path / "source"
    source.mkdir()
    path = source / "movie.mp4"
    path.write_bytes(os.urandom(FILE_BYTES))
    torrent = lt.bencode(lt.make_torrent(str(path), piece_size=PIECE_SIZE))
    seeder = Peer(torrent, source, upload_rate=RATE)
    service = make_service(resume_save_interval=1)
    info_hash, _ = service.engine.add_torrent_data(torrent, "movie.torrent")

    syncs: list[tuple[float, float]] = []  # (start, end) of each slowed fsync
    real_fsync = os.fsync
    slow = threading.Event()  # never set: its wait() is the slow disk

    def slow_fsync(fd: int) -> None:
        start = time.monotonic()
        slow.wait(FSYNC_SECONDS)
        real_fsync(fd)
        syncs.append((start, time.monotonic()))

    monkeypatch.setattr(os, "fsync", slow_fsync)

    received: list[tuple[float, int]] = []  # (when, bytes) of each chunk the reader got
    stop = threading.Event()
    fs = service.engine.open_stream(info_hash)

    def read() -> None:
        try:
            for chunk in fs.iter_range(0, fs.size, stop.is_set):
                received.append((time.monotonic(), len(chunk)))
        except ServiceError:
            pass
        finally:
            fs.close()

    reader = threading.Thread(target=read, name="test-reader")
    reader.start()
    try:
        service.engine.connect_peers(info_hash, [seeder.address])
        wait_until(lambda: received, 30, "the first bytes")
        first = received[0][0]
        # A save that started and ended while the reader read: the file's fsync and the
        # folder's, 4 s in all.
        wait_until(lambda: [s for s in syncs if s[0] > first + 1] and len(syncs) >= 2, 30,
                   "resume data to be saved while the stream reads")
        start = next(s for s in syncs if s[0] > first + 1)[0]
        end = start + 2 * FSYNC_SECONDS
        wait_until(lambda: received[-1][0] >= end or not reader.is_alive(), 30,
                   "bytes after the save")
        assert received[-1][0] >= end, "the download ended inside the window: make it longer"
        got = sum(n for at, n in received if start <= at < end)
        # A quarter of the cap: on a loaded machine the seeder sends well below it, while a
        # reader held up by the save gets about nothing (with the save written on the alert
        # thread: 32 KiB in the 4 s, 0.03 of the cap).
        assert got >= 0.25 * RATE * (end - start), (
            f"the reader got {got} bytes in the {end - start:.1f} s a save took; "
            f"the swarm sends up to {RATE} bytes/s")
    finally:
        stop.set()
        reader.join(30)
        monkeypatch.undo()  # the service's stop saves at full speed
        seeder.close()
