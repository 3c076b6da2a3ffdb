"""Publishing: `/api/v1/published` (the folders this box publishes; a token, like everything
that changes state) and `/feeds/…` (the feed and its .tstreams: public, since other boxes
subscribe to them without a token)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from werkzeug.wrappers import Response

from ..errors import BadInput
from ..publishing.folder import folder_path
from ..publishing.links import check_base_url, check_origins, default_origin
from .body import invalid, json_body, optional_text, page, paged
from .http import Request, Route, json_response, no_content
from .torrents import LOCAL_CLIENTS

T = TypeVar("T")


def _field(name: str, check: Callable[..., T], *args: Any) -> T:
    """check(*args), its BadInput naming the body's field."""
    try:
        return check(*args)
    except BadInput as exc:
        exc.field = name  # type: ignore[attr-defined]
        raise


def list_folders(request: Request) -> Response:
    limit, offset = page(request)
    pub = request.shared.publisher
    folders = pub.published.folders()
    shown = [pub.report(f["id"]) for f in folders[offset:offset + limit]]
    return json_response(paged("folders", shown, len(folders), limit, offset))


def register(request: Request) -> Response:
    """`{"path": "/abs/folder", "base_url": "http://box:8642", "origins"?: ["host:port"]}`;
    without origins, this box's BitTorrent port at the base URL's host."""
    body = json_body(request)
    path = optional_text(body, "path", 4096)
    if not path:
        raise invalid("path", "is the absolute path of the folder to publish")
    base_url = optional_text(body, "base_url", 2000)
    if not base_url:
        raise invalid("base_url", "is the http(s) address other boxes reach this one at")
    base_url = _field("base_url", check_base_url, base_url)
    origins = body.get("origins")
    if origins is None:  # not given: this box, where the base URL says it is
        origins = [default_origin(base_url, request.shared.engine.listen_port())]
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise invalid("origins", 'is a list of "host:port" texts')
    origins = _field("origins", check_origins, origins)
    local = request.remote_addr in LOCAL_CLIENTS
    folder = _field("path", folder_path, path,
                    None if local else request.shared.config.allowed_folders)
    pub = request.shared.publisher
    folder_id, created = pub.register(folder, base_url, origins)
    return json_response(pub.report(folder_id), 201 if created else 200)


def show(request: Request, folder_id: int) -> Response:
    return json_response(request.shared.publisher.report(folder_id))


def remove(request: Request, folder_id: int) -> Response:
    request.shared.publisher.remove(folder_id)
    return no_content()


def scan(request: Request, folder_id: int) -> Response:
    pub = request.shared.publisher
    pub.published.folder(folder_id)  # 404 for an unknown one
    pub.wake()
    return json_response(pub.report(folder_id), 202)


def feed(request: Request) -> Response:
    """RSS 2.0, with ETag and Last-Modified: a subscriber's conditional GET gets a 304."""
    body, changed_at = request.shared.publisher.catalog.feed()
    response = Response(body, mimetype="application/rss+xml")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if changed_at is not None:
        response.last_modified = int(changed_at)
    response.cache_control.no_cache = True  # a cache asks again (a cheap 304) every time
    return response.make_conditional(request)


def tstream(request: Request, info_hash: str) -> Response:
    data, name = request.shared.publisher.catalog.tstream(info_hash)
    response = Response(data, mimetype="application/x-bittorrent")
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


_AT = "/api/v1/published/<int:folder_id>"
def routes() -> list[Route]:
    return [
        Route("/api/v1/published", list_folders, "GET", group="published"),
        Route("/api/v1/published", register, "POST", group="published"),
        Route(_AT, show, "GET", group="published"),
        Route(_AT, remove, "DELETE", group="published"),
        Route(f"{_AT}/scan", scan, "POST", group="published"),
        # For other boxes, which have no token: public (api/auth.py).
        Route("/feeds/published.xml", feed, "GET", group="published_feed"),
        Route("/feeds/published/<info_hash>.tstream", tstream, "GET", group="published_feed"),
    ]
