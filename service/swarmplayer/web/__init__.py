"""The phone remote: one page (templates/index.html) and its static files, no build step.

The page holds no data: everything it shows comes from the API with the device's token."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, send_from_directory
from flask.typing import ResponseReturnValue

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")


@bp.get("/")
@bp.get("/pair")
def page() -> ResponseReturnValue:
    response = Response(render_template("index.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    return send_from_directory(bp.static_folder or "", "manifest.webmanifest",
                               mimetype="application/manifest+json", max_age=0)


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """At the root, so that it may serve the whole page's scope."""
    return send_from_directory(bp.static_folder or "", "sw.js",
                               mimetype="text/javascript", max_age=0)
