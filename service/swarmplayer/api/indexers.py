"""`/api/v1/indexers`: the Torznab indexers (Jackett, Prowlarr) the box searches. Answers show
an indexer's API key masked, never whole."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..search.searcher import tv_params
from ..search.secret import masked
from ..search.store import Indexer
from .body import invalid, json_body, optional_text, page, paged
from .http import Request, Route, json_response, no_content

KEY_CHARS = 200


def indexer_json(i: Indexer) -> dict[str, Any]:
    return {"id": i.id, "name": i.name, "url": i.url, "api_key": masked(i.api_key),
            "search_mode": "search" if tv_params(i.caps) is None else "tvsearch",
            "caps": {"title": i.caps.title, "modes": i.caps.modes,
                     "categories": i.caps.categories,
                     "limit_max": i.caps.limit_max},
            "created_at": i.created_at}


def list_indexers(request: Request) -> Response:
    limit, offset = page(request)
    found = request.shared.indexers.store.all()
    return json_response(paged("indexers",
                               [indexer_json(i) for i in found[offset:offset + limit]],
                               len(found), limit, offset))


def add(request: Request) -> Response:
    """`{"url": Torznab URL, "api_key": key, "name"?: text}`: its caps are read first."""
    body = json_body(request)
    url = optional_text(body, "url", 2000)
    if not url:
        raise invalid("url", "is the indexer's Torznab URL (Jackett: \"Copy Torznab Feed\")")
    indexer = request.shared.indexers.add(
        url, optional_text(body, "api_key", KEY_CHARS) or None,
        optional_text(body, "name", 200) or None)
    return json_response(indexer_json(indexer), 201)


def show(request: Request, indexer_id: int) -> Response:
    return json_response(indexer_json(request.shared.indexers.store.get(indexer_id)))


def update(request: Request, indexer_id: int) -> Response:
    """`{"api_key"?: key, "name"?: text}`; a new key is checked against the indexer first."""
    body = json_body(request)
    name = optional_text(body, "name", 200)
    api_key = optional_text(body, "api_key", KEY_CHARS)
    if name == "" or api_key == "":
        raise invalid("name" if name == "" else "api_key", "cannot be empty")
    if name is None and api_key is None:
        raise invalid("api_key", 'give "api_key" or "name" to change')
    return json_response(indexer_json(request.shared.indexers.update(indexer_id, name,
                                                                     api_key)))


def remove(request: Request, indexer_id: int) -> Response:
    request.shared.indexers.store.remove(indexer_id)
    return no_content()


_AT = "/api/v1/indexers/<int:indexer_id>"
def routes() -> list[Route]:
    return [
        Route("/api/v1/indexers", list_indexers, "GET", group="indexers"),
        Route("/api/v1/indexers", add, "POST", group="indexers"),
        Route(_AT, show, "GET", group="indexers"),
        Route(_AT, update, "PATCH", group="indexers"),
        Route(_AT, remove, "DELETE", group="indexers"),
    ]
