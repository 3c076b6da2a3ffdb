"""A stand-in for the parts of the service API that /work/plan's contract adds (shows,
episodes, subscriptions, prefetch) until the branches that build them are merged: canned
contract-shaped answers, every request recorded. The routes' tests against the real service
are in test_routes.py and tests/e2e."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[dict[str, Any]], tuple[int, Any]]


class Stub:
    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], list[Answer] | Answer] = {}
        self.requests: list[tuple[str, str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                stub.requests.append((self.command, self.path, body))
                path = self.path.split("?", 1)[0]
                answer = stub.answers.get((self.command, path))
                if isinstance(answer, list):
                    answer = answer.pop(0) if len(answer) > 1 else answer[0]
                status, reply = answer(body or {}) if answer else (
                    404, {"error": "not_found", "message": f"no {path}"})
                raw = json.dumps(reply).encode() if reply is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="contract-stub",
                                       daemon=True)

    def on(self, method: str, path: str, *answers: Any) -> None:
        """Answer method+path with each reply in turn (the last one repeats)."""
        made = [a if callable(a) else (lambda body, a=a: (200, a)) for a in answers]
        self.answers[(method, "/api/v1" + path)] = made

    def sent(self, method: str, path: str) -> list[Any]:
        return [b for m, p, b in self.requests if m == method and p.startswith("/api/v1" + path)]


def running() -> Iterator[Stub]:
    stub = Stub()
    stub.thread.start()
    try:
        yield stub
    finally:
        stub.server.shutdown()
        stub.server.server_close()
        stub.thread.join(10)
