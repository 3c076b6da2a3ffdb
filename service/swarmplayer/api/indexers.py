"""`/api/v1/indexers`: the Torznab indexers (Jackett, Prowlarr) the box searches. Answers show
an indexer's API key masked, never whole."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ..search.searcher import tv_params
from ..search.secret import masked
from ..search.store import Indexer
from .body import invalid, json_body, optional_text, page, paged
from .context import indexers

bp = Blueprint("indexers", __name__, url_prefix="/api/v1/indexers")

KEY_CHARS = 200


def indexer_json(i: Indexer) -> dict[str, Any]:
    return {"id": i.id, "name": i.name, "url": i.url, "api_key": masked(i.api_key),
            "search_mode": "search" if tv_params(i.caps) is None else "tvsearch",
            "caps": {"title": i.caps.title, "modes": i.caps.modes,
                     "categories": i.caps.categories,
                     "limit_max": i.caps.limit_max},
            "created_at": i.created_at}


@bp.get("")
def list_indexers() -> ResponseReturnValue:
    limit, offset = page()
    found = indexers().store.all()
    return jsonify(paged("indexers", [indexer_json(i) for i in found[offset:offset + limit]],
                         len(found), limit, offset))


@bp.post("")
def add() -> ResponseReturnValue:
    """`{"url": Torznab URL, "api_key": key, "name"?: text}`: its caps are read first."""
    body = json_body()
    url = optional_text(body, "url", 2000)
    if not url:
        raise invalid("url", "is the indexer's Torznab URL (Jackett: \"Copy Torznab Feed\")")
    indexer = indexers().add(url, optional_text(body, "api_key", KEY_CHARS) or None,
                             optional_text(body, "name", 200) or None)
    return jsonify(indexer_json(indexer)), 201


@bp.get("/<int:indexer_id>")
def show(indexer_id: int) -> ResponseReturnValue:
    return jsonify(indexer_json(indexers().store.get(indexer_id)))


@bp.patch("/<int:indexer_id>")
def update(indexer_id: int) -> ResponseReturnValue:
    """`{"api_key"?: key, "name"?: text}`; a new key is checked against the indexer first."""
    body = json_body()
    name = optional_text(body, "name", 200)
    api_key = optional_text(body, "api_key", KEY_CHARS)
    if name == "" or api_key == "":
        raise invalid("name" if name == "" else "api_key", "cannot be empty")
    if name is None and api_key is None:
        raise invalid("api_key", 'give "api_key" or "name" to change')
    return jsonify(indexer_json(indexers().update(indexer_id, name, api_key)))


@bp.delete("/<int:indexer_id>")
def remove(indexer_id: int) -> ResponseReturnValue:
    indexers().store.remove(indexer_id)
    return "", 204
