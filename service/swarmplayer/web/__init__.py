"""The phone remote: one page (index.html) and its static files, no build step. The API
(api/__init__.py) gives these views their URLs.

The page holds no data: everything it shows comes from the API with the device's token."""

from __future__ import annotations

from pathlib import Path

from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

HERE = Path(__file__).parent
STATIC = HERE / "static"


def page(request: Request) -> Response:
    """The page's shell, the same for every phone: a plain file, read each time (it is small
    and rarely asked for)."""
    return Response((HERE / "index.html").read_bytes(), mimetype="text/html",
                    headers={"Cache-Control": "no-cache"})


def manifest(request: Request) -> Response:
    return send_from_directory(STATIC, "manifest.webmanifest", request.environ,
                               mimetype="application/manifest+json", max_age=0)


def service_worker(request: Request) -> Response:
    """At the root, so that it may serve the whole page's scope."""
    return send_from_directory(STATIC, "sw.js", request.environ, mimetype="text/javascript",
                               max_age=0)


def static(request: Request, filename: str) -> Response:
    return send_from_directory(STATIC, filename, request.environ)
