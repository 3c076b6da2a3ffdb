"""Feeds made for the tests: RSS with the namespaces real indexers use."""

from __future__ import annotations

import contextlib
import threading
from email.utils import formatdate
from xml.sax.saxutils import escape, quoteattr

EZRSS = "http://xmlns.ezrss.it/0.1/"


def item(title: str, link: str, *, size: int | None = None, info_hash: str | None = None,
         seeds: int | None = None, guid: str | None = None, published: float = 1.7e9,
         enclosure: bool = False) -> str:
    parts = [f"<title>{escape(title)}</title>"]
    if enclosure:
        parts.append(f"<enclosure url={quoteattr(link)} type=\"application/x-bittorrent\" "
                     f"length=\"{size or 0}\"/>")
    else:
        parts.append(f"<link>{escape(link)}</link>")
    parts.append(f"<guid isPermaLink=\"false\">{escape(guid or title)}</guid>")
    parts.append(f"<pubDate>{formatdate(published)}</pubDate>")
    if size is not None:
        parts.append(f"<torrent:contentLength>{size}</torrent:contentLength>")
    if info_hash:
        parts.append(f"<torrent:infoHash>{info_hash}</torrent:infoHash>")
    if seeds is not None:
        parts.append(f"<torrent:seeds>{seeds}</torrent:seeds>")
    return "<item>" + "".join(parts) + "</item>"


def rss(*items: str, title: str = "Test feed") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            f'xmlns:torrent="{EZRSS}"><channel><title>{escape(title)}</title>'
            f'<link>http://example.org/</link>{"".join(items)}</channel></rss>').encode()


def magnet(info_hash: str, name: str = "x") -> str:
    return f"magnet:?xt=urn:btih:{info_hash}&dn={name}"


class Hold:
    """A path's answers held back: `arrived` is set when a request for it comes, and it is
    answered once `release` is set (or after a minute)."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()


class FeedServer:
    """An HTTP server on 127.0.0.1 serving feeds that change over time, with ETags (304) unless
    a route is served without."""

    def __init__(self) -> None:
        import http.server

        self.routes: dict[str, tuple[int, str, bytes, bool]] = {}
        self.hits: list[tuple[str, str | None]] = []  # (path, If-None-Match)
        self.holds: dict[str, Hold] = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append((self.path, self.headers.get("If-None-Match")))
                hold = server.holds.get(self.path)
                if hold is not None:
                    hold.arrived.set()
                    hold.release.wait(60)
                status, kind, body, etags = server.routes.get(
                    self.path, (404, "text/plain", b"no", True))
                etag = f'"{hash(body) & 0xffffffff:x}"' if etags else None
                if etag and status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                with contextlib.suppress(ConnectionError):  # a capped reader hangs up
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, name="feed-server",
                                        daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"

    def serve(self, path: str, body: bytes, status: int = 200,
              kind: str = "application/rss+xml", etag: bool = True) -> str:
        self.routes[path] = (status, kind, body, etag)
        return self.url + path

    def hold(self, path: str) -> Hold:
        """Hold the answers to `path` until the Hold is released."""
        self.holds[path] = Hold()
        return self.holds[path]

    def close(self) -> None:
        for hold in self.holds.values():  # a held answer must not keep shutdown waiting
            hold.release.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(10)
