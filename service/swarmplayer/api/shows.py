"""`/api/v1/shows`: the shows feeds carry, with counts, next up, seasons and episodes."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from .context import feeds
from .validate import paged, paging, query_bool, query_int

bp = Blueprint("shows", __name__, url_prefix="/api/v1/shows")


@bp.get("")
def list_shows() -> ResponseReturnValue:
    limit, offset = paging()
    rows, total = feeds().library.shows(subscribed=query_bool("subscribed"),
                                        query=request.args.get("q") or None,
                                        limit=limit, offset=offset)
    return paged("shows", rows, total, limit, offset)


@bp.get("/<int:show_id>")
def show(show_id: int) -> ResponseReturnValue:
    return jsonify(feeds().library.show(show_id))


@bp.get("/<int:show_id>/episodes")
def episodes(show_id: int) -> ResponseReturnValue:
    limit, offset = paging()
    rows, total = feeds().library.episodes_of(show_id, season=query_int("season"), limit=limit,
                                              offset=offset)
    return paged("episodes", rows, total, limit, offset)
