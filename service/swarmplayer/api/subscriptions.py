"""`/api/v1/subscriptions`: subscribe to a show (by id or name) or to a whole feed, with rules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from .context import feeds
from .validate import InvalidField, body, integer, only, paged, paging, text

bp = Blueprint("subscriptions", __name__, url_prefix="/api/v1/subscriptions")

TARGETS = ("show", "show_id", "feed_id")
RULES = ("qualities", "min_size", "max_size", "min_seeders", "backfill", "action")
QUALITIES = ("2160p", "1080p", "720p", "480p")
ACTIONS = ("prefetch", "download")


def _rules(given: dict[str, Any], *, defaults: bool) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    if "qualities" in given or defaults:
        qualities = given.get("qualities", [])
        if not isinstance(qualities, list) or any(q not in QUALITIES for q in qualities) \
                or len(set(qualities)) != len(qualities):
            raise InvalidField("qualities", f"must be a list of distinct {', '.join(QUALITIES)}")
        rules["qualities"] = qualities
    for name in ("min_size", "max_size", "min_seeders"):
        if name in given or defaults:
            rules[name] = integer(given, name, low=0, default=None)
    if "backfill" in given or defaults:
        rules["backfill"] = integer(given, "backfill", low=0, high=1000, default=0)
    if "action" in given or defaults:
        rules["action"] = text(given, "action", default="prefetch", choices=ACTIONS)
    low, high = rules.get("min_size"), rules.get("max_size")
    if low is not None and high is not None and low > high:
        raise InvalidField("max_size", "must be at least min_size")
    return rules


@bp.get("")
def list_subscriptions() -> ResponseReturnValue:
    limit, offset = paging()
    rows, total = feeds().subscriptions.all(limit, offset)
    return paged("subscriptions", rows, total, limit, offset)


@bp.post("")
def add() -> ResponseReturnValue:
    """{"show": "Name" | "show_id": id | "feed_id": id, rules…} → 201."""
    given = body()
    only(given, TARGETS + RULES)
    targets = [t for t in TARGETS if given.get(t) is not None]
    if len(targets) != 1:
        raise InvalidField("show", 'give exactly one of "show", "show_id" or "feed_id"')
    target = targets[0]
    value = text(given, "show", max_length=300) if target == "show" else \
        integer(given, target, low=1)
    created = feeds().subscribe(**{target: value}, **_rules(given, defaults=True))
    return jsonify(created), 201


@bp.get("/<int:sub_id>")
def show(sub_id: int) -> ResponseReturnValue:
    return jsonify(feeds().subscriptions.get(sub_id))


@bp.put("/<int:sub_id>")
def update(sub_id: int) -> ResponseReturnValue:
    given = body()
    only(given, RULES)
    return jsonify(feeds().subscriptions.update(sub_id, **_rules(given, defaults=False)))


@bp.delete("/<int:sub_id>")
def remove(sub_id: int) -> ResponseReturnValue:
    feeds().subscriptions.remove(sub_id)
    return "", 204
