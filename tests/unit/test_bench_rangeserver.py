"""The benchmark's Range server logs what it sent: the decoder's pieces come from that."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.calc import pieces_of_ranges
from bench.rangeserver import RangeServer

SIZE = 1 << 20


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * (SIZE // 256))
    return path


def _get(url: str, header: str | None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Range": header} if header else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def test_a_range_is_served_and_logged_as_sent(data: Path):
    with RangeServer(data) as server:
        status, body = _get(server.url, "bytes=300000-399999")
        log = server.clear_log()
    assert status == 206
    assert body == data.read_bytes()[300000:400000]
    assert log == [(300000, 400000)]
    assert pieces_of_ranges(log, 256 * 1024) == {1}


def test_suffix_ranges_and_whole_file(data: Path):
    with RangeServer(data) as server:
        _, tail = _get(server.url, "bytes=-1000")
        _, whole = _get(server.url, None)
        log = server.clear_log()
    assert tail == data.read_bytes()[-1000:]
    assert whole == data.read_bytes()
    assert sorted(log) == [(0, SIZE), (SIZE - 1000, SIZE)]


def test_a_range_past_the_end_is_416(data: Path):
    with RangeServer(data) as server, pytest.raises(urllib.error.HTTPError) as caught:
        _get(server.url, f"bytes={SIZE}-")
    assert caught.value.code == 416


def test_a_not_ready_chunk_ends_the_body_short(data: Path):
    # The baseline's server: bytes past the first 100 KiB "never arrive".
    with RangeServer(data, size=SIZE, ready=lambda start, stop: stop <= 100 * 1024) as server:
        request = urllib.request.Request(server.url)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.fp.read()  # the raw body: shorter than Content-Length
        log = server.clear_log()
    assert len(body) == 96 * 1024  # whole 16 KiB chunks below the limit
    assert log == [(0, 96 * 1024)]
