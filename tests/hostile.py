"""A hostile HTTP server on 127.0.0.1: each path is a way a server can be broken or slow.

Raw sockets, not http.server: it must be able to send what no well-behaved server sends
(garbage status lines, broken chunking, endless headers, bodies dripped a byte at a time).
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import ssl
import threading
import zlib
from collections.abc import Callable
from typing import Any

DRIP_INTERVAL = 0.2
# A header line past http.client's 64 KiB limit.
LONG_LINE = 70_000


class HostileServer:
    """Serves `routes` (path → handler(conn, request headers)) on an ephemeral loopback port
    until close(); every connection has its own thread and ends at close()."""

    def __init__(self, torrent: bytes = b"d4:infod4:name1:xee",
                 tls: ssl.SSLContext | None = None) -> None:
        self.torrent = torrent
        self._tls = tls
        self.stopping = threading.Event()
        self.requests: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._accepter = threading.Thread(target=self._accept, name="test-hostile", daemon=True)
        self._accepter.start()

    def close(self) -> None:
        self.stopping.set()
        self._accepter.join(5)
        with self._lock:
            for conn in self._conns:
                _quietly(conn.shutdown, socket.SHUT_RDWR)
            threads = list(self._threads)
        for thread in threads:
            thread.join(5)
        self._sock.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), name="test-hostile",
                                      daemon=True)
            with self._lock:
                self._conns.append(conn)
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self._tls is not None:
                conn.settimeout(10)
                conn = self._tls.wrap_socket(conn, server_side=True)
            path, headers = _read_request(conn)
            self.requests.append(path)
            route = ROUTES.get([*path.split("?")[0].split("/"), ""][1])
            if route is None:
                _send(conn, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            else:
                route(self, conn, path, headers)
        except OSError:  # ssl.SSLError too: a client that refused our certificate
            pass
        finally:
            _quietly(conn.close)

    def pause(self, seconds: float) -> bool:
        """Wait `seconds` (a drip's pace); False once the server is closing."""
        return not self.stopping.wait(seconds)


def _read_request(conn: socket.socket) -> tuple[str, dict[str, str]]:
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    lines = data.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1] if " " in lines[0] else "/"
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return path, headers


def _send(conn: socket.socket, data: bytes) -> None:
    conn.sendall(data)


def _quietly(call: Callable[..., Any], *args: Any) -> None:
    with contextlib.suppress(OSError):
        call(*args)


def _answer(conn: socket.socket, body: bytes, extra: str = "", status: str = "200 OK") -> None:
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    _send(conn, head.encode() + body)


# ---- the routes: /<name>[/<argument>] --------------------------------------------------------

def ok(server: HostileServer, conn: socket.socket, path: str, headers: dict[str, str]) -> None:
    _answer(conn, server.torrent, "Content-Type: application/x-bittorrent\r\n")


def garbage(server: HostileServer, conn: socket.socket, path: str,
            headers: dict[str, str]) -> None:
    _send(conn, b"SSH-2.0-OpenSSH_9.2\r\n\xff\xfe garbage\r\n\r\n")


def silent_close(server: HostileServer, conn: socket.socket, path: str,
                 headers: dict[str, str]) -> None:
    """Closes without a byte."""


def bad_chunk(server: HostileServer, conn: socket.socket, path: str,
              headers: dict[str, str]) -> None:
    _send(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\nzz-not-hex\r\nxx\r\n0\r\n\r\n")


def truncated_chunk(server: HostileServer, conn: socket.socket, path: str,
                    headers: dict[str, str]) -> None:
    _send(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\nonly a few")


def truncated_length(server: HostileServer, conn: socket.socket, path: str,
                     headers: dict[str, str]) -> None:
    _send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a few")


def endless_headers(server: HostileServer, conn: socket.socket, path: str,
                    headers: dict[str, str]) -> None:
    _send(conn, b"HTTP/1.1 200 OK\r\n")
    for n in range(100_000):
        if server.stopping.is_set():
            return
        _send(conn, f"X-Header-{n}: value\r\n".encode())


def long_header(server: HostileServer, conn: socket.socket, path: str,
                headers: dict[str, str]) -> None:
    _send(conn, b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * LONG_LINE + b"\r\n\r\n")


def drip(server: HostileServer, conn: socket.socket, path: str,
         headers: dict[str, str]) -> None:
    """A proper answer, one byte every DRIP_INTERVAL: every read is quick, the whole is not."""
    _send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while server.pause(DRIP_INTERVAL):
        _send(conn, b"d")


def drip_status(server: HostileServer, conn: socket.socket, path: str,
                headers: dict[str, str]) -> None:
    """Even the status line comes a byte at a time, and never ends."""
    _send(conn, b"HTTP/1.1 200 ")
    while server.pause(DRIP_INTERVAL):
        _send(conn, b"O")


def stall(server: HostileServer, conn: socket.socket, path: str,
          headers: dict[str, str]) -> None:
    """Accepts and says nothing until the server closes."""
    server.stopping.wait()


def loop(server: HostileServer, conn: socket.socket, path: str,
         headers: dict[str, str]) -> None:
    _answer(conn, b"", "Location: /loop\r\n", "302 Found")


def chain(server: HostileServer, conn: socket.socket, path: str,
          headers: dict[str, str]) -> None:
    """/chain/N redirects N times (relative Locations), then serves the torrent."""
    left = int(path.rstrip("/").split("/")[2])
    if left == 0:
        ok(server, conn, path, headers)
    else:
        _answer(conn, b"", f"Location: /chain/{left - 1}\r\n", "301 Moved Permanently")


def bad_redirect(server: HostileServer, conn: socket.socket, path: str,
                 headers: dict[str, str]) -> None:
    _answer(conn, b"", "Location: javascript:alert(1)\r\n", "302 Found")


def gzipped(server: HostileServer, conn: socket.socket, path: str,
            headers: dict[str, str]) -> None:
    _answer(conn, gzip.compress(server.torrent), "Content-Encoding: gzip\r\n")


def truncated_gzip(server: HostileServer, conn: socket.socket, path: str,
                   headers: dict[str, str]) -> None:
    _answer(conn, gzip.compress(server.torrent)[:-6], "Content-Encoding: gzip\r\n")


def deflated(server: HostileServer, conn: socket.socket, path: str,
             headers: dict[str, str]) -> None:
    _answer(conn, zlib.compress(server.torrent), "Content-Encoding: deflate\r\n")


def bomb(server: HostileServer, conn: socket.socket, path: str,
         headers: dict[str, str]) -> None:
    """/bomb/N: N MiB of zeros, gzipped to a few KiB."""
    size = int(path.rstrip("/").split("/")[2]) << 20
    _answer(conn, gzip.compress(b"\0" * size, 9), "Content-Encoding: gzip\r\n")


def big(server: HostileServer, conn: socket.socket, path: str,
        headers: dict[str, str]) -> None:
    """/big/N: N MiB, chunked (no length to refuse it by), streamed until the client stops."""
    size = int(path.rstrip("/").split("/")[2]) << 20
    _send(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"x" * 65536
    for _ in range(size // len(block)):
        _send(conn, b"10000\r\n" + block + b"\r\n")
    _send(conn, b"0\r\n\r\n")


def big_length(server: HostileServer, conn: socket.socket, path: str,
               headers: dict[str, str]) -> None:
    """Says it will send 1 GiB, then waits: the Content-Length alone must be refused."""
    _send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")
    server.stopping.wait()


def odd_length(server: HostileServer, conn: socket.socket, path: str,
               headers: dict[str, str]) -> None:
    """A Content-Length of "²" (latin-1 0xB2): str.isdigit() says yes, int() says no."""
    _send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\nConnection: close\r\n\r\n"
          + server.torrent)


def conditional(server: HostileServer, conn: socket.socket, path: str,
                headers: dict[str, str]) -> None:
    """An ETag'd, Last-Modified resource that honours If-None-Match / If-Modified-Since."""
    stamp = "Thu, 03 Dec 2026 10:00:00 GMT"
    if headers.get("if-none-match") == '"v1"' or headers.get("if-modified-since") == stamp:
        _send(conn, b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n")
    else:
        _answer(conn, server.torrent, f"ETag: \"v1\"\r\nLast-Modified: {stamp}\r\n"
                                      "Content-Type: application/rss+xml\r\n")


def status(server: HostileServer, conn: socket.socket, path: str,
           headers: dict[str, str]) -> None:
    """/status/N answers HTTP N (with a reason phrase that is far too long)."""
    code = path.rstrip("/").split("/")[2]
    _answer(conn, b"nope", status=f"{code} {'Reason ' * 200}")


def unknown_encoding(server: HostileServer, conn: socket.socket, path: str,
                     headers: dict[str, str]) -> None:
    _answer(conn, b"\x00\x01", "Content-Encoding: br\r\n")


ROUTES: dict[str, Callable[[HostileServer, socket.socket, str, dict[str, str]], None]] = {
    "ok": ok, "garbage": garbage, "close": silent_close, "badchunk": bad_chunk,
    "truncchunk": truncated_chunk, "trunclen": truncated_length, "headers": endless_headers,
    "longline": long_header, "drip": drip, "dripstatus": drip_status, "stall": stall,
    "loop": loop, "chain": chain, "badredirect": bad_redirect, "gzip": gzipped,
    "deflate": deflated, "truncgzip": truncated_gzip, "bomb": bomb, "big": big,
    "biglength": big_length, "oddlength": odd_length,
    "conditional": conditional, "status": status, "br": unknown_encoding,
}
