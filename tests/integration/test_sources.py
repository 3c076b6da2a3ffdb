"""Every way to add content — magnet, http(s) URL, local path — ends in a stream of the right
bytes; and the rate cap spares the board once enough is buffered."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import SEED_RATE, Swarm, api, assert_json_error, fetch, upload, wait_until

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.supervisor import Service


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain HTTP server on 127.0.0.1 serving a folder (where a .torrent is published)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="test-web", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", root
    server.shutdown()
    server.server_close()
    thread.join(10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def seeded(tmp_path: Path, video: Callable[..., Path]) -> Iterator[tuple[Path, bytes, Peer]]:
    """A video, its torrent, and a rate-limited seeder of it (not added to any service)."""
    path = video("film.mp4", seconds=6, bitrate="1M")
    torrent = lt.bencode(lt.make_torrent(str(path), piece_size=32 * 1024))
    peer = Peer(torrent, path.parent, upload_rate=SEED_RATE)
    yield path, torrent, peer
    peer.close()


def _stream_equals(service: Service, info_hash: str, expected: bytes) -> None:
    reply = fetch(f"{service.url}/stream/{info_hash}")
    assert reply.status == 200
    assert reply.body == expected


def test_magnet_gets_metadata_from_peers_and_streams(
        service: Service, seeded: tuple[Path, bytes, Peer]) -> None:
    path, torrent, peer = seeded
    info_hash = lt.hash_hex(lt.torrent_info(torrent).info_hashes())
    magnet = f"magnet:?xt=urn:btih:{info_hash}&dn=film.mp4"
    reply = api(service.url, "POST", "/api/v1/torrents",
                {"magnet": magnet, "peers": [peer.address]})
    assert reply.status == 201, reply.body
    body = reply.json()
    assert body["info_hash"] == info_hash
    # The stream request waits for the metadata, then for the pieces.
    _stream_equals(service, info_hash, path.read_bytes())
    assert service.engine.status(info_hash)["name"] == "film.mp4"


def test_url_of_a_torrent_is_fetched_and_streams(
        service: Service, seeded: tuple[Path, bytes, Peer], web: tuple[str, Path]) -> None:
    path, torrent, peer = seeded
    base, root = web
    (root / "film.torrent").write_bytes(torrent)
    reply = api(service.url, "POST", "/api/v1/torrents",
                {"url": f"{base}/film.torrent", "peers": [peer.address]})
    assert reply.status == 201, reply.body
    _stream_equals(service, reply.json()["info_hash"], path.read_bytes())
    again = api(service.url, "POST", "/api/v1/torrents", {"url": f"{base}/film.torrent"})
    assert again.status == 200  # the same torrent twice is not an error, nor a second copy
    assert len(api(service.url, "GET", "/api/v1/torrents").json()["torrents"]) == 1


def test_local_path_is_read_and_streams(service: Service, seeded: tuple[Path, bytes, Peer],
                                        tmp_path: Path) -> None:
    path, torrent, peer = seeded
    local = tmp_path / "film.torrent"
    local.write_bytes(torrent)
    reply = api(service.url, "POST", "/api/v1/torrents",
                {"path": str(local), "peers": [peer.address]})
    assert reply.status == 201, reply.body
    _stream_equals(service, reply.json()["info_hash"], path.read_bytes())


@pytest.mark.parametrize("payload, code", [
    ({"url": "http://127.0.0.1:9/missing.torrent"}, "fetch_failed"),
    ({"path": "/nonexistent/film.torrent"}, "not_found"),
    ({"source": "ftp://example.invalid/film.torrent"}, "invalid_source"),
    ({"magnet": "magnet:?dn=no-hash"}, "invalid_magnet"),
    ({"magnet": "magnet:?xt=urn:btih:" + "a" * 40, "peers": ["nowhere"]}, "invalid_peer"),
])
def test_unusable_sources_are_clear_errors(service: Service, payload: dict[str, object],
                                           code: str) -> None:
    reply = api(service.url, "POST", "/api/v1/torrents", payload)
    status = 502 if code == "fetch_failed" else None
    assert assert_json_error(reply, status)["error"] == code


def test_url_answering_404_is_a_clear_error(service: Service, web: tuple[str, Path]) -> None:
    reply = api(service.url, "POST", "/api/v1/torrents", {"url": f"{web[0]}/gone.torrent"})
    body = assert_json_error(reply, 502)
    assert body["error"] == "fetch_failed" and "404" in body["message"]


def test_download_is_capped_once_enough_is_buffered(
        make_service: Callable[..., Service], swarm: Callable[..., Swarm],
        video: Callable[..., Path]) -> None:
    service = make_service(buffer_cap_seconds=2.0, buffer_cap_rate=40_000)
    # An MKV tells its duration in its header, so the window knows the bitrate at once.
    seeded = swarm(video("long.mkv", seconds=20, bitrate="600k"), into=service)
    handle = service.engine._torrents[seeded.info_hash].handle
    fs = service.engine.open_stream(seeded.info_hash)
    chunks = fs.iter_range(0, fs.size)
    try:
        next(chunks)  # a reader at the start of the file
        wait_until(lambda: (seeded.status()["stream"] or {}).get("buffered_seconds", 0) >= 2.0,
                   60, "two seconds buffered ahead of the reader")
        wait_until(lambda: handle.download_limit() == 40_000, 10, "the download cap")
    finally:
        chunks.close()
        fs.close()


def test_an_add_that_cannot_be_remembered_is_undone(service: Service,
                                                    seeded: tuple[Path, bytes, Peer]) -> None:
    _, torrent, _ = seeded
    resume_dir = service.config.resume_dir
    resume_dir.rename(resume_dir.with_name("resume.away"))
    resume_dir.write_text("not a folder")  # so writing the resume file fails like a full disk
    reply = upload(service.url, torrent)
    assert reply.status == 507 and reply.json()["error"] == "no_room"
    assert "cannot save its state (Not a directory)" in reply.json()["message"]
    assert service.engine.info_hashes() == []
    assert service.store.torrents() == []
    resume_dir.unlink()
    resume_dir.with_name("resume.away").rename(resume_dir)
    assert upload(service.url, torrent).status == 201
