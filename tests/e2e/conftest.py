"""The real-Kodi tier: one Kodi and one service process for the whole session (Kodi starts once),
a local swarm of real libtorrent peers per test."""

from __future__ import annotations

import functools
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kodi import Kodi, free_port, missing
from media import make_video
from support import REPO, ServiceProcess, api

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt

ADDON_ZIP = REPO / "build/plugin.video.swarmplayer-0.1.0.zip"
VIDEO_SECONDS = 40
SEED_RATE = 2_000_000  # well above the video's bitrate: Kodi plays at real speed


@pytest.fixture(scope="session")
def addon_zip() -> Path:
    subprocess.run(["make", "-s", "addon"], cwd=REPO, check=True, capture_output=True)
    return ADDON_ZIP


@pytest.fixture(scope="session")
def kodi_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """The service as Kodi's box runs it: its own process, on a port fixed before Kodi starts."""
    root = tmp_path_factory.mktemp("service")
    service = ServiceProcess(root / "data", http_port=free_port(), feed_local_links=True).start()
    yield service
    service.stop(60)


@pytest.fixture(scope="session")
def kodi(tmp_path_factory: pytest.TempPathFactory, addon_zip: Path,
         kodi_service: ServiceProcess) -> Iterator[Kodi]:
    why = missing()
    if why:
        pytest.skip(f"REAL-KODI TIER SKIPPED: {why}")
    made = Kodi(tmp_path_factory.mktemp("kodi"), addon_zip, kodi_service.url)
    try:
        yield made.start()
    finally:
        made.stop()


@pytest.fixture
def clip(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """A real video named after the test, so each test has a torrent (and play state) of its
    own on the session's service."""

    def make(seconds: float = VIDEO_SECONDS, name: str = "") -> Path:
        folder = tmp_path / f"media{len(list(tmp_path.glob('media*')))}"
        folder.mkdir()
        name = name or f"{request.node.name.removeprefix('test_')[:40]}.mp4"
        return Path(make_video(folder / name, seconds, kind="mp4", bitrate="1M"))

    return make


@pytest.fixture
def serve_file(tmp_path: Path) -> Iterator[Callable[[str, bytes], str]]:
    """Serve bytes over HTTP on 127.0.0.1 (an RSS feed); returns the URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-www", daemon=True)
    thread.start()

    def put(name: str, data: bytes) -> str:
        (root / name).write_bytes(data)
        return f"http://127.0.0.1:{server.server_port}/{name}"

    yield put
    server.shutdown()
    server.server_close()
    thread.join(10)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def seed(kodi_service: ServiceProcess, tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """Seed a file from a real libtorrent peer and add it to the service; returns its hash."""
    peers: list[Peer] = []

    def make(path: Path) -> str:
        """Returns the info-hash; seed.peers[-1].address is the seeder's host:port."""
        torrent = lt.bencode(lt.make_torrent(str(path), piece_size=64 * 1024))
        torrent_file = tmp_path / f"{path.stem}-{len(peers)}.torrent"
        torrent_file.write_bytes(torrent)
        peer = Peer(torrent, path.parent, upload_rate=SEED_RATE)
        peers.append(peer)
        reply = api(kodi_service.url, "POST", "/api/v1/torrents",
                    {"source": str(torrent_file), "peers": [peer.address]})
        assert reply.status in (200, 201), reply.body
        return reply.json()["info_hash"]

    make.peers = peers  # type: ignore[attr-defined]
    yield make
    for peer in peers:
        peer.close()
