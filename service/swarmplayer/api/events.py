"""`GET /api/v1/events`: the phone page's live state as server-sent events — `player` when the
TV's state changes, `torrents` (the list, as GET /torrents) when it changes.

Each open stream holds a waitress thread: a few at most (the rest of the pool stays for
streams and API calls); one more gets 503 `busy`."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from flask import Blueprint, Flask, current_app
from flask.typing import ResponseReturnValue

from ..errors import ServiceError
from . import sse
from .context import engine
from .player import tv
from .status import torrent_json

MAX_STREAMS = 4
TORRENTS_EVERY_S = 2.0

bp = Blueprint("events", __name__, url_prefix="/api/v1")


class Busy(ServiceError):
    status = 503
    code = "busy"


def register(app: Flask) -> None:
    app.extensions["swarmplayer"]["event_streams"] = threading.BoundedSemaphore(MAX_STREAMS)
    app.register_blueprint(bp)


@bp.get("/events")
def events() -> ResponseReturnValue:
    slots: threading.BoundedSemaphore = current_app.extensions["swarmplayer"]["event_streams"]
    if not slots.acquire(blocking=False):
        raise Busy(f"{MAX_STREAMS} live pages are open already: close one, or reload later")
    link, eng = tv(), engine()
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
    return sse.stream(next_events, first, slots.release)
