"""The benchmark's delay line: bytes come through intact, a round trip later than without it."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import pytest

from bench.delay import DelayRelay

RTT = 0.1


class _Echo(socketserver.BaseRequestHandler):
    open: ClassVar[list[socket.socket]] = []

    def handle(self) -> None:
        self.open.append(self.request)
        with contextlib.suppress(OSError):
            while data := self.request.recv(65536):
                self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    for sock in _Echo.open:  # a connection the relay left open ends its handler's thread
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    _Echo.open.clear()
    server.server_close()  # joins the handlers' threads
    thread.join(timeout=5)


def _echo_once(port: int, payload: bytes) -> tuple[bytes, float]:
    began = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    return got, time.perf_counter() - began


def test_the_relay_delays_set_up_and_each_direction(echo_port: int):
    relay = DelayRelay(echo_port, RTT).start()
    try:
        payload = bytes(range(256)) * 1024
        got, elapsed = _echo_once(relay.port, payload)
    finally:
        relay.stop()
    assert got == payload
    # One round trip to connect, then half of one each way.
    assert 2 * RTT <= elapsed < 2 * RTT + 2.0



def test_stopping_with_a_connection_open_logs_no_error(echo_port: int,
                                                       caplog: pytest.LogCaptureFixture):
    relay = DelayRelay(echo_port, RTT).start()
    with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as sock:
        sock.sendall(b"ping")
        assert sock.recv(16) == b"ping"  # the relay's pipes are up, and wait on both sides
        relay.stop()
    assert not [r for r in caplog.records if r.name == "asyncio"], caplog.text
