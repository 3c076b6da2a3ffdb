"""`python -m swarmplayer.feeds.worker [CONTENT_TYPE [FEED_URL]]`: a feed on stdin → JSON out.

The poller runs this as a short-lived process, so feedparser's and guessit's memory (~20 MB)
is given back as soon as a poll has read its feed: the streaming service stays small.
Known items (their guids, one per line in $SWARMPLAYER_KNOWN_FILE) are left out before their
names are read: guessit is most of a poll's CPU (~6-9 ms an item on x86), so a poll with nothing
new does not even import it. With $SWARMPLAYER_PROGRESS set, it writes `progress DONE TOTAL`
lines to stderr while naming releases.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from ..errors import ServiceError
from .items import Release
from .parse import parse_feed

PROGRESS_STEPS = 50


def main() -> int:
    content_type = sys.argv[1] if len(sys.argv) > 1 else None
    feed_url = sys.argv[2] if len(sys.argv) > 2 else None
    known_file = os.environ.get("SWARMPLAYER_KNOWN_FILE")
    known: set[str] = set()
    if known_file:
        with open(known_file, encoding="utf-8") as lines:
            known = set(lines.read().split("\n"))
    try:
        feed = parse_feed(sys.stdin.buffer.read(), content_type or None, feed_url)
    except ServiceError as exc:
        json.dump({"error": exc.code, "message": exc.message}, sys.stdout)
        return 0
    fresh = [r for r in feed.releases if (r.guid or r.link) not in known]
    json.dump({
        "title": feed.title,
        "warning": feed.warning,
        "releases": _named(fresh, bool(os.environ.get("SWARMPLAYER_PROGRESS"))),
        "known": len(feed.releases) - len(fresh),
        "skipped": [{"title": s.title, "why": s.why} for s in feed.skipped],
    }, sys.stdout)
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
