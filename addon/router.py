"""Plugin URLs <-> route functions: plugin://<id>/<path>?<query>, one function per path."""

from __future__ import annotations

import math
import urllib.parse
from typing import Any, Callable

ADDON_ID = "plugin.video.swarmplayer"

Handler = Callable[..., None]


class NotFound(Exception):
    """A plugin URL whose path has no route."""


class Router:
    """A table of paths to functions; functions get the handle and the query's values."""

    def __init__(self, addon_id: str = ADDON_ID) -> None:
        self.addon_id = addon_id
        self.routes: dict[str, Handler] = {}
        self.actions: set[Handler] = set()

    def route(self, path: str) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            self.routes[path.strip("/")] = func
            return func
        return register

    def action(self, path: str) -> Callable[[Handler], Handler]:
        """A route that does something (context menu: RunPlugin) instead of listing."""
        def register(func: Handler) -> Handler:
            self.actions.add(func)
            return self.route(path)(func)
        return register

    def is_action(self, func: Handler) -> bool:
        return func in self.actions

    def url(self, path: str, **params: Any) -> str:
        """The plugin URL of a path; None values are left out."""
        path = path.strip("/")
        if path not in self.routes:
            raise NotFound(path)
        query = urllib.parse.urlencode(
            {k: str(v) for k, v in sorted(params.items()) if v is not None})
        return f"plugin://{self.addon_id}/{path}" + (f"?{query}" if query else "")

    def parse(self, url: str, query: str = "") -> tuple[Handler, dict[str, str]]:
        """The function for a plugin URL (argv[0]) and its query (argv[2], '?a=b')."""
        parts = urllib.parse.urlsplit(url)
        path = parts.path.strip("/")
        func = self.routes.get(path)
        if func is None:
            raise NotFound(path)
        params = dict(urllib.parse.parse_qsl(query.lstrip("?") or parts.query))
        return func, params


def as_int(value: str | None) -> int | None:
    """A query value as an int, None when absent or not a number."""
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def as_float(value: str | None) -> float | None:
    """A query value as a finite float, None when absent or not such a number."""
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
