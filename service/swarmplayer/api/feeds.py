"""`/api/v1/feeds`: the feeds polled for new episodes, their state, and refresh on demand."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ..errors import BadInput
from ..fetch import check_url
from .context import feeds
from .validate import InvalidField, body, integer, only, paged, paging, text

bp = Blueprint("feeds", __name__, url_prefix="/api/v1/feeds")


@bp.get("")
def list_feeds() -> ResponseReturnValue:
    limit, offset = paging()
    rows, total = feeds().feeds.feeds(limit, offset)
    return paged("feeds", rows, total, limit, offset)


@bp.post("")
def add() -> ResponseReturnValue:
    """{"url", "title"?, "interval_minutes"?} → 201 (200 when the URL is there already); the
    first poll happens in the background."""
    given = body()
    only(given, ("url", "title", "interval_minutes"))
    url = text(given, "url")
    try:
        url = check_url(url)
    except BadInput as exc:
        raise InvalidField("url", exc.message) from None
    title = text(given, "title", default=None, max_length=300)
    interval = integer(given, "interval_minutes", low=1, high=7 * 24 * 60, default=15)
    feed, created = feeds().feeds.add_feed(url, title, interval)
    if created:
        feeds().poller.wake()
    return jsonify(feed), 201 if created else 200


@bp.get("/<int:feed_id>")
def show(feed_id: int) -> ResponseReturnValue:
    return jsonify(feeds().feeds.feed(feed_id))


@bp.delete("/<int:feed_id>")
def remove(feed_id: int) -> ResponseReturnValue:
    feeds().feeds.remove_feed(feed_id)
    return "", 204


@bp.post("/<int:feed_id>/refresh")
def refresh(feed_id: int) -> ResponseReturnValue:
    feeds().feeds.feed(feed_id)  # 404 before anything is scheduled
    feeds().poller.refresh(feed_id)
    return jsonify(feeds().feeds.feed(feed_id)), 202
