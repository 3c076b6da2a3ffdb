"""`/api/v1/cache`: usage, quota and items; pin or keep a torrent so eviction spares it."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .http import Request, Route, json_response

# URL word → the flag it sets: pin (never evicted), keep (not evicted before it completes).
_FLAGS = {"pin": "pinned", "keep": "keep"}


def usage(request: Request) -> Response:
    return json_response(request.shared.janitor.report())


def set_flag(request: Request, info_hash: str, flag: str) -> Response:
    """POST sets the flag, DELETE clears it; answers with the torrent's cache item."""
    return json_response(request.shared.janitor.set_flag(info_hash, _FLAGS[flag],
                                                         request.method == "POST"))


def routes() -> list[Route]:
    return [
        Route("/api/v1/cache", usage, "GET", group="cache"),
        Route("/api/v1/cache/<info_hash>/<any(pin, keep):flag>", set_flag, "POST", "DELETE",
              group="cache"),
    ]
