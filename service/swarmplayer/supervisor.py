"""Start the service's components in dependency order; stop them in reverse."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from waitress.server import create_server

from .api import create_app
from .config import Config
from .engine.engine import Engine
from .store import Store

log = logging.getLogger(__name__)


class Service:
    """Store → engine → HTTP server. One per process; `stop()` is safe to call twice."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store(config.db_path)
        self.engine = Engine(config, self.store)
        self.app = create_app(self.engine, config)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host = self.config.http_host
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        return f"http://{host}:{self._server.effective_port}"

    def start(self) -> Service:
        self.engine.start()
        self._server = create_server(
            self.app,
            host=self.config.http_host,
            port=self.config.http_port,
            threads=self.config.http_threads,
            # Lets a waiting stream reader notice its client went away and free its thread.
            channel_request_lookahead=1,
            ident="SwarmPlayer",
            clear_untrusted_proxy_headers=True,
        )
        self._thread = threading.Thread(target=self._server.run, name="swarmplayer-http",
                                        daemon=True)
        self._thread.start()
        log.info("serving on %s", self.url)
        return self

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._server is not None:
            self._server.close()
            # waitress has no public shutdown: close the open channels so its loop ends.
            for channel in list(self._server._map.values()):
                channel.close()
            self._server.task_dispatcher.shutdown(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.engine.stop()
        self.store.close()

    def run_until_signal(self) -> None:
        """Block until SIGTERM or SIGINT, then stop cleanly (resume data written)."""
        done = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: done.set())
        done.wait()
        log.info("stopping")
        self.stop()
