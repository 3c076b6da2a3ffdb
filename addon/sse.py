"""Server-sent events read from a stream of lines (the service's command stream): pure, so it
runs anywhere and is tested without a network."""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator, Tuple

Event = Tuple[str, Any]


def events(lines: Iterable[bytes]) -> Iterator[Event]:
    """(name, data as JSON) for each event; comments (keep-alives) and `retry:` are skipped,
    and so is an event whose data is not JSON."""
    name, data = "message", []
    for raw in lines:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if data:
                try:
                    value = json.loads("\n".join(data))
                except ValueError:
                    value = None  # not JSON: a kind of event this add-on does not know
                if value is not None:
                    yield name, value
            name, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
