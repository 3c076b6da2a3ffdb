"""GET|HEAD /stream while the file downloads from a real, rate-limited libtorrent seeder."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import PIECE_SIZE, SEED_RATE, Swarm, api, connect, fetch, open_response, wait_until

from swarmplayer.config import Config
from swarmplayer.engine.settings import REQUEST_QUEUE_TIME, SEEK_TICK_MS, TICK_MS
from swarmplayer.supervisor import Service

READ = 64 * 1024


def stream_url(s: Swarm, index: int | None = 0) -> str:
    suffix = "" if index is None else f"/{index}"
    return f"{s.service.url}/stream/{s.info_hash}{suffix}"


def read_while_downloading(s: Swarm, url: str,
                           headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
    """(status, body, progress when the first bytes came back) of a GET through the stream."""
    conn, response = open_response(url, headers=headers)
    try:
        first = response.read1(READ)
        progress = s.status().progress
        return response.status, first + response.read(), progress
    finally:
        conn.close()


@pytest.fixture
def movie(video: Callable[..., Path]) -> Path:
    return video("movie.mp4", seconds=10)


def test_full_get_while_downloading_is_byte_exact(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie)
    status, body, progress = read_while_downloading(s, stream_url(s))
    assert status == 200
    assert progress < 1, "the download had finished before the first bytes were served"
    assert body == s.data()


def test_default_file_url_serves_the_video(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie)
    status, body, _ = read_while_downloading(s, stream_url(s, None))
    assert status == 200
    assert body == s.data()


def test_range_mid_file_before_its_pieces_exist(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie, connect=False)
    data = s.data()
    start = len(data) // 2 + 1234
    stop = start + 3 * PIECE_SIZE + 17  # spans piece boundaries, ends mid-piece
    result: dict[str, object] = {}

    def read() -> None:
        result["reply"] = read_while_downloading(s, stream_url(s),
                                                 {"Range": f"bytes={start}-{stop - 1}"})

    reader = threading.Thread(target=read)
    reader.start()
    # The request waits for a piece no one can have yet: no peer is connected.
    wait_until(lambda: getattr(s.status().stream, "readers", 0), 10, "the stream reader")
    assert s.status().pieces_done == 0
    s.connect()
    reader.join(60)
    assert not reader.is_alive()
    status, body, progress = result["reply"]
    assert status == 206
    assert progress < 1
    assert body == data[start:stop]


def test_range_headers(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie)
    size = len(s.data())
    reply = fetch(stream_url(s), headers={"Range": "bytes=100-199"})
    assert reply.status == 206
    assert reply.headers["Content-Range"] == f"bytes 100-199/{size}"
    assert reply.headers["Content-Length"] == "100"
    assert reply.headers["Accept-Ranges"] == "bytes"
    assert reply.body == s.data()[100:200]


def test_suffix_range(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie)
    data = s.data()
    status, body, progress = read_while_downloading(s, stream_url(s), {"Range": "bytes=-5000"})
    assert status == 206
    assert progress < 1
    assert body == data[-5000:]


def test_open_ended_range(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie)
    data = s.data()
    start = len(data) - 3 * PIECE_SIZE - 99
    reply = fetch(stream_url(s), headers={"Range": f"bytes={start}-"})
    assert reply.status == 206
    assert reply.headers["Content-Range"] == f"bytes {start}-{len(data) - 1}/{len(data)}"
    assert reply.body == data[start:]


def test_head_sends_headers_only(swarm: Callable[..., Swarm], movie: Path,
                                 video: Callable[..., Path]):
    s = swarm(movie)
    reply = fetch(stream_url(s), method="HEAD")
    assert reply.status == 200
    assert reply.body == b""
    assert reply.headers["Accept-Ranges"] == "bytes"
    assert reply.headers["Content-Length"] == str(movie.stat().st_size)
    assert reply.headers["Content-Type"] == "video/mp4"
    ranged = fetch(stream_url(s), method="HEAD", headers={"Range": "bytes=10-19"})
    assert ranged.status == 206
    assert ranged.headers["Content-Length"] == "10"
    mkv = swarm(video("clip.mkv", seconds=2))
    assert fetch(stream_url(mkv), method="HEAD").headers["Content-Type"] == "video/x-matroska"


def test_range_past_the_end_is_416(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie, connect=False)
    size = movie.stat().st_size
    reply = fetch(stream_url(s), headers={"Range": f"bytes={size}-"})
    assert reply.status == 416
    assert reply.headers["Content-Range"] == f"bytes */{size}"
    assert reply.json()["error"]


@pytest.mark.parametrize("header", ["bytes=-0", "bytes=999999999-", "BYTES=999999999-1000000000"])
def test_unsatisfiable_ranges_are_416(swarm: Callable[..., Swarm], movie: Path, header: str):
    s = swarm(movie, connect=False)
    reply = fetch(stream_url(s), headers={"Range": header})
    assert reply.status == 416, reply.body[:200]
    assert reply.headers["Content-Range"] == f"bytes */{movie.stat().st_size}"
    assert reply.json()["error"] == "requested_range_not_satisfiable"


@pytest.mark.parametrize("header", ["pages=1-2", "bytes=5-1", "bytes=x-y", "bytes=0-1,4-5",
                                    "bytes", "=0-1"])
def test_ranges_of_another_unit_or_malformed_are_ignored(swarm: Callable[..., Swarm],
                                                         movie: Path, header: str):
    """RFC 9110: a Range the server does not understand is ignored, the whole file is sent."""
    s = swarm(movie)
    reply = fetch(stream_url(s), headers={"Range": header})
    assert reply.status == 200
    assert reply.body == s.data()


def test_two_concurrent_readers_are_byte_exact(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie, connect=False)
    data = s.data()
    ranges = [(0, len(data)), (len(data) // 3, len(data))]
    results: dict[int, tuple[int, bytes, float]] = {}

    def read(i: int) -> None:
        start, stop = ranges[i]
        results[i] = read_while_downloading(s, stream_url(s),
                                            {"Range": f"bytes={start}-{stop - 1}"})

    readers = [threading.Thread(target=read, args=(i,)) for i in range(2)]
    for reader in readers:
        reader.start()
    wait_until(lambda: getattr(s.status().stream, "readers", 0) == 2, 10, "two readers")
    s.connect()
    for reader in readers:
        reader.join(60)
    assert not any(reader.is_alive() for reader in readers)
    for i, (start, stop) in enumerate(ranges):
        status, body, progress = results[i]
        assert status == 206
        assert progress < 1
        assert body == data[start:stop]


def test_seek_far_ahead_then_back(swarm: Callable[..., Swarm], movie: Path):
    s = swarm(movie)
    data = s.data()
    far = len(data) * 4 // 5
    status, body, progress = read_while_downloading(s, stream_url(s), {"Range": f"bytes={far}-"})
    assert (status, body) == (206, data[far:])
    assert progress < 1, "the far range was served only once everything had arrived"
    back = len(data) // 10
    stop = back + 4 * PIECE_SIZE
    status, body, _ = read_while_downloading(s, stream_url(s),
                                             {"Range": f"bytes={back}-{stop - 1}"})
    assert (status, body) == (206, data[back:stop])


def test_a_seek_ticks_the_session_faster_until_its_piece_comes(swarm: Callable[..., Swarm],
                                                               movie: Path):
    s = swarm(movie)
    data = s.data()
    conn, response = open_response(stream_url(s), headers={"Range": "bytes=0-99"})
    assert response.read() == data[:100]  # the header is read: a jump now is a seek
    conn.close()
    s.seeder.session.apply_settings({"upload_rate_limit": 1})  # a swarm gone quiet
    session = s.service.engine.session
    usual = {"tick_interval": TICK_MS, "request_queue_time": REQUEST_QUEUE_TIME}
    assert _settings(session, usual) == usual
    far = len(data) * 3 // 5
    result: dict[str, object] = {}
    reader = threading.Thread(target=lambda: result.update(reply=read_while_downloading(
        s, stream_url(s), {"Range": f"bytes={far}-{far + 999}"})))
    reader.start()
    wait_until(lambda: getattr(s.status().stream, "readers", 0), 10, "the seek's reader")
    # One peer: its request queue stays as it was (two peers: test_origin_spare.py).
    assert _settings(session, usual) == {"tick_interval": SEEK_TICK_MS,
                                         "request_queue_time": REQUEST_QUEUE_TIME}
    s.seeder.session.apply_settings({"upload_rate_limit": SEED_RATE})
    reader.join(60)
    assert result["reply"][:2] == (206, data[far:far + 1000])
    wait_until(lambda: _settings(session, usual) == usual, 10,
               "the usual tick once the piece came")


def _settings(session: Any, like: dict[str, Any]) -> dict[str, Any]:
    held = session.get_settings()
    return {name: held[name] for name in like}


def test_reader_that_waits_too_long_gets_a_clean_close(make_service: Callable[..., Service],
                                                       swarm: Callable[..., Swarm],
                                                       movie: Path):
    impatient = make_service(read_timeout=4)
    s = swarm(movie, connect=False, into=impatient)  # the seeder is not connected yet
    # Nothing at all within the timeout: a JSON 503, since no status line was sent yet.
    body = fetch(stream_url(s), timeout=15)
    assert body.status == 503 and body.json()["error"] == "unavailable"
    wait_until(lambda: s.status().stream is None, 10, "the reader to be released")
    # The first bytes come, then the swarm goes quiet: the body ends short, cleanly.
    s.connect()
    conn, response = open_response(stream_url(s), timeout=15)
    try:
        first = response.read(1)
        s.seeder.session.pause()
        with pytest.raises(http.client.IncompleteRead) as short:
            response.read()
        assert first and len(short.value.partial) + 1 < len(s.data())
        assert response.status == 200
    finally:
        conn.close()
    wait_until(lambda: s.status().stream is None, 10, "the reader to be released")
    assert api(impatient.url, "GET", "/api/v1/info").status == 200


def test_client_that_disconnects_mid_wait_frees_its_thread(swarm: Callable[..., Swarm],
                                                          movie: Path):
    s = swarm(movie, connect=False)  # read_timeout is 20 s: only the disconnect can end it
    conn, path = connect(stream_url(s))
    conn.request("GET", path)
    wait_until(lambda: getattr(s.status().stream, "readers", 0) == 1, 10, "the reader")
    conn.close()
    wait_until(lambda: s.status().stream is None, 8, "the server to notice the disconnect")


def test_multi_file_torrent(swarm: Callable[..., Swarm], video: Callable[..., Path],
                            tmp_path: Path):
    pack = tmp_path / "Season 1"
    small = video("S01E01.mp4", seconds=4, folder=pack)
    large = video("S01E02.mkv", seconds=8, folder=pack)
    (pack / "S01E02.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n")
    s = swarm(pack)
    reply = api(s.service.url, "GET", f"/api/v1/torrents/{s.info_hash}")
    assert reply.status == 200
    files = {Path(f["path"]).name: f for f in reply.json()["files"]}
    assert set(files) == {"S01E01.mp4", "S01E02.mkv", "S01E02.srt"}
    assert files["S01E02.mkv"]["is_video"] and not files["S01E02.srt"]["is_video"]
    status, body, _ = read_while_downloading(s, stream_url(s, None))
    assert status == 200 and body == large.read_bytes(), "the default is the largest video"
    # Every wanted piece in: libtorrent calls the torrent finished and would drop the seeder,
    # which the waiting episode then needs.
    wait_until(lambda: s.status().state == "finished", 30, "the wanted files to be in")
    # Shown as it is: the played episode and its subtitles on the box, not the waiting one.
    shown = api(s.service.url, "GET", f"/api/v1/torrents/{s.info_hash}").json()
    have = {Path(f["path"]).name: f["have"] for f in shown["files"]}
    assert have["S01E02.mkv"] == large.stat().st_size and have["S01E02.srt"] > 0
    assert have["S01E01.mp4"] < small.stat().st_size
    assert shown["complete"] and shown["have"] == sum(have.values()) < shown["size"]
    assert shown["progress"] < 1
    status, body, _ = read_while_downloading(s, stream_url(s, files["S01E01.mp4"]["index"]))
    assert status == 200 and body == small.read_bytes()
    missing = fetch(stream_url(s, 99))
    assert missing.status == 404 and missing.json()["error"] == "not_found"
    # After a restart, the episode that had to be raised from "wait" still streams.
    s.service.stop()
    again = Service(Config.for_tests(s.service.config.data_dir)).start()
    try:
        restarted = Swarm(again, s.info_hash, s.torrent, s.path, s.seeder)
        status, body, _ = read_while_downloading(
            restarted, stream_url(restarted, files["S01E01.mp4"]["index"]))
        assert status == 200 and body == small.read_bytes()
    finally:
        again.stop()


def test_head_does_not_mark_a_torrent_played_a_get_does(service: Service,
                                                        swarm: Callable[..., Swarm], movie: Path):
    """A watched torrent is first in line for eviction: a player's HEAD probe must not make it
    one; a reader that gets body bytes does."""
    s = swarm(movie)
    wait_until(lambda: s.status().complete, 60, "the download to end")

    def cache_item() -> dict[str, Any]:
        return next(i for i in api(service.url, "GET", "/api/v1/cache").json()["items"]
                    if i["info_hash"] == s.info_hash)

    for headers in ({}, {"Range": "bytes=0-1023"}):
        reply = fetch(stream_url(s), "HEAD", headers)
        assert reply.status in (200, 206) and reply.body == b""
    # The persistence worker writes in order: a write queued after the HEADs ran after them.
    service.engine.persist.call(lambda: None)
    assert service.store.torrent(s.info_hash).last_played_at is None
    assert cache_item()["watched"] is False

    reply = fetch(stream_url(s), headers={"Range": "bytes=0-1023"})
    assert reply.status == 206 and reply.body == s.data()[:1024]
    wait_until(lambda: service.store.torrent(s.info_hash).last_played_at, 10,
               "the GET to be recorded")
    assert cache_item()["watched"] is True
