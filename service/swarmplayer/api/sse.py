"""Server-sent events over waitress: one event per write, a comment line as keep-alive, and an
end as soon as the client is gone (each open stream holds a server thread)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from werkzeug.wrappers import Response

from .http import Request

KEEPALIVE_S = 15.0
SLICE_S = 1.0  # how often a waiting stream looks whether its client (or the server) left


def event(name: str, data: Any, event_id: int | None = None) -> bytes:
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


def stream(request: Request, next_events: Callable[[float], list[bytes] | None],
           first: list[bytes], on_close: Callable[[], None]) -> Response:
    """A text/event-stream response: `first`, then whatever `next_events(timeout)` returns
    (None ends the stream), a keep-alive comment when it has been quiet for a while."""
    disconnected = request.environ.get("waitress.client_disconnected", lambda: False)

    def body() -> Iterator[bytes]:
        try:
            yield b"retry: 3000\n\n" + b"".join(first)
            quiet_since = time.monotonic()
            while not disconnected():
                found = next_events(SLICE_S)
                if found is None:
                    return
                if found:
                    yield b"".join(found)
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= KEEPALIVE_S:
                    yield b": keep-alive\n\n"
                    quiet_since = time.monotonic()
        finally:
            on_close()

    return Response(body(), mimetype="text/event-stream", direct_passthrough=True,
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
