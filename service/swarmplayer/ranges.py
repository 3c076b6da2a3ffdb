"""HTTP Range headers (RFC 9110 §14): which bytes of a representation a request wants. Pure."""

from __future__ import annotations

import re

_SPEC = re.compile(r"(\d*)-(\d*)")


class Unsatisfiable(Exception):
    """A byte range that selects nothing of the representation: answered 416."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, stop) of the one byte range `header` asks of `size` bytes, or None for the whole
    representation: no header, another unit (`pages=1-2`), a malformed one, or several ranges
    (all ignored as RFC 9110 allows). Raises Unsatisfiable (416) for a range outside it."""
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    found = _SPEC.fullmatch(spec.strip())
    if found is None:  # several ranges, or not a range at all
        return None
    first, last = found.groups()
    if not first:
        if not last:
            return None  # "bytes=-" is no range
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable()
        return max(size - suffix, 0), size
    start = int(first)
    if last and int(last) < start:
        return None  # "bytes=5-1" is invalid: ignored
    if start >= size:
        raise Unsatisfiable()
    return start, size if not last else min(int(last) + 1, size)
