"""How many request threads long work may hold, so the API always has threads to answer with.

Waitress has `http_threads` request threads and each open stream or URL fetch holds one for as
long as it lasts. Fetches get a few (they end within their deadline), streams most of the rest
(Kodi opens two or three connections per video), and at least two are always left for the API
and the phone page. The slots live on the app (`Shared.slots`), one set per service.
"""

from __future__ import annotations

from ..slots import Slots
from .http import Request

# Threads no long work may take: /api/v1/info and the rest always answer.
RESERVED_THREADS = 2


def fetch_slots(request: Request) -> Slots:
    return request.shared.slots["fetch"]


def stream_slots(request: Request) -> Slots:
    return request.shared.slots["stream"]


def plan(threads: int) -> dict[str, Slots]:
    """The slots for `threads` request threads (at least 4, as the config allows)."""
    fetches = max(1, threads // 8)
    streams = max(1, threads - fetches - RESERVED_THREADS)
    return {"fetch": Slots(fetches, "URL fetches"), "stream": Slots(streams, "streams")}
