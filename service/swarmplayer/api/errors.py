"""Every error leaves as `{"error": code, "message": text}` with its status; never a traceback."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, **extra: str) -> Response:
    response = jsonify(error=code, message=message, **extra)
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError) -> Response:
        field = getattr(exc, "field", None)  # a body field that is wrong (api/body.py)
        return error_response(exc.status, exc.code, exc.message,
                              **({"field": field} if field else {}))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = re.sub(r"\W+", "_", (exc.name or "error").lower()).strip("_")
        response = error_response(exc.code or 500, code, exc.description or exc.name)
        # Keep what the exception says beyond its body: Allow on 405, Content-Range on 416.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(500, "internal_error", "the service hit an unexpected error")
