"""`GET /api/v1/health`: is the service up, how is the box, and what the governor did about it."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from .context import engine, governor

bp = Blueprint("health", __name__, url_prefix="/api/v1")


@bp.get("/health")
def health() -> ResponseReturnValue:
    """The system figures (psutil), the resource profile in force, the governor's level and
    what it changed and why. Without a governor (an app outside the Service): status only."""
    body = {"status": "ok", "torrents": len(engine().info_hashes())}
    found = governor()
    if found is not None:
        report = found.report()
        body.update(system=report.pop("figures"), profile=found.profile_report(),
                    governor=report)
    return jsonify(body)
