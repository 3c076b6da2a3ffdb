"""`/api/v1/episodes`: lists (next up, continue, recent), one episode, and play progress.
(play, download and cache of an episode are the engine side of issue 15.)"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from .context import feeds
from .validate import InvalidField, body, flag, number, only, paged, paging, text

bp = Blueprint("episodes", __name__, url_prefix="/api/v1/episodes")

LISTS = ("next_up", "continue", "recent")
STATES = ("playing", "paused", "stopped", "ended")


@bp.get("")
def list_episodes() -> ResponseReturnValue:
    which = request.args.get("list") or "recent"
    if which not in LISTS:
        raise InvalidField("list", f"must be one of {', '.join(LISTS)}")
    limit, offset = paging()
    rows, total = feeds().library.episode_list(which, limit=limit, offset=offset)
    return paged("episodes", rows, total, limit, offset)


@bp.get("/<int:episode_id>")
def show(episode_id: int) -> ResponseReturnValue:
    return jsonify(feeds().library.episode(episode_id))


@bp.put("/<int:episode_id>/progress")
def progress(episode_id: int) -> ResponseReturnValue:
    """{"position", "duration"?, "state"?, "watched"?}: past 90 % or "ended" is watched."""
    given = body()
    only(given, ("position", "duration", "state", "watched"))
    return jsonify(feeds().library.set_progress(
        episode_id, number(given, "position"), number(given, "duration", default=None),
        text(given, "state", default=None, choices=STATES), flag(given, "watched")))
