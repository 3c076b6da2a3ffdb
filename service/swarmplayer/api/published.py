"""Publishing: `/api/v1/published` (the folders this box publishes; a token, like everything
that changes state) and `/feeds/…` (the feed and its .tstreams: public, since other boxes
subscribe to them without a token)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..errors import BadInput, Unavailable
from ..publishing.folder import folder_path
from ..publishing.links import check_base_url, check_origins, default_origin
from ..publishing.publisher import Publisher
from .body import invalid, json_body, optional_text, page, paged
from .context import config, engine
from .torrents import LOCAL_CLIENTS

bp = Blueprint("published", __name__, url_prefix="/api/v1/published")
feeds_bp = Blueprint("published_feed", __name__, url_prefix="/feeds")

T = TypeVar("T")


def publisher() -> Publisher:
    found = current_app.extensions["swarmplayer"].get("publisher")
    if found is None:
        raise Unavailable("publishing is not running")
    return found


def _field(name: str, check: Callable[..., T], *args: Any) -> T:
    """check(*args), its BadInput naming the body's field."""
    try:
        return check(*args)
    except BadInput as exc:
        exc.field = name  # type: ignore[attr-defined]
        raise


@bp.get("")
def list_folders() -> ResponseReturnValue:
    limit, offset = page()
    pub = publisher()
    folders = pub.published.folders()
    shown = [pub.report(f["id"]) for f in folders[offset:offset + limit]]
    return jsonify(paged("folders", shown, len(folders), limit, offset))


@bp.post("")
def register() -> ResponseReturnValue:
    """`{"path": "/abs/folder", "base_url": "http://box:8642", "origins"?: ["host:port"]}`;
    without origins, this box's BitTorrent port at the base URL's host."""
    body = json_body()
    path = optional_text(body, "path", 4096)
    if not path:
        raise invalid("path", "is the absolute path of the folder to publish")
    base_url = optional_text(body, "base_url", 2000)
    if not base_url:
        raise invalid("base_url", "is the http(s) address other boxes reach this one at")
    base_url = _field("base_url", check_base_url, base_url)
    origins = body.get("origins")
    if origins is None:  # not given: this box, where the base URL says it is
        origins = [default_origin(base_url, engine().listen_port())]
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise invalid("origins", 'is a list of "host:port" texts')
    origins = _field("origins", check_origins, origins)
    local = request.remote_addr in LOCAL_CLIENTS
    folder = _field("path", folder_path, path, None if local else config().allowed_folders)
    pub = publisher()
    folder_id, created = pub.register(folder, base_url, origins)
    return jsonify(pub.report(folder_id)), 201 if created else 200


@bp.get("/<int:folder_id>")
def show(folder_id: int) -> ResponseReturnValue:
    return jsonify(publisher().report(folder_id))


@bp.delete("/<int:folder_id>")
def remove(folder_id: int) -> ResponseReturnValue:
    publisher().remove(folder_id)
    return "", 204


@bp.post("/<int:folder_id>/scan")
def scan(folder_id: int) -> ResponseReturnValue:
    pub = publisher()
    pub.published.folder(folder_id)  # 404 for an unknown one
    pub.wake()
    return jsonify(pub.report(folder_id)), 202


@feeds_bp.get("/published.xml")
def feed() -> ResponseReturnValue:
    """RSS 2.0, with ETag and Last-Modified: a subscriber's conditional GET gets a 304."""
    body, changed_at = publisher().catalog.feed()
    response = Response(body, mimetype="application/rss+xml")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if changed_at is not None:
        response.last_modified = int(changed_at)
    response.cache_control.no_cache = True  # a cache asks again (a cheap 304) every time
    return response.make_conditional(request)


@feeds_bp.get("/published/<info_hash>.tstream")
def tstream(info_hash: str) -> ResponseReturnValue:
    data, name = publisher().catalog.tstream(info_hash)
    response = Response(data, mimetype="application/x-bittorrent")
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
