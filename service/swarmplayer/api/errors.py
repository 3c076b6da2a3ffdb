"""Every error leaves as `{"error": code, "message": text}` with its status; never a traceback."""

from __future__ import annotations

import logging
import re

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..errors import ServiceError
from .http import json_response

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, **extra: str) -> Response:
    return json_response({"error": code, "message": message, **extra}, status)


def error_answer(exc: Exception) -> Response:
    """The answer for an error a view (or the gate) raised."""
    if isinstance(exc, ServiceError):
        field = getattr(exc, "field", None)  # a body field that is wrong (api/body.py)
        return error_response(exc.status, exc.code, exc.message,
                              **({"field": field} if field else {}))
    if isinstance(exc, HTTPException):
        # A body over max_content_length is werkzeug's 413: the same code as every other cap.
        code = "too_large" if exc.code == 413 else re.sub(
            r"\W+", "_", (exc.name or "error").lower()).strip("_")
        response = error_response(exc.code or 500, code, exc.description or exc.name)
        # Keep what the exception says beyond its body: Allow on 405, Content-Range on 416.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "internal_error", "the service hit an unexpected error")
