"""Poll each feed at its interval (jittered), back off exponentially on errors, and store what is
new. The only network code of the feeds package (through fetch.py)."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import ServiceError, one_line
from ..fetch import fetch
from ..periodic import Periodic
from .match import release_key
from .parse import ParsedFeed
from .store import FeedStore, PollResult
from .worker import parse_in_worker

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 8 << 20  # 20 000 items are ~4 MB; more is not a feed anyone should poll
FEED_DEADLINE = 30.0
ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
          "*/*;q=0.1")
JITTER = 0.1  # ±10 % of the interval, so feeds added together do not poll together
BACKOFF_FIRST = 60.0
BACKOFF_MAX = 6 * 3600.0
TICK_SECONDS = 20.0

Parser = Callable[..., ParsedFeed]


class Poller:
    """The periodic component: tick() polls every feed that is due; poll() one feed now."""

    def __init__(self, feeds: FeedStore, *, parse: Parser = parse_in_worker,
                 allow_local: bool = False, on_new: Callable[[list[int]], None] | None = None,
                 tick_seconds: float = TICK_SECONDS, rng: random.Random | None = None,
                 fetch_options: dict[str, Any] | None = None) -> None:
        self.feeds = feeds
        self.parse = parse
        self.allow_local = allow_local
        self.on_new = on_new
        self.rng = rng or random.Random()
        self.fetch_options = {"max_bytes": MAX_FEED_BYTES, "deadline": FEED_DEADLINE,
                              **(fetch_options or {})}
        self._timer = Periodic("feed-poller", tick_seconds, self.tick)
        self._polling = threading.Lock()  # one poll at a time: a worker process each

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def wake(self) -> None:
        self._timer.wake()

    def refresh(self, feed_id: int) -> None:
        """Poll this feed at the next tick, which starts now (POST /feeds/<id>/refresh)."""
        self.feeds.schedule(feed_id, time.time())
        self.wake()

    def tick(self) -> None:
        for feed_id in self.feeds.due(time.time()):
            self.poll(feed_id)

    def poll(self, feed_id: int) -> dict[str, Any]:
        """Fetch and read one feed now; its state afterwards (ok, or error with why)."""
        with self._polling:
            row = self.feeds.poll_state(feed_id)
            now = time.time()
            try:
                fetched = fetch(row["url"], etag=row["etag"], last_modified=row["last_modified"],
                                accept=ACCEPT, **self.fetch_options)
                if fetched.not_modified:
                    self.feeds.record_unchanged(feed_id, checked=now,
                                                next_check=self._next(row, now))
                    return self.feeds.feed(feed_id)
                parsed = self.parse(fetched.body, content_type=fetched.content_type,
                                    allow_local=self.allow_local)
            except ServiceError as exc:
                delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** row["failures"])
                log.info("feed %s: %s (next try in %.0f s)", feed_id, exc.message, delay)
                self.feeds.record_error(feed_id, one_line(exc.message), checked=now,
                                        next_check=now + delay)
                return self.feeds.feed(feed_id)
            known = self.feeds.known(feed_id, parsed.items)
            fresh = [i for i in parsed.items if release_key(i) not in known]
            new_episodes = self.feeds.ingest(feed_id, fresh)
            self.feeds.record_ok(
                feed_id, PollResult(parsed.title, len(fresh), parsed.skipped, parsed.warning),
                checked=now, next_check=self._next(row, now), etag=fetched.etag,
                last_modified=fetched.last_modified)
        if new_episodes and self.on_new:
            self.on_new(new_episodes)
        return self.feeds.feed(feed_id)

    def _next(self, row: Any, now: float) -> float:
        interval = row["interval_minutes"] * 60.0
        return now + interval * (1 + self.rng.uniform(-JITTER, JITTER))
