"""`/api/v1/cache`: usage, quota and items; pin or keep a torrent so eviction spares it."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from .context import janitor

bp = Blueprint("cache", __name__, url_prefix="/api/v1/cache")

# URL word → the flag it sets: pin (never evicted), keep (not evicted before it completes).
_FLAGS = {"pin": "pinned", "keep": "keep"}


@bp.get("")
def usage() -> ResponseReturnValue:
    return jsonify(janitor().report())


@bp.route("/<info_hash>/<any(pin, keep):flag>", methods=["POST", "DELETE"])
def set_flag(info_hash: str, flag: str) -> ResponseReturnValue:
    """POST sets the flag, DELETE clears it; answers with the torrent's cache item."""
    return jsonify(janitor().set_flag(info_hash, _FLAGS[flag], request.method == "POST"))
