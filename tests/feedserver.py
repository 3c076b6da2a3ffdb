"""A real HTTP server on 127.0.0.1 serving feeds that tests change over time."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def rss(*titles: str) -> bytes:
    items = "".join(f"<item><title>{t}</title><link>https://example.org/{n}.torrent</link>"
                    f"</item>" for n, t in enumerate(titles))
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Test feed</title>{items}"
            "</channel></rss>").encode()


class FeedServer:
    """path → (status, headers, body); the ETag is the body's length, so 304 follows it."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: dict[str, int] = {}
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                status, headers, body = server.answers[self.path]
                if self.path.startswith("/slow"):
                    server.release.wait(10)  # the client's deadline ends this first
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
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
