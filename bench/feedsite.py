"""Feeds served on 127.0.0.1 for the benchmarks and the tests: answers set per path (and changed
over time), ETag/304 like a real feed host, and generated feed documents."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = tuple[int, dict[str, str], bytes]


def episode_items(show: str, count: int) -> list[str]:
    """RSS items of `count` episodes of `show`, each in 1080p and 720p (magnet links)."""
    items = []
    for n in range(count):
        for quality, size in (("1080p", 2 << 30), ("720p", 1 << 30)):
            digest = hashlib.sha1(f"{show} {n} {quality}".encode()).hexdigest()
            items.append(
                f"<item><title>{show}.S{1 + n // 20:02d}E{1 + n % 20:02d}.{quality}.WEB-DL."
                f"x264-GRP</title><link>magnet:?xt=urn:btih:{digest}</link>"
                f"<guid>{digest}</guid><size>{size}</size>"
                f"<pubDate>Mon, 30 Nov 2026 20:{n % 60:02d}:00 +0000</pubDate></item>")
    return items


def document(title: str, items: list[str]) -> bytes:
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>" + title + "</title>"
            + "".join(items) + "</channel></rss>").encode()


def feed_document(show: str, count: int) -> bytes:
    """An RSS feed of `count` episodes of `show`, each in 1080p and 720p (magnet links)."""
    return document(show, episode_items(show, count))


def growing(show: str, episodes: int) -> Callable[[int], Answer]:
    """An answer one episode longer at each request, so every poll has something new."""
    return lambda hits: (200, {"Content-Type": "application/rss+xml"},
                         feed_document(show, episodes + hits))


class Hold:
    """A path's answers held back: `arrived` is set when a request for it comes, and it is
    answered once `release` is set (or after a minute)."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()


class FeedServer:
    """Feeds on 127.0.0.1 that change over time: path → (status, headers, body), or a function
    of the path's hit count giving one. Each has an ETag (the body's digest: a conditional GET
    of an unchanged body gets a 304) unless served without; an unknown path is a 404."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer | Callable[[int], Answer]] = {}
        self.hits: list[tuple[str, str | None]] = []  # (path, If-None-Match), in order
        self.holds: dict[str, Hold] = {}
        self.without_etag: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append((self.path, self.headers.get("If-None-Match")))
                hold = server.holds.get(self.path)
                if hold is not None:
                    hold.arrived.set()
                    hold.release.wait(60)
                answer = server.answers.get(self.path, (404, {"Content-Type": "text/plain"},
                                                        b"no"))
                status, headers, body = (answer(server.count(self.path)) if callable(answer)
                                         else answer)
                etag = (None if self.path in server.without_etag
                        else f'"{hashlib.sha1(body).hexdigest()[:16]}"')
                if etag and status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                for key, value in (({"ETag": etag} if etag else {}) | headers).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(ConnectionError):  # a capped reader hangs up
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="feed-server",
                                        daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    def serve(self, path: str, body: bytes, status: int = 200,
              kind: str = "application/rss+xml", etag: bool = True) -> str:
        """Answer `path` with `body` from now on; its URL."""
        self.answers[path] = (status, {"Content-Type": kind}, body)
        (self.without_etag.discard if etag else self.without_etag.add)(path)
        return self.url + path

    def count(self, path: str) -> int:
        """How many requests for `path` came."""
        return sum(1 for asked, _ in self.hits if asked == path)

    def hold(self, path: str) -> Hold:
        """Hold the answers to `path` until the Hold is released."""
        self.holds[path] = Hold()
        return self.holds[path]

    def close(self) -> None:
        for hold in self.holds.values():  # a held answer must not keep shutdown waiting
            hold.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(10)
