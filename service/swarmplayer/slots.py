"""A fixed number of slots for work that holds a request thread for long (a URL fetch, a
stream): when all are taken, the next asker gets a 503 "busy" at once instead of a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import Busy


class Slots:
    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.what = what
        self._free = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._taken = 0

    @property
    def in_use(self) -> int:
        return self._taken

    def take(self) -> None:
        """Take a slot, or raise Busy when none is free (never waits)."""
        if not self._free.acquire(blocking=False):
            raise Busy(f"{self.limit} {self.what} are going on already: try again in a moment")
        with self._lock:
            self._taken += 1

    def give_back(self) -> None:
        with self._lock:
            self._taken -= 1
        self._free.release()

    @contextmanager
    def held(self) -> Iterator[None]:
        self.take()
        try:
            yield
        finally:
            self.give_back()
