"""`/api/v1/info`: who we are and what we can do (public, for discovery and pairing)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from .. import __version__
from ..engine import lt

bp = Blueprint("info", __name__, url_prefix="/api/v1")

CAPABILITIES = ["magnet", "torrent-url", "torrent-upload", "tstream", "range-streaming"]


@bp.get("/info")
def info() -> ResponseReturnValue:
    return jsonify(name="SwarmPlayer", version=__version__, api=1,
                   libtorrent=".".join(map(str, lt.VERSION)), capabilities=CAPABILITIES,
                   auth="token")
