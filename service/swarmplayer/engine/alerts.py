"""One thread drains libtorrent's alerts and hands each to the handlers registered for its name."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from . import lt

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]


class AlertLoop:
    """Dispatches alerts by type name ('piece_finished_alert', …) on a single thread.

    Handlers run on this thread: they copy what they need and never block, because every other
    alert (and so every waiting stream reader) queues behind them.
    """

    def __init__(self, session: lt.Session, wait_ms: int = 250) -> None:
        self._session = session
        self._wait_ms = wait_ms
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, name: str, handler: Handler) -> None:
        self._handlers[name].append(handler)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="swarmplayer-alerts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread, then dispatch what came meanwhile (a last save_resume_data_alert)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():  # a handler hangs: never two dispatching threads
                log.error("the alert thread did not end")
                return
            self._thread = None
        self.drain()

    def drain(self) -> None:
        """Dispatch whatever alerts are pending now."""
        for alert in self._session.pop_alerts():
            for handler in self._handlers.get(lt.alert_name(alert), ()):
                try:
                    handler(alert)
                except Exception:  # a bad handler must not kill the one alert thread
                    log.exception("alert handler for %s failed", lt.alert_name(alert))

    def _run(self) -> None:
        while not self._stop.is_set():
            if lt.wait_for_alert(self._session, self._wait_ms):
                self.drain()
