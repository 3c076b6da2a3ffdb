"""The demo's feed: a made-up show whose episodes are real torrents of the bundled sample, seeded
by the demo's origin peer, in an RSS feed served on 127.0.0.1; the demo subscribes to it, so the
add-on and the phone page show a show with its next-up episode's head prefetched.

Each episode is the sample under another file name: another info-hash over the same pieces,
so making the torrents hashes nothing and the seeder needs no copies (hard links).
"""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import threading
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ..engine import lt
from ..engine.tstream import with_origins
from ..playback import ApiClient
from .swarm import Peer

SHOW = "Starling Point"
FEED_TITLE = "SwarmPlayer demo: Starling Point"
EPISODES = ("Pilot", "The Long Way Round", "Low Tide")
EZRSS = "http://xmlns.ezrss.it/0.1/"
DAY = 86400


def release_name(number: int) -> str:
    return f"{SHOW.replace(' ', '.')}.S01E{number:02d}.360p.WEB-DL-DEMO"


class DemoFeed:
    """The feed and its torrents on an HTTP server of its own on 127.0.0.1; `origin` seeds
    every episode from `seed_dir`, where `sample` (the video) is."""

    def __init__(self, tstream: bytes, sample: Path, origin: Peer) -> None:
        self._files: dict[str, tuple[str, bytes]] = {}
        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/demo.xml"
        base = self.url.rpartition("/")[0]
        items = []
        now = time.time()
        for number, title in enumerate(EPISODES, 1):
            name = release_name(number)
            torrent = _renamed(tstream, name + sample.suffix, [origin.address])
            _link(sample, sample.with_name(name + sample.suffix))
            origin.add(torrent, sample.parent)
            info = lt.torrent_info(torrent)
            self._files[f"/{name}.tstream"] = ("application/x-bittorrent", torrent)
            items.append(_item(name, title, f"{base}/{name}.tstream",
                               lt.hash_hex(info.info_hashes()), info.total_size(),
                               now - (len(EPISODES) - number) * DAY))
        self._files["/demo.xml"] = ("application/rss+xml", _rss(items, self.url))
        self._thread = threading.Thread(target=self._http.serve_forever, name="demo-feed",
                                        daemon=True)
        self._thread.start()

    def subscribe(self, api: ApiClient) -> None:
        """Subscribe the service to the show, then add the feed: its first poll stores the
        episodes, published before the subscription, and the subscription's backfill prefetches
        their heads. What an earlier demo left (its feed on another port, its subscription)
        goes first."""
        for sub in _all(api, "subscriptions"):
            if sub["show_title"] == SHOW:
                api.call("DELETE", f"/api/v1/subscriptions/{sub['id']}")
        for feed in _all(api, "feeds"):
            if feed["title"] == FEED_TITLE and feed["url"] != self.url:
                api.call("DELETE", f"/api/v1/feeds/{feed['id']}")
        # Backfill: the episodes are older than the subscription (and an earlier demo's are
        # stored already): the backfill is what fetches them.
        api.call("POST", "/api/v1/subscriptions", {"show": SHOW, "backfill": len(EPISODES),
                                                   "action": "prefetch"})
        api.call("POST", "/api/v1/feeds", {"url": self.url, "title": FEED_TITLE})

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(10)

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        files = self._files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                kind, body = files.get(self.path, ("text/plain", b""))
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(ConnectionError):
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # the demo's terminal shows the stream, not each request

        return Handler


def _all(api: ApiClient, plural: str) -> list[dict[str, Any]]:
    return list(api.call("GET", f"/api/v1/{plural}?limit=200")[plural])


def _renamed(tstream: bytes, name: str, origins: list[str]) -> bytes:
    """The sample's .tstream with another file name (so another info-hash), naming `origins`."""
    meta = with_origins(lt.bdecode(tstream), origins)
    meta[b"info"][b"name"] = name.encode()
    return lt.bencode(meta)


def _link(sample: Path, path: Path) -> None:
    """The sample under an episode's name, a hard link where the disk allows."""
    if path.exists():
        return
    try:
        os.link(sample, path)
    except OSError:
        shutil.copyfile(sample, path)


def _item(name: str, title: str, link: str, info_hash: str, size: int, published: float) -> str:
    return (f"<item><title>{escape(name)}</title><description>{escape(title)}: an episode of "
            f"a made-up show, seeded by the demo swarm.</description>"
            f"<enclosure url={quoteattr(link)} type=\"application/x-bittorrent\" "
            f"length=\"{size}\"/><guid isPermaLink=\"false\">{info_hash}</guid>"
            f"<pubDate>{formatdate(published)}</pubDate>"
            f"<torrent:infoHash>{info_hash}</torrent:infoHash>"
            f"<torrent:contentLength>{size}</torrent:contentLength>"
            f"<torrent:seeds>1</torrent:seeds></item>")


def _rss(items: list[str], url: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            f'xmlns:torrent="{EZRSS}"><channel><title>{escape(FEED_TITLE)}</title>'
            f'<link>{escape(url)}</link>{"".join(items)}</channel></rss>').encode()
