"""Polls feeds on their intervals: fetch (conditional), parse in a worker process, store, and
act for subscriptions on the episodes that are new."""

from __future__ import annotations

import base64
import json
import logging
import os
import random
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

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


def parse_in_worker(data: bytes, content_type: str | None, url: str | None, known: set[str],
                    progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Parse a feed in `python -m swarmplayer.feeds.worker` (feeds/worker.py says why);
    `progress(done, total)` is called as it names the releases."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".known") as known_file:
        known_file.write("\n".join(sorted(known)))
        known_file.flush()
        answer = _run_worker([content_type or "", url or ""], data, WORKER_TIMEOUT, progress,
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


def _run_worker(args: list[str], data: bytes, timeout: float,
                progress: Callable[[int, int], None] | None = None,
                **env_extra: str) -> dict[str, Any]:
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, **env_extra, "PYTHONPATH": os.pathsep.join(
        [package_root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    if progress is not None:
        env["SWARMPLAYER_PROGRESS"] = "1"
    # Files for the input and the answer: only stderr is a pipe, read here as progress comes.
    with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as answer:
        given.write(data)
        given.seek(0)
        worker = subprocess.Popen([sys.executable, "-m", "swarmplayer.feeds.worker", *args],
                                  stdin=given, stdout=answer, stderr=subprocess.PIPE, env=env)
        errors = _follow(worker, progress, timeout)
        answer.seek(0)
        out = answer.read()
    if worker.returncode != 0:
        log.error("feed worker failed: %s", errors.decode(errors="replace")[-2000:])
        raise ServiceError("the feed could not be read (see the service log)",
                           code="invalid_feed")
    return dict(json.loads(out))


def _follow(worker: subprocess.Popen[bytes], progress: Callable[[int, int], None] | None,
            timeout: float) -> bytes:
    """Read the worker's stderr until it exits (killed after `timeout` s): its progress lines
    go to `progress`, the rest is returned."""
    end = time.monotonic() + timeout
    assert worker.stderr is not None
    pending, other = b"", bytearray()
    with worker.stderr, selectors.DefaultSelector() as selector:
        selector.register(worker.stderr, selectors.EVENT_READ)
        while True:
            left = end - time.monotonic()
            if left <= 0 or not selector.select(left):
                _late(worker, timeout)
            chunk = os.read(worker.stderr.fileno(), 65536)
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                words = line.split()
                if progress and len(words) == 3 and words[0] == b"progress":
                    progress(int(words[1]), int(words[2]))
                else:
                    other += line + b"\n"
    try:
        worker.wait(max(end - time.monotonic(), 1.0))
    except subprocess.TimeoutExpired:
        _late(worker, timeout)
    return bytes(other + pending)


def _late(worker: subprocess.Popen[bytes], timeout: float) -> NoReturn:
    worker.kill()
    worker.wait()
    raise ServiceError(f"parsing took over {timeout:g} s", code="invalid_feed")
