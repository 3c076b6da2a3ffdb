"""How many request threads long work may hold, so the API always has threads to answer with.

Waitress has `http_threads` request threads and each open stream or URL fetch holds one for as
long as it lasts. Fetches get a few (they end within their deadline), streams most of the rest
(Kodi opens two or three connections per video), and at least two are always left for the API
and the phone page. The slots live on the app, one set per service.
"""

from __future__ import annotations

import threading

from flask import current_app

from ..slots import Slots
from .context import config

# Threads no long work may take: /api/v1/info and the rest always answer.
RESERVED_THREADS = 2
_lock = threading.Lock()


def fetch_slots() -> Slots:
    return _slots()["fetch"]


def stream_slots() -> Slots:
    return _slots()["stream"]


def _slots() -> dict[str, Slots]:
    shared = current_app.extensions["swarmplayer"]
    with _lock:
        if "slots" not in shared:
            shared["slots"] = plan(config().http_threads)
        return shared["slots"]


def plan(threads: int) -> dict[str, Slots]:
    """The slots for `threads` request threads (at least 4, as the config allows)."""
    fetches = max(1, threads // 8)
    streams = max(1, threads - fetches - RESERVED_THREADS)
    return {"fetch": Slots(fetches, "URL fetches"), "stream": Slots(streams, "streams")}
