"""`/api/v1/subscriptions`: shows or whole feeds whose new episodes the box fetches."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ..feeds.match import ACTIONS, QUALITIES
from .body import invalid, json_body, optional_int, optional_text, page, paged
from .context import library

bp = Blueprint("subscriptions", __name__, url_prefix="/api/v1/subscriptions")


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


@bp.get("")
def list_subscriptions() -> ResponseReturnValue:
    limit, offset = page()
    found = library().feeds.subscriptions(limit, offset)
    return jsonify(paged("subscriptions", [subscription_json(s) for s in found.rows],
                         found.total, limit, offset))


@bp.post("")
def add() -> ResponseReturnValue:
    """`{"show": "Name"}`, `{"show_id": id}` or `{"feed_id": id}`, with rules."""
    body = json_body()
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
    lib = library()
    sub_id = lib.subscribe(rules, show_name=name)
    return jsonify(subscription_json(lib.feeds.subscription(sub_id))), 201


@bp.get("/<int:sub_id>")
def show(sub_id: int) -> ResponseReturnValue:
    return jsonify(subscription_json(library().feeds.subscription(sub_id)))


@bp.put("/<int:sub_id>")
def update(sub_id: int) -> ResponseReturnValue:
    rules = _rules(json_body(), partial=True)
    feeds = library().feeds
    if rules:
        feeds.update_subscription(sub_id, rules)
    return jsonify(subscription_json(feeds.subscription(sub_id)))


@bp.delete("/<int:sub_id>")
def remove(sub_id: int) -> ResponseReturnValue:
    library().feeds.remove_subscription(sub_id)
    return "", 204


