"""The real-Kodi tier: one Kodi and one service process for the whole session (Kodi starts once),
a local swarm of real libtorrent peers per test."""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from kodi import Kodi, free_port, missing
from media import make_video, with_tracks
from phone import ARGS, CHROMIUM, phone_page
from support import REPO, ServiceProcess, api, wait_until

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
    service = ServiceProcess(root / "data", http_port=free_port()).start()
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

    def make(seconds: float = VIDEO_SECONDS, name: str = "", tracks: bool = False) -> Path:
        """`tracks`: with a second audio track and subtitles (media.with_tracks)."""
        folder = tmp_path / f"media{len(list(tmp_path.glob('media*')))}"
        folder.mkdir()
        name = name or f"{request.node.name.removeprefix('test_')[:40]}.mp4"
        if not tracks:
            return Path(make_video(folder / name, seconds, kind="mp4", bitrate="1M"))
        plain = make_video(tmp_path / f"plain-{name}", seconds, kind="mp4", bitrate="1M")
        return Path(with_tracks(plain, folder / name, seconds))

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


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test feed</title><link>http://127.0.0.1/</link>
<description>e2e</description>
{items}
</channel></rss>
"""
ITEM = """<item><title>{title}</title><link>{link}</link><guid>{title}</guid>
<pubDate>Mon, {day} Nov 2026 20:00:00 +0000</pubDate></item>"""


@pytest.fixture
def feed_show(kodi_service: ServiceProcess, seed: Callable[[Path], str],
              clip: Callable[..., Path], serve_file: Callable[[str, bytes], str]
              ) -> Callable[..., tuple[dict[str, Any], str]]:
    """A show of three episodes from an RSS feed the service reads: S01E01 seeded by a real
    peer (its magnet names the peer, x.pe), S01E02 and S01E03 unseeded (listed, not played).
    Returns the show as GET /api/v1/shows lists it and S01E01's info-hash; with `tracks`,
    S01E01 has a French dub and English subtitles."""

    def make(name: str, tracks: bool = False) -> tuple[dict[str, Any], str]:
        base = kodi_service.url
        title = f"{name}.S01E01.720p.WEB-DL"
        info_hash = seed(clip(name=f"{title}.mp4", tracks=tracks))
        peer = seed.peers[-1].address  # type: ignore[attr-defined]
        link = f"magnet:?xt=urn:btih:{info_hash}&dn={title}&x.pe={peer}"
        others = [(title.replace("E01", f"E0{n}"), "magnet:?xt=urn:btih:" + f"{n}" * 40)
                  for n in (2, 3)]
        items = "\n".join(ITEM.format(title=t, link=lk.replace("&", "&amp;"), day=20 + n)
                          for n, (t, lk) in enumerate([(title, link), *others]))
        feed_url = serve_file(f"{name}.xml", RSS.format(items=items).encode())
        reply = api(base, "POST", "/api/v1/feeds", {"url": feed_url})
        assert reply.status in (200, 201), reply.body
        wanted = name.replace(".", " ").lower()

        def show() -> dict[str, Any] | None:
            shows = api(base, "GET", f"/api/v1/shows?q={name.split('.')[0]}").json()["shows"]
            return next((s for s in shows if s["title"].lower() == wanted
                         and s["episodes"] == 3), None)
        return wait_until(show, 60, f"the feed's show {wanted}"), info_hash

    return make


@pytest.fixture
def launch() -> Iterator[Callable[..., Any]]:
    """Launch Debian's Chromium (optionally through a wrapper, e.g. into a namespace); every
    browser launched is closed at teardown."""
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="SKIPPED LOUDLY: pip install playwright")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"SKIPPED LOUDLY: no Chromium at {CHROMIUM} (tools/bootstrap.sh installs it)")
    with playwright_api.sync_playwright() as p:
        launched: list[Any] = []

        def make(executable: str = CHROMIUM) -> Any:
            launched.append(p.chromium.launch(executable_path=executable, args=ARGS,
                                              headless=True))
            return launched[-1]

        yield make
        for browser in launched:
            browser.close()


@pytest.fixture
def browser(launch: Callable[..., Any]) -> Any:
    return launch()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    opened = phone_page(browser)
    yield opened
    opened.context.close()
