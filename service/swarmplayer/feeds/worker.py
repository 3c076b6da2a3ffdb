"""`python -m swarmplayer.feeds.worker [CONTENT_TYPE [FEED_URL]]`: a feed on stdin → JSON out.

The poller runs this as a short-lived process, so feedparser's and guessit's memory (~20 MB)
is given back as soon as a poll has read its feed: the streaming service stays small.
Known items (their guids, one per line in $SWARMPLAYER_KNOWN_FILE) are left out before their
names are read: guessit is most of a poll's CPU (~6-9 ms an item on x86), so a poll with nothing
new does not even import it. With $SWARMPLAYER_PROGRESS set, it writes `progress DONE TOTAL`
lines to stderr while naming releases.

`python -m swarmplayer.feeds.worker --answers`: the indexers' answers to one search, as a JSON
list of `{"id", "url", "content_type", "body" (base64)}` on stdin → `{"answers": [{"id",
"releases", "skipped"} or {"id", "error", "message"}]}`: one process for the whole search.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Container
from typing import Any

from ..errors import ServiceError
from .items import Release
from .parse import parse_feed
from .torznab import refusal

PROGRESS_STEPS = 50


def read(data: bytes, content_type: str | None, url: str | None,
         known: Container[str] = frozenset(), progress: bool = False) -> dict[str, Any]:
    """What a feed (or a Torznab answer) yields, or its error, as JSON-ready data."""
    try:
        refused = refusal(data)
        if refused is not None:
            raise refused
        feed = parse_feed(data, content_type or None, url, known)
    except ServiceError as exc:
        return {"error": exc.code, "message": exc.message}
    return {
        "title": feed.title,
        "warning": feed.warning,
        "releases": _named(feed.releases, progress),
        "known": feed.known,
        "skipped": [{"title": s.title, "why": s.why} for s in feed.skipped],
    }


def _named(releases: list[Release], progress: bool) -> list[dict[str, Any]]:
    """The releases named, as JSON; with `progress`, a line on stderr every 2 %."""
    if not releases:
        return []
    from .names import named  # guessit: only when there are names to read

    step = max(len(releases) // PROGRESS_STEPS, 1)
    done = []
    for index, release in enumerate(releases, 1):
        done.append(named(release).to_json())
        if progress and (index % step == 0 or index == len(releases)):
            print(f"progress {index} {len(releases)}", file=sys.stderr, flush=True)
    return done


def main() -> int:
    if sys.argv[1:] == ["--answers"]:
        answers = [{"id": a["id"], **read(base64.b64decode(a["body"]), a.get("content_type"),
                                          a.get("url"))}
                   for a in json.load(sys.stdin.buffer)]
        json.dump({"answers": answers}, sys.stdout)
        return 0
    content_type = sys.argv[1] if len(sys.argv) > 1 else None
    feed_url = sys.argv[2] if len(sys.argv) > 2 else None
    known_file = os.environ.get("SWARMPLAYER_KNOWN_FILE")
    known: set[str] = set()
    if known_file:
        with open(known_file, encoding="utf-8") as lines:
            known = set(lines.read().split("\n"))
    json.dump(read(sys.stdin.buffer.read(), content_type, feed_url, known,
                   bool(os.environ.get("SWARMPLAYER_PROGRESS"))), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
