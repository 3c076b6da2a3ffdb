"""Run a function every `interval` seconds on its own thread until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """The timer behind every periodic component (engine upkeep, feed poller, janitor, monitor).

    Components keep their work in a `tick()` that tests call directly; this only schedules it.
    """

    def __init__(self, name: str, interval: float, tick: Callable[[], None]) -> None:
        self.name = name
        self.interval = interval
        self._tick = tick
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name=f"swarmplayer-{self.name}",
                                        daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Tick now rather than at the end of the interval (safe from any thread)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        # Event.wait is the interval timer and the stop and wake signal: no sleep, prompt stop.
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self._tick()
            except Exception:
                log.exception("%s tick failed", self.name)
