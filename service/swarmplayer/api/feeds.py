"""`/api/v1/feeds`: the feeds the box reads, and how their last poll went."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from .body import invalid, json_body, optional_int, optional_text, page, paged
from .http import Request, Route, json_response, no_content

DEFAULT_INTERVAL = 15
MAX_WAIT = 60.0  # seconds a refresh may hold a request thread waiting for its poll


def feed_json(f: sqlite3.Row) -> dict[str, Any]:
    return {"id": f["id"], "url": f["url"], "title": f["title"], "state": f["state"],
            "error": f["error"], "warning": f["warning"], "last_checked": f["last_checked"],
            "next_check": f["next_check"], "interval_minutes": f["interval_minutes"],
            "items": f["items"], "new_items": f["new_items"],
            "skipped_items": f["skipped_items"], "skipped": json.loads(f["skipped"])}


def list_feeds(request: Request) -> Response:
    limit, offset = page(request)
    found = request.shared.library.feeds.feeds(limit, offset)
    return json_response(paged("feeds", [feed_json(f) for f in found.rows], found.total, limit,
                               offset))


def add(request: Request) -> Response:
    """`{"url": …, "title"?: …, "interval_minutes"?: 15}`; the first poll runs in the
    background (state "pending" until then)."""
    body = json_body(request)
    url = optional_text(body, "url", 2000)
    if not url:
        raise invalid("url", "is the feed's http(s) address")
    interval = optional_int(body, "interval_minutes", low=5)
    if interval is not None and interval > 7 * 24 * 60:
        raise invalid("interval_minutes", "is at most a week (10080)")
    lib = request.shared.library
    feed_id, created = lib.add_feed(url, optional_text(body, "title", 200),
                                    interval or DEFAULT_INTERVAL)
    return json_response(feed_json(lib.feeds.feed(feed_id)), 201 if created else 200)


def show(request: Request, feed_id: int) -> Response:
    return json_response(feed_json(request.shared.library.feeds.feed(feed_id)))


def remove(request: Request, feed_id: int) -> Response:
    request.shared.library.feeds.remove_feed(feed_id)
    return no_content()


def refresh(request: Request, feed_id: int) -> Response:
    """Poll now; with `?wait=SECONDS` (up to MAX_WAIT) answer 200 once a poll that started
    after this ask is done, else (no wait, or not done in time) 202 and the feed as it is;
    `polled` says which."""
    wait = _wait(request)
    lib = request.shared.library
    done = lib.refresh(feed_id, wait)
    return json_response({**feed_json(lib.feeds.feed(feed_id)), "polled": done},
                         200 if done else 202)


def _wait(request: Request) -> float | None:
    raw = request.args.get("wait")
    if raw is None:
        return None
    try:
        wait = float(raw)
    except ValueError:
        wait = -1.0
    if not 0 <= wait <= MAX_WAIT:  # also refuses nan and inf
        raise invalid("wait", f"is seconds, 0 to {MAX_WAIT:g}")
    return wait


def routes() -> list[Route]:
    return [
        Route("/api/v1/feeds", list_feeds, "GET", group="feeds"),
        Route("/api/v1/feeds", add, "POST", group="feeds"),
        Route("/api/v1/feeds/<int:feed_id>", show, "GET", group="feeds"),
        Route("/api/v1/feeds/<int:feed_id>", remove, "DELETE", group="feeds"),
        Route("/api/v1/feeds/<int:feed_id>/refresh", refresh, "POST", group="feeds"),
    ]
