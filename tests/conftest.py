"""Fixtures shared by every test tier: a thread-leak guard and a deadline-bound wait."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lan import Lan
from media import make_video
from support import PIECE_SIZE, SEED_RATE, Swarm, wait_until

from swarmplayer.config import Config
from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.errors import ServiceError
from swarmplayer.supervisor import Service

THREAD_GRACE_S = 10.0


def _leaked(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads started during the test and still running: every one, daemon or not (waitress
    workers, a test's own helpers)."""
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves any thread it started running.

    Autouse fixtures are set up first, so this check runs after the test's own fixtures
    (services, peers) have been torn down.
    """
    before = set(threading.enumerate())
    yield
    end = time.monotonic() + THREAD_GRACE_S
    for thread in _leaked(before):
        thread.join(max(end - time.monotonic(), 0))
    left = _leaked(before)
    if left:
        pytest.fail(f"threads left running: {sorted(t.name for t in left)}")


@pytest.fixture(name="wait_until")
def wait_until_fixture() -> Callable[..., object]:
    return wait_until


# ---- the service, videos and a local swarm ---------------------------------------------------

@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start in-process services on loopback-only test configs; all are stopped at teardown."""
    started: list[Service] = []

    def make(**overrides: Any) -> Service:
        data_dir = tmp_path / f"service{len(started)}"
        service = Service(Config.for_tests(data_dir, **overrides)).start()
        started.append(service)
        return service

    yield make
    for service in reversed(started):
        service.stop()


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    return make_service()


@pytest.fixture
def video(tmp_path: Path) -> Callable[..., Path]:
    """Make a real little video (H.264 + AAC) with ffmpeg; the test is skipped without ffmpeg."""

    def make(name: str = "video.mp4", seconds: float = 10, kind: str | None = None,
             bitrate: str = "2M", folder: Path | None = None) -> Path:
        folder = folder or tmp_path / "media"
        folder.mkdir(parents=True, exist_ok=True)
        kind = kind or ("mkv" if name.endswith(".mkv") else "mp4")
        return Path(make_video(folder / name, seconds, kind=kind, bitrate=bitrate))

    return make


@pytest.fixture
def peers() -> Iterator[list[Peer]]:
    """Peers a test starts itself (append them): all closed at teardown."""
    made: list[Peer] = []
    yield made
    for peer in made:
        peer.close()


@pytest.fixture
def swarm(service: Service) -> Iterator[Callable[..., Swarm]]:
    """Seed a file or folder from a rate-limited libtorrent peer and add it to the service.

    connect=False leaves the seeder unconnected until the test calls swarm.connect(), e.g. to
    ask for a range before any of its pieces can exist.
    """
    peers: list[Peer] = []

    def make(path: Path, *, piece_size: int = PIECE_SIZE, rate: int = SEED_RATE,
             connect: bool = True, into: Service | None = None) -> Swarm:
        into = into or service
        torrent = lt.bencode(lt.make_torrent(str(path), piece_size=piece_size))
        seeder = Peer(torrent, path.parent, upload_rate=rate)
        peers.append(seeder)
        info_hash, created = into.engine.add_torrent_data(torrent, str(path))
        assert created
        made = Swarm(into, info_hash, torrent, path, seeder)
        if connect:
            made.connect()
        return made

    yield make
    for peer in peers:
        peer.close()


@pytest.fixture
def watch() -> Iterator[Callable[[Service, str], Callable[[], None]]]:
    """Play a torrent's default file the way a paused player does: open a stream, take its
    first bytes and hold the stream open, so the torrent counts as playing. Returns a function
    that stops watching; whatever is still watched stops at teardown."""
    stops: list[Callable[[], None]] = []

    def start(into: Service, info_hash: str) -> Callable[[], None]:
        fs = into.engine.open_stream(info_hash)
        done = threading.Event()

        def play() -> None:
            chunks = fs.iter_range(0, fs.size, done.is_set)
            try:
                next(chunks, None)
                done.wait(300)
            except ServiceError:
                pass  # stopped before the first bytes came
            finally:
                chunks.close()
                fs.close()

        player = threading.Thread(target=play, name="test-watch", daemon=True)
        player.start()
        wait_until(lambda: getattr(into.engine.status(info_hash).stream, "readers", 0), 30,
                   "the stream to be open")

        def stop() -> None:
            done.set()
            player.join(30)

        stops.append(stop)
        return stop

    yield start
    for stop in stops:
        stop()


# ---- a LAN of network namespaces (discovery, the phone on the Wi-Fi) -------------------------

@pytest.fixture
def lan() -> Iterator[Lan]:
    """A bridge and no hosts yet (`lan.add_host`); skipped, loudly, without root or netns."""
    if os.geteuid() != 0:
        pytest.skip("SKIPPED LOUDLY: network namespaces need root (CI runs these as root)")
    try:
        made = Lan()
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"SKIPPED LOUDLY: cannot make network namespaces here: {exc}")
    yield made
    made.close()
