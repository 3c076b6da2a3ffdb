"""`/api/v1/torrents`: add (magnet, URL, path or upload), list, show, remove."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ..addresses import peer_address
from ..errors import BadInput
from ..sources import MAX_TORRENT_BYTES, add_source
from .auth import stream_link
from .context import engine

bp = Blueprint("torrents", __name__, url_prefix="/api/v1/torrents")


def _detail(info_hash: str) -> dict[str, Any]:
    eng = engine()
    body = eng.status(info_hash)
    body["files"] = [{**vars(f), "stream_url": stream_link(info_hash, f.index)}
                     for f in eng.files(info_hash)]
    body["stream_url"] = stream_link(info_hash)
    return body


@bp.get("")
def list_torrents() -> ResponseReturnValue:
    return jsonify(torrents=engine().statuses())


@bp.post("")
def add() -> ResponseReturnValue:
    """JSON `{"source": magnet|url|path}` (or `magnet`/`url`/`path`), or a multipart `torrent`."""
    upload = request.files.get("torrent")
    if upload is not None:
        data = upload.stream.read(MAX_TORRENT_BYTES + 1)
        if len(data) > MAX_TORRENT_BYTES:
            raise BadInput("the uploaded file is larger than a torrent file can be")
        info_hash, created = engine().add_torrent_data(data, upload.filename or "upload")
    else:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadInput('send JSON like {"source": "magnet:?…"} or a multipart "torrent" file')
        given = [body[k] for k in ("source", "magnet", "url", "path") if k in body]
        if len(given) != 1 or not isinstance(given[0], str):
            raise BadInput('give exactly one of "source", "magnet", "url" or "path", as text')
        peers = body.get("peers", [])
        if not isinstance(peers, list):
            raise BadInput('"peers" is a list of "host:port"')
        for peer in peers:  # checked before adding: a bad request must not leave a torrent
            peer_address(peer)
        info_hash, created = add_source(engine(), given[0])
        if peers:
            engine().connect_peers(info_hash, peers)
    return jsonify(_detail(info_hash)), 201 if created else 200


@bp.get("/<info_hash>")
def show(info_hash: str) -> ResponseReturnValue:
    return jsonify(_detail(info_hash))


@bp.delete("/<info_hash>")
def remove(info_hash: str) -> ResponseReturnValue:
    keep = request.args.get("files", "true").lower() in ("false", "0", "no")
    engine().remove(info_hash, delete_files=not keep)
    return "", 204
