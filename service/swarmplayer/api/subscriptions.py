"""`/api/v1/subscriptions`: shows or whole feeds whose new episodes the box fetches."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from ..feeds.match import ACTIONS, QUALITIES
from .body import invalid, json_body, optional_int, optional_text, page, paged
from .http import Request, Route, json_response, no_content


def subscription_json(s: sqlite3.Row) -> dict[str, Any]:
    return {"id": s["id"], "show_id": s["show_id"], "show_title": s["show_title"],
            "feed_id": s["feed_id"], "qualities": json.loads(s["qualities"]),
            "min_size": s["min_size"], "max_size": s["max_size"],
            "min_seeders": s["min_seeders"], "backfill": s["backfill"], "action": s["action"],
            "created_at": s["created_at"]}


def _rules(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    if "qualities" in body or not partial:
        qualities = body.get("qualities", [])
        if not isinstance(qualities, list) or any(q not in QUALITIES for q in qualities):
            raise invalid("qualities", f"is a list of {', '.join(QUALITIES)} in order")
        rules["qualities"] = qualities
    for name in ("min_size", "max_size", "min_seeders"):
        if name in body or not partial:
            rules[name] = optional_int(body, name)
    if "backfill" in body or not partial:
        rules["backfill"] = optional_int(body, "backfill") or 0
    if "action" in body or not partial:
        action = body.get("action", "prefetch")
        if action not in ACTIONS:
            raise invalid("action", f"is one of {', '.join(ACTIONS)}")
        rules["action"] = action
    return rules


def list_subscriptions(request: Request) -> Response:
    limit, offset = page(request)
    found = request.shared.library.feeds.subscriptions(limit, offset)
    return json_response(paged("subscriptions", [subscription_json(s) for s in found.rows],
                               found.total, limit, offset))


def add(request: Request) -> Response:
    """`{"show": "Name"}`, `{"show_id": id}` or `{"feed_id": id}`, with rules."""
    body = json_body(request)
    targets = [k for k in ("show", "show_id", "feed_id") if body.get(k) is not None]
    if len(targets) != 1:
        raise invalid("show", 'give one of "show" (a name), "show_id" or "feed_id"')
    rules = _rules(body, partial=False)
    name = optional_text(body, "show", 200) if targets == ["show"] else None
    if targets == ["show"] and not name:
        raise invalid("show", "is the show's name")
    for key in ("show_id", "feed_id"):
        if key in targets:
            rules[key] = optional_int(body, key, low=1)
    lib = request.shared.library
    sub_id = lib.subscribe(rules, show_name=name)
    return json_response(subscription_json(lib.feeds.subscription(sub_id)), 201)


def show(request: Request, sub_id: int) -> Response:
    return json_response(subscription_json(request.shared.library.feeds.subscription(sub_id)))


def update(request: Request, sub_id: int) -> Response:
    rules = _rules(json_body(request), partial=True)
    feeds = request.shared.library.feeds
    if rules:
        feeds.update_subscription(sub_id, rules)
    return json_response(subscription_json(feeds.subscription(sub_id)))


def remove(request: Request, sub_id: int) -> Response:
    request.shared.library.feeds.remove_subscription(sub_id)
    return no_content()


_AT = "/api/v1/subscriptions/<int:sub_id>"
def routes() -> list[Route]:
    return [
        Route("/api/v1/subscriptions", list_subscriptions, "GET", group="subscriptions"),
        Route("/api/v1/subscriptions", add, "POST", group="subscriptions"),
        Route(_AT, show, "GET", group="subscriptions"),
        Route(_AT, update, "PUT", group="subscriptions"),
        Route(_AT, remove, "DELETE", group="subscriptions"),
    ]


