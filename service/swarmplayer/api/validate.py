"""Request bodies and paging checked the same way everywhere: a 400 naming the field."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from ..errors import BadInput

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
_MISSING = object()


class InvalidField(BadInput):
    """A body field (or query parameter) that is missing or wrong; the answer names it."""

    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def body() -> dict[str, Any]:
    """The request's JSON object; 400 when it is not one."""
    given = request.get_json(silent=True) if request.data else {}
    if not isinstance(given, dict):
        raise BadInput("send a JSON object")
    return given


def integer(given: dict[str, Any], name: str, *, low: int | None = None, high: int | None = None,
            default: Any = _MISSING, nullable: bool = False) -> Any:
    value = given.get(name, default)
    if value is _MISSING:
        raise InvalidField(name, "is required")
    if value is None and (nullable or default is None):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(name, "must be a whole number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidField(name, f"must be between {low} and {high}" if high is not None
                           else f"must be at least {low}")
    return value


def number(given: dict[str, Any], name: str, *, default: Any = _MISSING) -> Any:
    value = given.get(name, default)
    if value is _MISSING:
        raise InvalidField(name, "is required")
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or value != value or value == float("inf"):
        raise InvalidField(name, "must be a number of seconds, 0 or more")
    return float(value)


def text(given: dict[str, Any], name: str, *, default: Any = _MISSING,
         choices: tuple[str, ...] | None = None, max_length: int = 2000) -> Any:
    value = given.get(name, default)
    if value is _MISSING:
        raise InvalidField(name, "is required")
    if value is None and default is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise InvalidField(name, f"must be text of 1 to {max_length} characters")
    if choices and value not in choices:
        raise InvalidField(name, f"must be one of {', '.join(choices)}")
    return value.strip()


def flag(given: dict[str, Any], name: str, *, default: Any = None) -> Any:
    value = given.get(name, default)
    if value is not None and not isinstance(value, bool):
        raise InvalidField(name, "must be true or false")
    return value


def only(given: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise InvalidField(unknown[0], f"is not a field here (known: {', '.join(allowed)})")


def paging() -> tuple[int, int]:
    """?limit= (default 50, at most 200) and ?offset=."""
    return (_query_int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            _query_int("offset", 0, 0, None))


def query_int(name: str) -> int | None:
    return _query_int(name, None, 0, None)


def _query_int(name: str, default: int | None, low: int, high: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidField(name, "must be a whole number") from None
    if value < low or (high is not None and value > high):
        raise InvalidField(name, f"must be between {low} and {high}" if high is not None
                           else f"must be at least {low}")
    return value


def query_bool(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise InvalidField(name, "must be true or false")
    return raw.lower() in ("true", "1")


def paged(plural: str, rows: list[Any], total: int, limit: int,
          offset: int) -> ResponseReturnValue:
    return jsonify({plural: rows, "total": total, "limit": limit, "offset": offset})
