"""`/api/v1/info`: who we are and what we can do (public, for discovery and pairing)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from .. import __version__
from ..engine import lt
from ..identity import box_id, friendly_name
from .context import config

bp = Blueprint("info", __name__, url_prefix="/api/v1")

CAPABILITIES = ["magnet", "torrent-url", "torrent-upload", "tstream", "range-streaming"]


@bp.get("/info")
def info() -> ResponseReturnValue:
    return jsonify(name="SwarmPlayer", version=__version__, api=1,
                   libtorrent=".".join(map(str, lt.VERSION)), capabilities=CAPABILITIES,
                   auth="token", id=box_id(config().data_dir),
                   friendly_name=friendly_name(config().friendly_name))
