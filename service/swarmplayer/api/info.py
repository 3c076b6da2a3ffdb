"""`/api/v1/info`: who we are and what we can do (public, for discovery and pairing)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .. import __version__
from ..engine import lt
from ..identity import box_id, friendly_name
from .http import Request, Route, json_response

CAPABILITIES = ["magnet", "torrent-url", "torrent-upload", "tstream", "range-streaming"]


def info(request: Request) -> Response:
    config = request.shared.config
    return json_response({"name": "SwarmPlayer", "version": __version__, "api": 1,
                          "libtorrent": ".".join(map(str, lt.VERSION)),
                          "capabilities": CAPABILITIES, "auth": "token",
                          "id": box_id(config.data_dir),
                          "friendly_name": friendly_name(config.friendly_name)})


def routes() -> list[Route]:
    return [Route("/api/v1/info", info, "GET", group="info")]
