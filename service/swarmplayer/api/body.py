"""Reading and checking JSON bodies and paging arguments: a bad one is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from ..errors import BadInput
from ..units import whole_number
from .http import Request

MAX_PAGE = 200
DEFAULT_PAGE = 50


def json_body(request: Request) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise BadInput("send a JSON object", code="bad_request")
    return body


def invalid(name: str, what: str) -> BadInput:
    error = BadInput(f'"{name}" {what}', code="invalid_field")
    error.field = name  # type: ignore[attr-defined]
    return error


def optional_int(body: dict[str, Any], name: str, low: int = 0) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise invalid(name, f"is a whole number of at least {low}")
    return value


def optional_number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or value != value or value == float("inf"):
        raise invalid(name, "is a number of seconds, 0 or more")
    return float(value)


def optional_text(body: dict[str, Any], name: str, longest: int = 500) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > longest:
        raise invalid(name, f"is text of at most {longest} characters")
    return value.strip()


PLAYER_STATES = ("playing", "paused", "stopped", "ended")


def progress_report(request: Request) -> tuple[float, float | None, bool, bool | None]:
    """A player's report `{"position": s, "duration"?: s, "state"?: …, "watched"?: bool}` as
    (position, duration, ended, watched) for plays.progressed."""
    body = json_body(request)
    position = optional_number(body, "position")
    watched = body.get("watched")
    if watched is not None and not isinstance(watched, bool):
        raise invalid("watched", "is true or false")
    if position is None and watched is None:
        raise invalid("position", 'is needed (seconds from the start), or give "watched"')
    state = body.get("state", "stopped")
    if state not in PLAYER_STATES:
        raise invalid("state", f"is one of {', '.join(PLAYER_STATES)}")
    return position or 0.0, optional_number(body, "duration"), state == "ended", watched


def page(request: Request) -> tuple[int, int]:
    """(limit, offset) from the query string."""
    values = []
    for name, default, high in (("limit", DEFAULT_PAGE, MAX_PAGE), ("offset", 0, None)):
        value = whole_number(request.args.get(name, str(default)))
        if value is None or (high is not None and not 1 <= value <= high):
            bound = f"1 to {high}" if high else "0 or more"
            raise invalid(name, f"is a whole number, {bound}")
        values.append(value)
    return values[0], values[1]


def paged(name: str, items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {name: items, "total": total, "limit": limit, "offset": offset}
