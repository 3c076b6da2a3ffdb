"""A torrent's status as JSON: the field names and shapes docs/api.md promises."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..engine.status import TorrentStatus


def torrent_json(status: TorrentStatus) -> dict[str, Any]:
    """The engine's frozen status as the API's JSON object (a new dict: callers may add keys)."""
    body = dataclasses.asdict(status)
    body["origins"] = list(status.origins)
    return body
