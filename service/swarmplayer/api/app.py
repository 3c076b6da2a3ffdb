"""The API as one WSGI application on werkzeug: route, gate, view, errors as JSON, security
headers. Safe for waitress's request threads: what a request learns lives on its Request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map, RequestRedirect
from werkzeug.test import Client
from werkzeug.wrappers import Response

from .auth import Gate, secure
from .context import Shared
from .errors import error_answer
from .http import Request, Route

_LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


class RowId(IntegerConverter):
    """`<int:…>` in a route: at most what SQLite holds (2⁶³ − 1), so a longer number matches no
    route (a 404) instead of overflowing in the store."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


class App:
    """`url_map` holds every route (each carries its view); `shared` the components."""

    def __init__(self, routes: Iterable[Route], shared: Shared, gate: Gate) -> None:
        self.url_map = Map(list(routes), converters={"int": RowId})
        self.shared = shared
        self._gate = gate

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ, self.shared, self.url_map.bind_to_environ(environ))
        return secure(self._answer(request))(environ, start_response)

    def _answer(self, request: Request) -> Response:
        route: Route | None = None
        unrouted: HTTPException | None = None
        try:
            route, request.view_args = request.urls.match(return_rule=True)
            request.endpoint = route.endpoint
        except HTTPException as exc:  # 404, 405, or a redirect: told after the gate
            unrouted = exc
        try:
            refusal = self._gate.refusal(request)
            if refusal is not None:
                return refusal
            if unrouted is not None:
                raise unrouted
            assert route is not None
            if request.method == "OPTIONS":
                # text/html: the type these empty answers always had.
                answer = Response(mimetype="text/html")
                answer.allow.update(request.urls.allowed_methods())
                return answer
            return route.view(request, **request.view_args)
        except RequestRedirect as exc:  # a URL without its trailing slash: a redirect
            return exc.get_response(request.environ)
        except Exception as exc:
            return error_answer(exc)

    def test_client(self) -> Client:
        """werkzeug's test client, its requests from 127.0.0.1 (as the box's own are)."""
        return _LocalClient(self, Response)


class _LocalClient(Client):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["environ_base"] = {**_LOCAL, **(kwargs.get("environ_base") or {})}
        return super().open(*args, **kwargs)
