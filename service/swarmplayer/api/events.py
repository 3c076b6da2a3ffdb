"""`GET /api/v1/events`: the phone page's live state as server-sent events — `player` when the
TV's state changes, `torrents` (the list, as GET /torrents) when it changes.

Each open stream holds a waitress thread: a few at most (the rest of the pool stays for
streams and API calls); one more gets 503 `busy`."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from werkzeug.wrappers import Response

from ..errors import ServiceError
from . import sse
from .http import Request, Route
from .status import torrent_json

MAX_STREAMS = 4
TORRENTS_EVERY_S = 2.0

class Busy(ServiceError):
    status = 503
    code = "busy"


def events(request: Request) -> Response:
    slots: threading.BoundedSemaphore = request.shared.event_streams
    if not slots.acquire(blocking=False):
        raise Busy(f"{MAX_STREAMS} live pages are open already: close one, or reload later")
    link, eng = request.shared.tv, request.shared.engine
    seen = {"player": link.version, "torrents": "", "at": time.monotonic()}

    def torrents() -> list[bytes]:
        listed: list[dict[str, Any]] = [torrent_json(s) for s in eng.statuses()]
        text = json.dumps(listed, sort_keys=True)
        seen["at"] = time.monotonic()
        if text == seen["torrents"]:
            return []
        seen["torrents"] = text
        return [sse.event("torrents", {"torrents": listed})]

    def next_events(timeout: float) -> list[bytes]:
        with link.changed:
            link.changed.wait_for(lambda: link.version != seen["player"], timeout)
            version, player = link.version, link.snapshot_locked()
        found = []
        if version != seen["player"]:
            seen["player"] = version
            found.append(sse.event("player", player))
        if time.monotonic() - seen["at"] >= TORRENTS_EVERY_S:
            found += torrents()
        return found

    first = [sse.event("player", link.snapshot()), *torrents()]
    return sse.stream(request, next_events, first, slots.release)


def routes() -> list[Route]:
    return [Route("/api/v1/events", events, "GET", group="events")]
