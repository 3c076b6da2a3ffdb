"""One persistence worker: every resume-file and SQLite write of the engine, off the alert thread.

On an SD card an fsync takes from 100 ms to seconds. Alert handlers and stream readers must never
wait for one, so they hand writes to this worker's queue and go on; the worker runs them in the
order given, holding no engine lock. Resume data is coalesced per torrent: a save queued while an
older one waits replaces it, so a slow disk gets the newest data, not a backlog.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Job = Callable[[], Any]


class Persister:
    """A named thread (`swarmplayer-persist`) running write jobs in order; `stop()` drains it."""

    def __init__(self, save_resume: Callable[[str, bytes], None]) -> None:
        self._save_resume = save_resume
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._pending: dict[str, bytes] = {}  # info-hash → newest resume data not written yet
        self._lock = threading.Lock()  # a leaf: guards _pending only
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="swarmplayer-persist", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Run every job queued so far, then end the thread."""
        if self._thread is None:
            return
        self._jobs.put(None)
        self._thread.join()
        self._thread = None

    def submit(self, job: Job) -> None:
        """Run `job` on the worker, after everything queued before it."""
        if self._thread is None:  # not started (or stopped): the caller's thread does it
            self._call(job)
            return
        self._jobs.put(job)

    def call(self, job: Job) -> Any:
        """Run `job` on the worker after everything queued before it, and wait for its result
        (or exception). For callers that may block: API requests, never an alert handler."""
        if self._thread is None or threading.current_thread() is self._thread:
            return job()
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = job()
            except BaseException as exc:  # handed back to the caller
                outcome["error"] = exc
            finally:
                done.set()

        self._jobs.put(run)
        done.wait()
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    def save_resume(self, info_hash: str, data: bytes) -> None:
        """Write a torrent's resume data soon; a newer save before then replaces this one."""
        with self._lock:
            queued = info_hash in self._pending
            self._pending[info_hash] = data
        if not queued:
            self.submit(lambda: self._write_resume(info_hash))

    def forget(self, info_hash: str) -> None:
        """Drop a torrent's resume data not written yet (it is being removed)."""
        with self._lock:
            self._pending.pop(info_hash, None)

    def _write_resume(self, info_hash: str) -> None:
        with self._lock:
            data = self._pending.pop(info_hash, None)
        if data is not None:
            self._save_resume(info_hash, data)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            self._call(job)

    @staticmethod
    def _call(job: Job) -> None:
        try:
            job()
        except Exception:  # one failed write (a full disk) must not end the worker
            log.exception("a state write failed")
