"""Every class of bad or hostile input of issue 13, generated here, through the real HTTP API:
each gets its exact status and error code, the torrent list is unchanged after each refusal,
and the service keeps answering while bad fetches and waiting streams are in flight."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from devices_support import from_the_lan
from hostile import HostileServer
from support import Reply, api, assert_json_error, fetch, wait_until
from werkzeug.routing import IntegerConverter

from swarmplayer import sources
from swarmplayer.api.limits import plan
from swarmplayer.engine import lt
from swarmplayer.supervisor import HTTP_CONNECTIONS, Service

HEX = "ab" * 20


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One service for the module, its session paused: nothing may leave the machine."""
    from swarmplayer.config import Config

    service = Service(Config.for_tests(tmp_path_factory.mktemp("hostile"))).start()
    service.engine.session.pause()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def torrent(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("content")
    (folder / "film.mp4").write_bytes(os.urandom(100_000))
    return lt.bencode(lt.make_torrent(str(folder / "film.mp4"), piece_size=32 * 1024))


@pytest.fixture
def hostile(torrent: bytes) -> Iterator[HostileServer]:
    server = HostileServer(torrent)
    yield server
    server.close()


@pytest.fixture
def short_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    """URL fetches cut after 2 s instead of 20, so a test of the deadline stays short."""
    monkeypatch.setattr(sources, "FETCH_TIMEOUT", 2.0)


def torrents(service: Service) -> list[str]:
    return sorted(t["info_hash"] for t in api(service.url, "GET", "/api/v1/torrents")
                  .json()["torrents"])


def refused(service: Service, payload: Any, status: int, code: str) -> dict[str, Any]:
    """POST an add that must be refused with `status`/`code`, and leave the list unchanged."""
    before = torrents(service)
    reply = api(service.url, "POST", "/api/v1/torrents", payload)
    body = assert_json_error(reply, status)
    assert body["error"] == code, body
    assert "\n" not in body["message"] and len(body["message"]) <= 400, body["message"]
    assert torrents(service) == before
    return body


def add(service: Service, payload: Any) -> dict[str, Any]:
    reply = api(service.url, "POST", "/api/v1/torrents", payload)
    assert reply.status in (200, 201), reply.body[:300]
    return reply.json()


def remove(service: Service, info_hash: str) -> None:
    assert api(service.url, "DELETE", f"/api/v1/torrents/{info_hash}").status == 204


# ---- 2, 5, 9: URLs and broken servers --------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://", "https://", "http:///film.torrent", "http://127.0.0.1:99999/film.torrent",
    "http://127.0.0.1:0/a", "http://127.0.0.1:http/a", "http://127.0.0.1/a b.torrent",
    "http://127.0.0.1/a\r\nHost: evil", "http://[::1/film.torrent", "http://[zz]/a",
    "http://999.1.1.1/a.torrent", "http://a\tb/", "http://exa mple.com/",
])
def test_bad_urls_are_invalid_url(quiet: Service, url: str) -> None:
    refused(quiet, {"url": url}, 400, "invalid_url")


@pytest.mark.parametrize("route, status, code", [
    ("garbage", 502, "fetch_failed"), ("close", 502, "fetch_failed"),
    ("badchunk", 502, "fetch_failed"), ("truncchunk", 502, "fetch_failed"),
    ("trunclen", 502, "fetch_failed"), ("headers", 502, "fetch_failed"),
    ("longline", 502, "fetch_failed"), ("loop", 502, "fetch_failed"),
    ("chain/9", 502, "fetch_failed"), ("badredirect", 502, "fetch_failed"),
    ("status/404", 502, "fetch_failed"), ("status/500", 502, "fetch_failed"),
    ("br", 502, "fetch_failed"), ("truncgzip", 502, "fetch_failed"),
    ("big/11", 413, "too_large"), ("bomb/64", 413, "too_large"), ("biglength", 413, "too_large"),
])
def test_broken_servers(quiet: Service, hostile: HostileServer, route: str, status: int,
                        code: str) -> None:
    refused(quiet, {"url": f"{hostile.url}/{route}"}, status, code)


@pytest.mark.parametrize("route", ["drip", "dripstatus", "stall"])
def test_slow_servers_are_cut_at_the_deadline(quiet: Service, hostile: HostileServer,
                                              short_fetches: None, route: str) -> None:
    started = time.monotonic()
    body = refused(quiet, {"url": f"{hostile.url}/{route}"}, 502, "fetch_failed")
    assert time.monotonic() - started < 10
    assert "deadline" in body["message"] or "in time" in body["message"]


@pytest.mark.parametrize("route", ["ok", "gzip", "chain/3"])
def test_good_servers_and_upper_case_schemes(quiet: Service, hostile: HostileServer,
                                             route: str) -> None:
    url = hostile.url.replace("http://", "HTTP://") + f"/{route}"
    body = add(quiet, {"url": url})
    assert body["source"].startswith("http://127.0.0.1:")
    remove(quiet, body["info_hash"])


# ---- 6: nothing freezes the API --------------------------------------------------------------

def test_api_answers_while_32_bad_fetches_are_in_flight(
        quiet: Service, hostile: HostileServer, short_fetches: None) -> None:
    before = torrents(quiet)
    replies: list[Reply] = []
    lock = threading.Lock()

    def bad_add(n: int) -> None:
        route = ("stall", "drip", "dripstatus", "headers")[n % 4]
        reply = api(quiet.url, "POST", "/api/v1/torrents", {"url": f"{hostile.url}/{route}"})
        with lock:
            replies.append(reply)

    threads = [threading.Thread(target=bad_add, args=(n,), name=f"test-bad-{n}")
               for n in range(32)]
    for thread in threads:
        thread.start()
    slowest = 0.0
    try:
        for _ in range(10):
            started = time.monotonic()
            assert fetch(f"{quiet.url}/api/v1/info", timeout=5).status == 200
            slowest = max(slowest, time.monotonic() - started)
    finally:
        for thread in threads:
            thread.join(30)
    assert slowest < 1.0, slowest
    codes = sorted({(r.status, r.json()["error"]) for r in replies})
    # Those that got a slot failed at their deadline; the others were told "busy" at once.
    assert codes == [(502, "fetch_failed"), (503, "busy")], codes
    assert len(replies) == 32
    assert torrents(quiet) == before


def test_streams_cannot_take_every_thread(make_service: Callable[..., Service]) -> None:
    """Readers waiting on a magnet's metadata hold their threads; past the stream slots they
    are told "busy", and the API still answers."""
    service = make_service(http_threads=8, read_timeout=8.0)
    service.engine.session.pause()
    info_hash = add(service, {"magnet": f"magnet:?xt=urn:btih:{HEX}"})["info_hash"]
    streams = plan(8)["stream"].limit
    statuses: list[int] = []
    lock = threading.Lock()

    def read() -> None:
        reply = fetch(f"{service.url}/stream/{info_hash}", timeout=30)
        with lock:
            statuses.append(reply.status)

    threads = [threading.Thread(target=read, name=f"test-reader-{n}")
               for n in range(streams + 4)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(5):
            started = time.monotonic()
            assert fetch(f"{service.url}/api/v1/info", timeout=5).status == 200
            assert time.monotonic() - started < 1.0
    finally:
        for thread in threads:
            thread.join(30)
    # The readers with a slot waited for metadata that never came (503 unavailable); at least
    # the four beyond the slots were refused at once (503 busy).
    assert statuses.count(503) == streams + 4
    again = fetch(f"{service.url}/stream/{info_hash}", timeout=30)
    assert again.status == 503 and again.json()["error"] == "unavailable"  # slots came back


# ---- 3: peers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("peers", [
    ["999.1.1.1:6881"], ["1.2.3.4:99999"], ["localhost"], ["[::1:6881"], [":6881"],
    ["no-such-host.invalid:6881"], ["127.0.0.1:6881", 5], "127.0.0.1:6881", ["a" * 100_000],
    ["x:1"] * 201,
])
def test_bad_peers_leave_nothing_added(quiet: Service, peers: Any) -> None:
    refused(quiet, {"magnet": f"magnet:?xt=urn:btih:{HEX}", "peers": peers}, 400,
            "invalid_peer")


def test_peer_host_names_are_resolved(quiet: Service) -> None:
    body = add(quiet, {"magnet": f"magnet:?xt=urn:btih:{HEX}",
                       "peers": ["localhost:6881", "[::1]:6881"]})
    remove(quiet, body["info_hash"])


# ---- 4: JSON ----------------------------------------------------------------------------------

@pytest.mark.parametrize("body, status, code", [
    (b"[" * 100_000, 400, "invalid_json"),
    (b'{"source": ' * 50_000 + b"1" + b"}" * 50_000, 400, "invalid_json"),
    (b'{"source": "' + b"a" * (2 << 20) + b'"}', 413, "too_large"),
    (b'{"source": "\xff\xfe"}', 400, "invalid_json"),
    (b"{not json", 400, "invalid_json"),
    (b"[]", 400, "bad_request"),
    (b'{"source": 5}', 400, "bad_request"),
])
def test_bad_json(quiet: Service, body: bytes, status: int, code: str) -> None:
    before = torrents(quiet)
    reply = fetch(f"{quiet.url}/api/v1/torrents", "POST",
                  {"Content-Type": "application/json"}, body)
    assert assert_json_error(reply, status)["error"] == code
    assert torrents(quiet) == before


@pytest.mark.parametrize("number", [str(2**63), "9" * 40])
def test_ids_past_what_sqlite_holds_are_not_found(quiet: Service, number: str) -> None:
    """Every route with a number in its path, given one SQLite cannot hold: matched by no route,
    a JSON 404 or 405 (it was an OverflowError in the store: a 500), and nothing changes."""
    before = torrents(quiet)
    walked = 0
    for rule in quiet.app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        path = re.sub(r"<int:\w+>", number, re.sub(r"<(?!int:)[^>]+>", HEX, rule.rule))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            reply = api(quiet.url, method, path, {} if method in ("POST", "PUT", "PATCH") else None)
            assert reply.status in (404, 405), (method, path, reply.status)  # no such route
            assert_json_error(reply)
            walked += 1
    assert walked > 15  # the walk really saw the numbered routes
    assert torrents(quiet) == before


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=x", "offset=-1",
                                   "offset=" + "9" * 40, "limit=%D9%A3"])  # Arabic-Indic 3
def test_the_devices_list_pages_like_every_list(quiet: Service, query: str) -> None:
    reply = api(quiet.url, "GET", f"/api/v1/devices?{query}")
    assert assert_json_error(reply, 400)["error"] == "invalid_field"
    assert query.split("=")[0] in reply.json()["message"]


# ---- 7, 12: local paths ------------------------------------------------------------------------

def test_fifos_devices_and_folders_are_not_files(quiet: Service, tmp_path: Path) -> None:
    fifo = tmp_path / "no-writer.torrent"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), Path("/dev/null"), tmp_path):
        started = time.monotonic()
        refused(quiet, {"path": str(path)}, 400, "not_a_file")
        assert time.monotonic() - started < 5


def test_a_fed_fifo_is_not_read(quiet: Service, tmp_path: Path) -> None:
    fifo = tmp_path / "fed.torrent"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer that never runs dry
    try:
        os.write(writer, b"d" * 60_000)
        refused(quiet, {"path": str(fifo)}, 400, "not_a_file")
    finally:
        os.close(writer)


def test_files_over_the_cap(quiet: Service, tmp_path: Path) -> None:
    big = tmp_path / "big.torrent"
    with big.open("wb") as out:
        out.truncate(sources.MAX_TORRENT_BYTES + 1)
    refused(quiet, {"path": str(big)}, 413, "too_large")


def test_relative_paths_and_other_schemes(quiet: Service) -> None:
    for source in ("film.torrent", "javascript:alert(1)", "data:application/x-bittorrent,d4e",
                   "file:///etc/passwd", "ftp://example.com/a.torrent", "about:blank"):
        refused(quiet, {"source": source}, 400, "invalid_source")


def test_paths_from_the_lan_only_inside_allowed_paths(
        make_service: Callable[..., Service], tmp_path: Path, torrent: bytes) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    service = make_service(allowed_paths=str(allowed))
    service.engine.session.pause()
    outside = tmp_path / "outside.torrent"
    outside.write_bytes(torrent)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (allowed / "escape.torrent").symlink_to(outside)
    answers = set()
    for path in (outside, tmp_path / "missing.torrent", fifo, Path("/etc/shadow"),
                 Path("/dev/zero"), tmp_path, allowed / "escape.torrent",
                 allowed / ".." / "outside.torrent", "/a\x00b"):
        reply = from_the_lan(service, {"path": str(path)})
        body = assert_json_error(reply, 403)
        answers.add((body["error"], body["message"]))
    # Every path outside is answered alike: nothing tells which exist.
    assert len(answers) == 1 and answers.pop()[0] == "path_not_allowed"
    assert torrents(service) == []
    inside = allowed / "film.torrent"
    inside.write_bytes(torrent)
    assert from_the_lan(service, {"path": str(inside)}).status == 201
    # Inside the allowed folders the answers may differ: they are the user's own.
    missing = assert_json_error(from_the_lan(service, {"path": str(allowed / "gone")}), 400)
    assert missing["error"] == "not_found"
    # The box itself may still give any path.
    assert api(service.url, "POST", "/api/v1/torrents", {"path": str(outside)}).status == 200


# ---- 8, 9: magnets and hashes ------------------------------------------------------------------

def test_magnet_keeps_only_usable_trackers_and_says_so(quiet: Service) -> None:
    link = (f"MAGNET:?xt=urn:btih:{HEX}&dn=film&tr=javascript:alert(1)&tr=file:///etc/passwd"
            "&tr=udp%3A%2F%2F127.0.0.1%3A6969&tr=http://127.0.0.1:1/announce&tr=wss://t.test/a"
            "&tr=data:text/html,x&ws=ftp://x/y&ws=http://127.0.0.1:1/film&x.pe=999.1.1.1:1"
            "&x.pe=127.0.0.2:6881&xs=javascript:x&as=http://127.0.0.1:1/f")
    body = add(quiet, {"magnet": link})
    handle = quiet.engine._torrents[body["info_hash"]].handle
    trackers = sorted(t["url"] for t in handle.trackers())
    assert trackers == ["http://127.0.0.1:1/announce", "udp://127.0.0.1:6969", "wss://t.test/a"]
    warnings = " ".join(body["warnings"])
    assert len(body["warnings"]) == 6, body["warnings"]
    for dropped in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x",
                    "ftp://x/y", "999.1.1.1:1", "javascript:x"):
        assert dropped in warnings
    assert body["origins"] == ["127.0.0.2:6881"]
    remove(quiet, body["info_hash"])


@pytest.mark.parametrize("source", [HEX[:-1], HEX + "a", "ab" * 31])
def test_almost_hashes_are_invalid_magnets(quiet: Service, source: str) -> None:
    body = refused(quiet, {"source": source}, 400, "invalid_magnet")
    assert "40 hex" in body["message"]


@pytest.mark.parametrize("magnet", [
    "magnet:?dn=no-hash", "magnet:?xt=urn:btih:zz", "magnet:", "magnet:?xt=urn:btih:" + "a" * 39,
    "magnet:?xt=urn:btih:" + HEX + "&x.pe=" + "1" * 300,
])
def test_bad_magnets(quiet: Service, magnet: str) -> None:
    if "x.pe" in magnet:  # only the bad peer is dropped
        body = add(quiet, {"magnet": magnet})
        assert len(body["warnings"]) == 1
        remove(quiet, body["info_hash"])
    else:
        refused(quiet, {"magnet": magnet}, 400, "invalid_magnet")


# ---- 10: echoed input is cut ------------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    {"path": "/" + "p" * 500_000}, {"url": "http://" + "h" * 500_000},
    {"source": "x" * 500_000}, {"magnet": "magnet:?xt=" + "q" * 500_000},
    {"url": "http://127.0.0.1:1/" + "a" * 500_000},
])
def test_echoed_input_is_cut(quiet: Service, payload: dict[str, str]) -> None:
    reply = api(quiet.url, "POST", "/api/v1/torrents", payload)
    body = reply.json()
    assert reply.status >= 400 and body["error"]
    assert len(body["message"]) <= 400, len(body["message"])


def test_api_answers_past_a_pile_of_idle_sockets(quiet: Service) -> None:
    """Sockets that connect and say nothing (or half a request) hold no request thread."""
    port = int(quiet.url.rsplit(":", 1)[1])
    idle = []
    try:
        for n in range(min(150, HTTP_CONNECTIONS - 20)):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if n % 2:
                sock.sendall(b"POST /api/v1/torrents HTTP/1.1\r\nHost: x\r\nContent-Le")
            idle.append(sock)
        for _ in range(5):
            started = time.monotonic()
            assert fetch(f"{quiet.url}/api/v1/info", timeout=5).status == 200
            assert time.monotonic() - started < 1.0
    finally:
        for sock in idle:
            sock.close()


def test_stream_slots_come_back_however_a_stream_ends(
        swarm: Callable[..., Any], video: Callable[..., Path]) -> None:
    """Read whole, cut mid-body by the client, HEAD, refused range: every slot is given back."""
    s = swarm(video("film.mp4", seconds=4, bitrate="1M"))
    url = f"{s.service.url}/stream/{s.info_hash}"
    assert fetch(url).body == s.data()
    slots = s.service.app.shared.slots["stream"]
    assert fetch(url, "HEAD").status == 200
    assert fetch(url, headers={"Range": "bytes=-0"}).status == 416
    port = int(s.service.url.rsplit(":", 1)[1])
    for _ in range(3):  # a player that reads a little and hangs up
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"GET /stream/{s.info_hash} HTTP/1.1\r\nHost: localhost\r\n\r\n"
                         .encode())
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    wait_until(lambda: slots.in_use == 0, 20, "every stream slot to come back")
