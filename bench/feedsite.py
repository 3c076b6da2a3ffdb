"""Feeds served on 127.0.0.1 for the benchmarks: answers set per path (and changed over time),
ETag/304 like a real feed host, and generated feed documents."""

from __future__ import annotations

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


class FeedServer:
    """path → (status, headers, body), or a function of the path's hit count giving one; the
    ETag is the body's length, so a conditional GET of an unchanged body gets a 304."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer | Callable[[int], Answer]] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits = server.hits[self.path] = server.hits.get(self.path, 0) + 1
                answer = server.answers[self.path]
                status, headers, body = answer(hits) if callable(answer) else answer
                etag = f'"{len(body)}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                for key, value in {"ETag": etag, **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
