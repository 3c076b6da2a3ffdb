"""Every error leaves as `{"error": code, "message": text}` with its status; never a traceback."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from ..errors import BadInput, ServiceError, TooLarge

# JSON request bodies are small (a source, a few settings): far less than an upload may be.
MAX_JSON_BYTES = 1 << 20

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, **extra: str) -> Response:
    response = jsonify(error=code, message=message, **extra)
    response.status_code = status
    return response


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with every request body capped and a nesting too deep for the parser a 400
    (it is a RecursionError there): every request.get_json() goes through here."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if len(s) > MAX_JSON_BYTES:
            raise TooLarge(f"a JSON body is at most {MAX_JSON_BYTES} bytes")
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise BadInput("the JSON is nested too deeply", code="invalid_json") from None
        except ValueError as exc:  # also UnicodeDecodeError
            raise BadInput(f"not valid JSON: {exc}", code="invalid_json") from None


def register(app: Flask) -> None:
    app.json = JSONProvider(app)

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError) -> Response:
        # validate.InvalidField also says which body field is wrong.
        field = getattr(exc, "field", None)
        return error_response(exc.status, exc.code, exc.message,
                              **({"field": field} if field else {}))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        # A body over MAX_CONTENT_LENGTH is werkzeug's 413: the same code as every other cap.
        code = "too_large" if exc.code == 413 else re.sub(
            r"\W+", "_", (exc.name or "error").lower()).strip("_")
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
