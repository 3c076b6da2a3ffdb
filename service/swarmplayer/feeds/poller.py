"""Polls feeds on their intervals: fetch (conditional), parse in a worker process, store, and
act for subscriptions on the episodes that are new."""

from __future__ import annotations

import base64
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import fetch
from ..errors import ServiceError
from ..periodic import Periodic
from .items import Release
from .store import FeedStore

log = logging.getLogger(__name__)

FEED_MAX_BYTES = 8 << 20
WORKER_TIMEOUT = 120.0
MAX_BACKOFF = 24 * 3600.0
SKIPPED_SHOWN = 20
TICK_SECONDS = 30.0
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


class Poller:
    """A periodic component: `tick()` polls every feed that is due (tests call it directly)."""

    def __init__(self, feeds: FeedStore, on_new: Callable[[list[int]], None],
                 clock: Callable[[], float] = time.time) -> None:
        self.feeds = feeds
        self._on_new = on_new
        self._clock = clock
        self._timer = Periodic("feeds", TICK_SECONDS, self.tick)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def wake(self) -> None:
        self._timer.wake()

    def tick(self) -> None:
        for row in self.feeds.due(self._clock()):
            self.poll(row["id"])

    def poll(self, feed_id: int) -> None:
        """Read one feed now and record how it went."""
        row = self.feeds.feed(feed_id)
        now = self._clock()
        try:
            got = fetch.fetch(row["url"], max_bytes=FEED_MAX_BYTES, etag=row["etag"],
                              last_modified=row["last_modified"], accept=ACCEPT)
            if got.not_modified:
                self.feeds.record_poll(feed_id, state="ok", error=None, last_checked=now,
                                       next_check=self._next(row, now, 0), failures=0,
                                       new_items=0)
                return
            parsed = parse_in_worker(got.body, got.content_type, got.url,
                                     self.feeds.known(feed_id))
        except ServiceError as exc:
            failures = row["failures"] + 1
            log.warning("feed %s: %s", row["url"], exc.message)
            self.feeds.record_poll(feed_id, state="error", error=exc.message, last_checked=now,
                                   next_check=self._next(row, now, failures),
                                   failures=failures)
            return
        releases = [Release.from_json(r) for r in parsed["releases"]]
        new = self.feeds.add_releases(feed_id, releases)
        self.feeds.record_poll(
            feed_id, title=row["title"] or parsed["title"], state="ok", error=None,
            warning=parsed["warning"], last_checked=now, next_check=self._next(row, now, 0),
            failures=0, etag=got.etag, last_modified=got.last_modified,
            items=len(releases) + parsed["known"], new_items=len(releases),
            skipped_items=len(parsed["skipped"]), skipped=parsed["skipped"][:SKIPPED_SHOWN])
        if new:
            self._on_new(new)

    @staticmethod
    def _next(row: Any, now: float, failures: int) -> float:
        """The interval with ±10 % jitter (boxes subscribed to one feed do not all ask at
        once), doubled for each failure in a row, up to a day."""
        interval = row["interval_minutes"] * 60.0 * min(2 ** failures, MAX_BACKOFF)
        return now + min(interval, MAX_BACKOFF) * random.uniform(0.9, 1.1)


def parse_in_worker(data: bytes, content_type: str | None, url: str,
                    known: set[str]) -> dict[str, Any]:
    """Parse a feed in `python -m swarmplayer.feeds.worker` (feeds/worker.py says why)."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".known") as known_file:
        known_file.write("\n".join(sorted(known)))
        known_file.flush()
        answer = _run_worker([content_type or "", url], data, WORKER_TIMEOUT,
                             SWARMPLAYER_KNOWN_FILE=known_file.name)
    if "error" in answer:
        raise ServiceError(answer["message"], code=answer["error"])
    return answer


def parse_answers_in_worker(answers: list[dict[str, Any]],
                            timeout: float = WORKER_TIMEOUT) -> list[dict[str, Any]]:
    """Parse the indexers' answers to one search in one worker process: per answer
    (`{"id", "url", "content_type", "body"}`, body as bytes) its releases or its error."""
    given = [{**a, "body": base64.b64encode(a["body"]).decode()} for a in answers]
    return list(_run_worker(["--answers"], json.dumps(given).encode(), timeout)["answers"])


def _run_worker(args: list[str], data: bytes, timeout: float, **env_extra: str) -> dict[str, Any]:
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, **env_extra, "PYTHONPATH": os.pathsep.join(
        [package_root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    try:
        done = subprocess.run([sys.executable, "-m", "swarmplayer.feeds.worker", *args],
                              input=data, capture_output=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        raise ServiceError(f"reading the feed took over {timeout:g} s",
                           code="invalid_feed") from None
    if done.returncode != 0:
        log.error("feed worker failed: %s", done.stderr.decode(errors="replace")[-2000:])
        raise ServiceError("the feed could not be read (see the service log)",
                           code="invalid_feed")
    return dict(json.loads(done.stdout))
