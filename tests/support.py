"""Test helpers: waiting with a deadline, a local swarm, a real HTTP client, the corpus, and the
service as a separate process. Plain functions and classes; the fixtures are in the conftests.
"""

from __future__ import annotations

import dataclasses
import http.client
import itertools
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest

from bench.serve import ServeProcess, write_config
from swarmplayer.config import Config
from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.engine.status import TorrentStatus
from swarmplayer.supervisor import Service

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[1]
# CI clones the repository with the shared folder beside it.
CORPUS = Path(os.environ.get("SWARMPLAYER_CORPUS", REPO.parent / "shared" / "corpus"))
HTTP_TIMEOUT = 30.0


# The origin seeder's upload cap: a ~1 MB test video takes a few seconds to arrive, so a test can
# watch it "while it downloads".
SEED_RATE = 250_000
PIECE_SIZE = 32 * 1024


def wait_until(predicate: Callable[[], T], timeout: float, what: str,
               interval: float = 0.05) -> T:
    """Wait until predicate() is truthy and return its value; fail the test after `timeout` s.

    Only for external state that gives no signal to wait on (an HTTP status, another process):
    in-process conditions should be waited on directly.
    """
    end = time.monotonic() + timeout
    pause = threading.Event()  # never set: its wait() is a bounded pause, not a sleep loop
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= end:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        pause.wait(interval)


def pieces_of_service(seeder: Any) -> list[bool]:
    """The pieces the service has, as a seeder's torrent handle knows from it ([] before its
    bitfield)."""
    leechers = [p for p in seeder.get_peer_info() if not p.flags & lt.PEER_SEED]
    return list(leechers[0].pieces) if leechers and any(leechers[0].pieces) else []


def missing_piece(seeder: Any) -> int:
    """A piece the service lacks, as a seeder's torrent handle knows: the middle of the longest
    run of them, far from any it may be finishing."""
    wait_until(lambda: pieces_of_service(seeder), 10, "the service's bitfield at the seeder")
    has = pieces_of_service(seeder)
    runs = [list(g) for k, g in itertools.groupby(range(len(has)), key=has.__getitem__) if not k]
    longest = max(runs, key=len)
    return longest[len(longest) // 2]


@dataclass
class Swarm:
    """A torrent of local content, a rate-limited seeder of it, and the service leeching it."""

    service: Service
    info_hash: str
    torrent: bytes
    path: Path  # the file or folder that was hashed
    seeder: Peer

    def connect(self) -> None:
        self.service.engine.connect_peers(self.info_hash, [self.seeder.address])

    def data(self, relative: str = "") -> bytes:
        """The source bytes of the hashed file, or of a file inside the hashed folder."""
        return (self.path / relative if relative else self.path).read_bytes()

    def status(self) -> TorrentStatus:
        return self.service.engine.status(self.info_hash)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def connect(url: str, timeout: float = HTTP_TIMEOUT) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the URL's host and the path to ask it for."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    return conn, parts.path + (f"?{parts.query}" if parts.query else "")


def open_response(url: str, method: str = "GET", headers: dict[str, str] | None = None,
                  body: bytes | None = None,
                  timeout: float = HTTP_TIMEOUT) -> tuple[http.client.HTTPConnection,
                                                          http.client.HTTPResponse]:
    """Send a request and return the response with its body still unread (close the conn)."""
    conn, path = connect(url, timeout)
    conn.request(method, path, body=body, headers=headers or {})
    return conn, conn.getresponse()


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None,
          body: bytes | None = None, timeout: float = HTTP_TIMEOUT) -> Reply:
    conn, response = open_response(url, method, headers, body, timeout)
    try:
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def api(base: str, method: str, path: str, payload: Any = None) -> Reply:
    """A JSON call to the service's API."""
    body = None if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return fetch(base + path, method, headers, body)


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one file, and its Content-Type."""
    boundary = "swarmplayer-test-boundary-7d1f"
    body = b"".join([
        f"--{boundary}\r\n".encode(),
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'.encode(),
        b"Content-Type: application/x-bittorrent\r\n\r\n",
        data,
        f"\r\n--{boundary}--\r\n".encode(),
    ])
    return body, f"multipart/form-data; boundary={boundary}"


def upload(base: str, data: bytes, filename: str = "upload.torrent",
           field: str = "torrent") -> Reply:
    body, content_type = multipart(field, filename, data)
    return fetch(base + "/api/v1/torrents", "POST", {"Content-Type": content_type}, body)


def assert_json_error(reply: Reply, status: int | None = None) -> dict[str, Any]:
    """A reply of `status` (else any 4xx) whose body is {"error": code, "message": text}."""
    if status is None:
        assert 400 <= reply.status < 500, (reply.status, reply.body[:300])
    else:
        assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.headers.get_content_type() == "application/json"
    body = reply.json()
    assert isinstance(body.get("error"), str) and body["error"]
    assert isinstance(body.get("message"), str) and body["message"]
    assert "Traceback" not in body["message"]
    return body


# ---- the service as a separate process --------------------------------------------------------

STARTUP_TIMEOUT = 60.0


class ServiceProcess(ServeProcess):
    """`python -m swarmplayer serve` on a loopback-only config file (what Config.for_tests
    sets), failing the test with its log when it does not start or stop in time."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        wanted, defaults = Config.for_tests(data_dir, **settings), Config(data_dir=str(data_dir))
        values = {f.name: getattr(wanted, f.name) for f in dataclasses.fields(Config)
                  if f.name == "data_dir" or getattr(wanted, f.name) != getattr(defaults, f.name)}
        super().__init__(write_config(data_dir.parent / f"{data_dir.name}.toml", values))

    def start(self) -> ServiceProcess:
        """Launch the process and wait until it says where it serves."""
        self.launch()
        if not self.wait_url(STARTUP_TIMEOUT):
            self.kill()
            pytest.fail("the service did not start:\n" + self.output())
        return self

    def wait(self, timeout: float) -> int:
        """Exit status once the process has ended (fails the test if it does not in time)."""
        try:
            return super().wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the service did not exit within {timeout:g} s:\n{self.output()}")
