"""`/api/v1/torrents`: add (magnet, URL, path or upload), list, show, remove."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from werkzeug.wrappers import Response

from ..addresses import peer_address, resolve
from ..errors import BadInput, TooLarge, shown
from ..plays import Play
from ..sources import MAX_TORRENT_BYTES, Added, add_source
from .auth import stream_link
from .http import Request, Route, json_response, no_content
from .limits import fetch_slots
from .status import torrent_json

# The addresses a request from the box itself comes from: it may add any local path.
LOCAL_CLIENTS = ("127.0.0.1", "::1", "::ffff:127.0.0.1")
MAX_PEERS = 200


def _detail(request: Request, info_hash: str) -> dict[str, Any]:
    """The torrent with its files (each with its stream URL and play state) and its
    prefetch."""
    eng = request.shared.engine
    body = torrent_json(eng.status(info_hash))
    played = request.shared.plays.of(body["info_hash"])
    body["files"] = [
        {**vars(f), **asdict(played.get(f.index, Play())),
         "stream_url": stream_link(request, info_hash, f.index)}
        for f in eng.files(info_hash)
    ]
    job = request.shared.prefetcher.status(body["info_hash"])
    body["prefetch"] = job.to_json() if job else None
    body["stream_url"] = stream_link(request, info_hash)
    return body


def list_torrents(request: Request) -> Response:
    return json_response({"torrents": [torrent_json(s)
                                       for s in request.shared.engine.statuses()]})


def add(request: Request) -> Response:
    """JSON `{"source": magnet|url|path}` (or `magnet`/`url`/`path`), or a multipart `torrent`.

    Everything is checked before the engine adds anything: a refused add leaves no torrent.
    """
    engine = request.shared.engine
    upload = request.files.get("torrent")
    if upload is not None:
        data = upload.stream.read(MAX_TORRENT_BYTES + 1)
        if len(data) > MAX_TORRENT_BYTES:
            raise TooLarge("the uploaded file is larger than a torrent file can be")
        added = Added(*engine.add_torrent_data(data, upload.filename or "upload"))
    else:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadInput('send JSON like {"source": "magnet:?…"} or a multipart "torrent" file')
        given = [body[k] for k in ("source", "magnet", "url", "path") if k in body]
        if len(given) != 1 or not isinstance(given[0], str):
            raise BadInput('give exactly one of "source", "magnet", "url" or "path", as text')
        peers = _peers(body.get("peers", []))
        local = request.remote_addr in LOCAL_CLIENTS
        added = add_source(engine, given[0], fetch_slots=fetch_slots(request),
                           allowed_paths=None if local else request.shared.config.allowed_folders,
                           peers=peers)
    return json_response({**_detail(request, added.info_hash), "warnings": added.warnings},
                         201 if added.created else 200)


def _peers(given: object) -> list[tuple[str, int]]:
    """The peers of an add, parsed and resolved to IP addresses before anything is added."""
    if not isinstance(given, list) or len(given) > MAX_PEERS:
        raise BadInput(f'"peers" is a list of at most {MAX_PEERS} "host:port"',
                       code="invalid_peer")
    peers = []
    for text in given:
        if not isinstance(text, str):
            raise BadInput(f"a peer is host:port text, not {shown(text)}", code="invalid_peer")
        host, port = peer_address(text)
        ip = resolve(host)
        if ip is None:
            raise BadInput(f"the peer {shown(text)} does not resolve", code="invalid_peer")
        peers.append((ip, port))
    return peers


def show(request: Request, info_hash: str) -> Response:
    return json_response(_detail(request, info_hash))


def remove(request: Request, info_hash: str) -> Response:
    keep = request.args.get("files", "true").lower() in ("false", "0", "no")
    request.shared.engine.remove(info_hash, delete_files=not keep)
    return no_content()


def routes() -> list[Route]:
    return [
        Route("/api/v1/torrents", list_torrents, "GET", group="torrents"),
        Route("/api/v1/torrents", add, "POST", group="torrents"),
        Route("/api/v1/torrents/<info_hash>", show, "GET", group="torrents"),
        Route("/api/v1/torrents/<info_hash>", remove, "DELETE", group="torrents"),
    ]
