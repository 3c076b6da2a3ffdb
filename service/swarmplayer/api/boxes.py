"""`GET /api/v1/boxes`: the SwarmPlayer boxes on the LAN, from this box's own mDNS browse, each
confirmed by its GET /api/v1/info (mdns.discover). The page lists them and links to each box's
own page: a phone pairs with every box on its own (tokens are per box), and the page needs no
CORS or wider CSP to reach other boxes.

A browse takes a few seconds and loads python-zeroconf (~5 MB) on first use, so it runs only
when a phone asks, one at a time, and its answer is kept for a little while."""

from __future__ import annotations

import threading
import time
from typing import Any

from werkzeug.wrappers import Response

from .. import __version__
from ..identity import box_id, friendly_name
from .http import Request, Route, json_response

BROWSE_S = 2.0
FRESH_S = 30.0  # a second phone (or a reload) within this gets the last answer


class Finder:
    """The last browse's boxes; one browse at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: list[dict[str, Any]] = []
        self._at = 0.0

    def boxes(self) -> tuple[list[dict[str, Any]], float]:
        with self._lock:
            if time.time() - self._at > FRESH_S:
                from ..mdns import discover  # here: zeroconf only once a phone asks

                self._found = [{"name": b.name, "id": b.id, "url": b.url or None,
                                "version": b.version, "online": b.online}
                               for b in discover(BROWSE_S)]
                self._at = time.time()
            return list(self._found), self._at


def boxes(request: Request) -> Response:
    """This box first, then the others the browse found (an offline one: listed by mDNS
    caches, not answering)."""
    config = request.shared.config
    own = box_id(config.data_dir)
    this = {"name": friendly_name(config.friendly_name), "id": own,
            "url": request.host_url.rstrip("/"), "version": __version__, "online": True,
            "this": True}
    if not config.discovery:
        return json_response({"boxes": [this], "discovery": False, "browsed_at": None})
    found, at = request.shared.boxes.boxes()
    others = [dict(b, this=False) for b in found if b["id"] != own]
    return json_response({"boxes": [this, *others], "discovery": True, "browsed_at": at})


def routes() -> list[Route]:
    return [Route("/api/v1/boxes", boxes, "GET", group="boxes")]
