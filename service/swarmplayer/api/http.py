"""The API's HTTP vocabulary on werkzeug: the request a view is given, the rule that names a
view, and JSON answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.routing import MapAdapter, Rule
from werkzeug.wrappers import Request as BaseRequest
from werkzeug.wrappers import Response

from ..errors import BadInput, TooLarge

if TYPE_CHECKING:
    from ..auth.tokens import Device
    from .context import Shared

MAX_UPLOAD_BYTES = 10 << 20
# JSON request bodies are small (a source, a few settings): far less than an upload may be.
MAX_JSON_BYTES = 1 << 20

View = Callable[..., Response]


class CappedJSON:
    """The API's JSON both ways. Reading caps every request body and makes a nesting too deep
    for the parser a 400 (it is a RecursionError there); writing is compact with sorted keys."""

    @staticmethod
    def loads(s: str | bytes, **kwargs: Any) -> Any:
        if len(s) > MAX_JSON_BYTES:
            raise TooLarge(f"a JSON body is at most {MAX_JSON_BYTES} bytes")
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise BadInput("the JSON is nested too deeply", code="invalid_json") from None
        except ValueError as exc:  # also UnicodeDecodeError
            raise BadInput(f"not valid JSON: {exc}", code="invalid_json") from None

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), **kwargs)


class Request(BaseRequest):
    """One request to the API: werkzeug's, with the upload cap and capped JSON (errors of the
    body are ServiceErrors, which `get_json(silent=True)` does not swallow), the components it
    is served with, and what the app learnt of it: its endpoint and view arguments, and the
    paired device whose token it carries (None for the box itself)."""

    max_content_length = MAX_UPLOAD_BYTES
    json_module = CappedJSON

    def __init__(self, environ: dict[str, Any], shared: Shared, urls: MapAdapter) -> None:
        super().__init__(environ)
        self.shared = shared
        self.urls = urls
        self.endpoint: str | None = None
        self.view_args: dict[str, Any] = {}
        self.device: Device | None = None

    def url_for(self, endpoint: str, *, external: bool = False, **values: Any) -> str:
        """The URL of `endpoint` (absolute, to the host this request came to, if `external`);
        values its rule does not take go in the query string."""
        return self.urls.build(endpoint, values, force_external=external)


class Route(Rule):
    """A werkzeug Rule that carries its view, so the app needs no table from names to views.
    Its endpoint is `group.view_name`; every route answers OPTIONS too (with its Allow)."""

    def __init__(self, path: str, view: View, *methods: str, group: str) -> None:
        super().__init__(path, endpoint=f"{group}.{view.__name__}",
                         methods=[*methods, "OPTIONS"])
        self.view = view


def json_response(body: Any, status: int = 200) -> Response:
    return Response(CappedJSON.dumps(body) + "\n", status=status, mimetype="application/json")


def no_content() -> Response:
    # text/html is the type these answers always had (it tells nothing: there is no body).
    return Response(status=204, mimetype="text/html")
