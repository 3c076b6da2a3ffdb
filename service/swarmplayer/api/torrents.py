"""`/api/v1/torrents`: add (magnet, URL, path or upload), list, show, remove."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from ..addresses import host_port, peer_address, resolve
from ..errors import BadInput, TooLarge, shown
from ..sources import MAX_TORRENT_BYTES, Added, add_source
from .context import config, engine
from .limits import fetch_slots

# The addresses a request from the box itself comes from: it may add any local path.
LOCAL_CLIENTS = ("127.0.0.1", "::1", "::ffff:127.0.0.1")
MAX_PEERS = 200

bp = Blueprint("torrents", __name__, url_prefix="/api/v1/torrents")


def _detail(info_hash: str) -> dict[str, Any]:
    eng = engine()
    body = eng.status(info_hash)
    body["files"] = [
        {**vars(f), "stream_url": url_for("stream.stream", info_hash=info_hash,
                                          file_index=f.index, _external=True)}
        for f in eng.files(info_hash)
    ]
    body["stream_url"] = url_for("stream.stream_default", info_hash=info_hash, _external=True)
    return body


@bp.get("")
def list_torrents() -> ResponseReturnValue:
    return jsonify(torrents=engine().statuses())


@bp.post("")
def add() -> ResponseReturnValue:
    """JSON `{"source": magnet|url|path}` (or `magnet`/`url`/`path`), or a multipart `torrent`.

    Everything is checked before the engine adds anything: a refused add leaves no torrent.
    """
    upload = request.files.get("torrent")
    if upload is not None:
        data = upload.stream.read(MAX_TORRENT_BYTES + 1)
        if len(data) > MAX_TORRENT_BYTES:
            raise TooLarge("the uploaded file is larger than a torrent file can be")
        added = Added(*engine().add_torrent_data(data, upload.filename or "upload"))
    else:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadInput('send JSON like {"source": "magnet:?…"} or a multipart "torrent" file')
        given = [body[k] for k in ("source", "magnet", "url", "path") if k in body]
        if len(given) != 1 or not isinstance(given[0], str):
            raise BadInput('give exactly one of "source", "magnet", "url" or "path", as text')
        peers = _peers(body.get("peers", []))
        local = request.remote_addr in LOCAL_CLIENTS
        added = add_source(engine(), given[0], fetch_slots=fetch_slots(),
                           allowed_paths=None if local else config().allowed_folders)
        if peers:
            _connect(added, peers)
    return jsonify({**_detail(added.info_hash), "warnings": added.warnings}), \
        201 if added.created else 200


def _peers(given: object) -> list[str]:
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
        peers.append(host_port(ip, port))
    return peers


def _connect(added: Added, peers: list[str]) -> None:
    """Connect the new torrent to `peers`; should libtorrent still refuse one, a torrent this
    request created is removed again, so the add is all or nothing."""
    try:
        engine().connect_peers(added.info_hash, peers)
    except Exception:
        if added.created:
            engine().remove(added.info_hash, delete_files=True)
        raise


@bp.get("/<info_hash>")
def show(info_hash: str) -> ResponseReturnValue:
    return jsonify(_detail(info_hash))


@bp.delete("/<info_hash>")
def remove(info_hash: str) -> ResponseReturnValue:
    keep = request.args.get("files", "true").lower() in ("false", "0", "no")
    engine().remove(info_hash, delete_files=not keep)
    return "", 204
