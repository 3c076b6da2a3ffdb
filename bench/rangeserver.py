"""A small HTTP file server with Range support that logs what each request really sent.

Two uses: over a finished local copy it tells which bytes ffmpeg reads before its first frame
(the pieces the decoder needs) and how long ffmpeg itself takes; with a `ready` hook it is the
baseline's naive file server, which waits until each chunk's bytes are on disk.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from werkzeug.http import parse_range_header

# Small chunks and a small send buffer: a request's logged bytes then overshoot what ffmpeg
# actually read by little more than the buffers between them.
CHUNK = 16 * 1024
SEND_BUFFER = 32 * 1024

Ready = Callable[[int, int], bool]  # (start, stop) of file bytes → readable now (may wait)


class RangeServer:
    """Serves one file at /file on 127.0.0.1; `log` holds [start, start + bytes sent) ranges."""

    def __init__(self, path: str | os.PathLike[str], size: int | None = None,
                 ready: Ready | None = None,
                 content_type: str = "application/octet-stream") -> None:
        self.path = Path(path)
        # A file still downloading may not exist yet: then its size is given.
        self.size = self.path.stat().st_size if size is None else size
        self.ready = ready
        self.content_type = content_type
        self.log: list[tuple[int, int]] = []
        self._cond = threading.Condition()
        self._active = 0  # requests still sending
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="bench-rangeserver")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/file"

    def start(self) -> RangeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def clear_log(self, timeout: float = 10.0) -> list[tuple[int, int]]:
        """The ranges sent so far, once every request has finished (its client gone)."""
        with self._cond:
            self._cond.wait_for(lambda: self._active == 0, timeout)
            log, self.log = self.log, []
        return log

    def _begin(self) -> None:
        with self._cond:
            self._active += 1

    def _end(self, sent: tuple[int, int] | None) -> None:
        with self._cond:
            self._active -= 1
            if sent is not None:
                self.log.append(sent)
            self._cond.notify_all()

    def __enter__(self) -> RangeServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _handler(server: RangeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the benchmark prints its own summary."""

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def do_GET(self) -> None:
            self._respond(send_body=True)

        def _respond(self, send_body: bool) -> None:
            server._begin()
            sent: tuple[int, int] | None = None
            try:
                sent = self._answer(send_body)
            finally:
                server._end(sent)

        def _answer(self, send_body: bool) -> tuple[int, int] | None:
            """Headers, then the body; returns the range sent, if any."""
            size = server.size
            start, stop, status = 0, size, 200
            ranges = parse_range_header(self.headers.get("Range"))
            if ranges is not None and len(ranges.ranges) == 1:
                bounds = ranges.range_for_length(size)
                if bounds is None:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                (start, stop), status = bounds, 206
            self.send_response(status)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Type", server.content_type)
            self.send_header("Content-Length", str(stop - start))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{stop - 1}/{size}")
            self.end_headers()
            if not send_body or stop <= start:
                return None
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
            return start, start + self._send(start, stop)

        def _send(self, start: int, stop: int) -> int:
            """Send [start, stop) chunk by chunk; the client may hang up at any point."""
            position = start
            fh = None
            try:
                while position < stop:
                    end = min(position + CHUNK, stop)
                    if server.ready is not None and not server.ready(position, end):
                        break
                    if fh is None:  # opened late: a downloading file appears on first write
                        fh = server.path.open("rb")
                    fh.seek(position)
                    data = fh.read(end - position)
                    if not data:
                        break
                    self.wfile.write(data)
                    position += len(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up: what it got is logged
            finally:
                if fh is not None:
                    fh.close()
            self.close_connection = True
            return position - start

    return Handler
