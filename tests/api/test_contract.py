"""docs/api.md's promises, field by field: the add-on and the phone page rely on these names."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from werkzeug.test import Client

from swarmplayer.errors import ServiceError

# The fields of a torrent's status (docs/api.md, "A torrent"; holds: "Cache and seeding").
STATUS_FIELDS = {
    "info_hash", "name", "source", "state", "holds", "has_metadata", "complete", "progress",
    "size", "have", "total_wanted", "total_done", "download_rate", "upload_rate",
    "total_downloaded", "total_uploaded", "upload_limit", "seeding_seconds", "peers", "seeds",
    "pieces_done", "bitrate", "origins", "origins_spared", "error", "stream", "save_path",
}
STREAM_FIELDS = {"file_index", "position", "bitrate", "buffered_seconds", "readers"}
FILE_FIELDS = {"index", "path", "size", "have", "is_video", "stream_url", "position",
               "duration", "watched", "last_played_at"}


def add(client: Client, data: bytes) -> Any:
    return client.post("/api/v1/torrents",
                       data={"torrent": (io.BytesIO(data), "pack.torrent")},
                       content_type="multipart/form-data")


def assert_error(reply: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert reply.status_code == status, reply.data
    body = reply.get_json()
    assert set(body) == {"error", "message"} and body["message"]
    if code is not None:
        assert body["error"] == code
    return body


def test_info(client: Client):
    body = client.get("/api/v1/info").get_json()
    assert {"name", "version", "api", "libtorrent", "capabilities"} <= set(body)
    assert body["api"] == 1


def test_a_torrent_as_documented(client: Client, torrent: bytes):
    reply = add(client, torrent)
    assert reply.status_code == 201
    body = reply.get_json()
    assert set(body) == STATUS_FIELDS | {"files", "stream_url", "prefetch", "warnings"}
    assert body["prefetch"] is None and body["warnings"] == []
    assert len(body["info_hash"]) == 40 and body["source"] == "pack.torrent"
    assert body["has_metadata"] is True and body["holds"] == {} and body["origins"] == []
    assert body["save_path"] is None  # in the cache (a published video names its folder)
    assert body["stream"] is None and body["error"] is None
    assert isinstance(body["progress"], float) and isinstance(body["total_wanted"], int)
    assert [set(f) for f in body["files"]] == [FILE_FIELDS] * 2
    video = next(f for f in body["files"] if f["is_video"])
    assert video["path"] == "pack/movie.mp4" and video["size"] == 200_000
    assert body["size"] == sum(f["size"] for f in body["files"])  # nothing of it in yet
    assert body["have"] == 0 == sum(f["have"] for f in body["files"])
    # A stream URL carries a signed link token of its own (players send no headers).
    path = video["stream_url"].partition("?")[0]
    assert path.endswith(f"/stream/{body['info_hash']}/{video['index']}")
    assert body["stream_url"].partition("?")[0].endswith(f"/stream/{body['info_hash']}")

    again = add(client, torrent)
    assert again.status_code == 200 and again.get_json()["info_hash"] == body["info_hash"]
    listed = client.get("/api/v1/torrents").get_json()
    assert set(listed) == {"torrents"}
    assert [set(t) for t in listed["torrents"]] == [STATUS_FIELDS]
    shown = client.get(f"/api/v1/torrents/{body['info_hash']}").get_json()
    assert set(shown) == STATUS_FIELDS | {"files", "stream_url", "prefetch"}


def test_a_stream_opened_shows_in_the_status(client: Client, engine, torrent: bytes):
    info_hash = add(client, torrent).get_json()["info_hash"]
    fs = engine.open_stream(info_hash)
    chunks = fs.iter_range(0, fs.size, lambda: True)  # a client gone at once
    try:
        # The client is gone and the session paused: no piece comes, the reader stays open.
        with contextlib.suppress(ServiceError):
            next(chunks)
        stream = client.get(f"/api/v1/torrents/{info_hash}").get_json()["stream"]
    finally:
        chunks.close()
        fs.close()
    assert set(stream) == STREAM_FIELDS
    assert stream["file_index"] == engine.default_file(info_hash) and stream["readers"] == 1


def test_head_of_a_stream_answers_at_once(client: Client, torrent: bytes):
    info_hash = add(client, torrent).get_json()["info_hash"]
    reply = client.head(f"/stream/{info_hash}", headers={"Range": "bytes=100-"})
    assert reply.status_code == 206
    assert reply.headers["Content-Range"] == "bytes 100-199999/200000"
    assert reply.headers["Content-Length"] == "199900"
    assert reply.headers["Content-Type"] == "video/mp4"
    assert reply.headers["Accept-Ranges"] == "bytes"
    outside = client.head(f"/stream/{info_hash}", headers={"Range": "bytes=300000-"})
    assert outside.status_code == 416


def test_delete_then_gone(client: Client, torrent: bytes):
    info_hash = add(client, torrent).get_json()["info_hash"]
    assert client.delete(f"/api/v1/torrents/{info_hash}?files=false").status_code == 204
    assert_error(client.get(f"/api/v1/torrents/{info_hash}"), 404, "not_found")
    assert client.get("/api/v1/torrents").get_json() == {"torrents": []}


def test_errors_are_json(client: Client):
    assert_error(add(client, b"not bencoding"), 400, "invalid_torrent")
    assert_error(client.post("/api/v1/torrents", json={"source": "magnet:?xt=nothing"}), 400,
                 "invalid_magnet")
    assert_error(client.post("/api/v1/torrents", data="{", content_type="application/json"),
                 400)
    assert_error(client.get("/api/v1/torrents/" + "0" * 40), 404, "not_found")
    assert_error(client.put("/api/v1/torrents"), 405)
    assert_error(client.get("/stream/" + "0" * 40), 404)


def test_cache_report(client: Client, torrent: bytes):
    info_hash = add(client, torrent).get_json()["info_hash"]
    body = client.get("/api/v1/cache").get_json()
    assert {"usage", "planned", "quota", "min_free_disk", "disk", "uploaded_total",
            "downloaded_total", "evicted", "items"} <= set(body)
    assert set(body["quota"]) == {"setting", "bytes"}
    assert [i["info_hash"] for i in body["items"]] == [info_hash]
    pinned = client.post(f"/api/v1/cache/{info_hash}/pin").get_json()
    assert pinned["pinned"] is True


def test_health_without_a_governor(client: Client):
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "ok" and body["torrents"] == 0
