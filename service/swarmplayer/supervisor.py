"""Start the service's components in dependency order; stop them in reverse."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from . import profiles
from .cache.janitor import Janitor
from .config import Config
from .engine.engine import Engine
from .feeds.library import Library
from .identity import box_id, friendly_name
from .monitor import Governor, PsutilReader, SystemReader
from .prefetch import Prefetcher
from .publishing.publisher import Publisher
from .search.searcher import Searcher
from .search.store import IndexerStore
from .search.watcher import Watcher
from .seeding import Seeder
from .store import Store

log = logging.getLogger(__name__)

# Open HTTP connections at once (players keep theirs alive; phones and Kodi add a few each).
HTTP_CONNECTIONS = 400


class _EarlyCloseAtDebug(logging.Filter):
    """waitress warns "application returned too few bytes … for specified Content-Length" when
    a stream's body ends short: a player (ffmpeg probing, a seek) closed its connection, or a
    piece did not come in time (said at info level by api/stream.py). Normal, so at debug level:
    it must not land in the user's terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and "too few bytes" in str(record.msg):
            log.debug("waitress: " + str(record.msg), *record.args)
            return False
        return True


_WAITRESS_FILTER = _EarlyCloseAtDebug()


class Service:
    """Store → engine → cache janitor, seeding policy, governor → feeds, publisher → HTTP
    server. One per process; `stop()` is safe to call twice. `system_reader` replaces psutil
    (tests: a fake one)."""

    def __init__(self, config: Config, system_reader: SystemReader | None = None) -> None:
        self.config = config
        self.store = Store(config.db_path)
        self.engine = Engine(config, self.store)
        reader = system_reader or PsutilReader(config.cache_dir)
        self.profile = profiles.resolve(config.governor_profile, reader.machine(), config.tuning,
                                        config.connections_limit)
        self.janitor = Janitor(config, self.engine, self.store)
        self.seeder = Seeder(config, self.engine, self.store, self.profile)
        self.governor = Governor(config, self.engine, self.profile, reader)
        logging.getLogger("waitress").addFilter(_WAITRESS_FILTER)  # once: filters are a set
        self.prefetcher = Prefetcher(self.engine, config)
        self.library = Library(self.engine, self.store, self.prefetcher)
        self.publisher = Publisher(config, self.engine, self.store)
        self.searcher = Searcher(IndexerStore(self.store), self.library.feeds)
        self.watcher = Watcher(self.searcher, self.library)  # subscribed shows on indexers
        self.app: Any = None  # the API's WSGI app, made by start()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self.advertiser: Any = None  # discovery's advertiser, while announcing

    @property
    def url(self) -> str:
        host = self.config.http_host
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        return f"http://{host}:{self._server.effective_port}"

    def start(self, prime: Callable[[Engine], object] | None = None) -> Service:
        """Start every component; `prime` runs on the started engine before the API loads
        (cold `swarmplayer play` adds its torrent there: its tracker is asked and its origins
        dialled while the API's modules import)."""
        self.engine.start()
        # The governor first: the profile's limits are in force before anything else runs.
        self.governor.start()
        if prime is not None:
            prime(self.engine)
        from .api import create_app  # after the engine, which needs none of it

        self.app = create_app(self.engine, self.config, janitor=self.janitor,
                              governor=self.governor, library=self.library,
                              prefetcher=self.prefetcher, publisher=self.publisher,
                              searcher=self.searcher)
        self.janitor.start()
        self.seeder.start()
        self.prefetcher.start()
        self.library.start()
        self.publisher.start()
        self.watcher.start()
        self._server = create_server(
            self.app,
            host=self.config.http_host,
            port=self.config.http_port,
            threads=self.config.http_threads,
            # Lets a waiting stream reader notice its client went away and free its thread.
            channel_request_lookahead=1,
            # A stream response waits when the player has 256 KiB unread, instead of buffering
            # 16 MiB ahead: the scheduler's window then follows the real playhead (8 viewers
            # racing their windows ahead each pulled the origin's pieces: stalls), and memory
            # stays small (footprint bench: 1 MiB → 256 KiB took ~1.5 MB off the streaming
            # peak and ~10 % off its CPU, the buffer no longer growing and shrinking).
            outbuf_high_watermark=256 << 10,
            ident="SwarmPlayer",
            clear_untrusted_proxy_headers=True,
            # Idle sockets hold no thread, but past connection_limit waitress stops accepting:
            # room for many, and idle ones closed after 30 s (not 120), so a pile of silent
            # sockets cannot shut the API out for long.
            connection_limit=HTTP_CONNECTIONS,
            channel_timeout=30,
        )
        self._thread = threading.Thread(target=self._server.run, name="swarmplayer-http",
                                        daemon=True)
        self._thread.start()
        log.info("serving on %s", self.url)
        if self.config.discovery:  # issue 17: announced once it answers
            from .discovery import advertiser  # zeroconf costs ~5 MB: only when wanted

            self.advertiser = advertiser(friendly_name(self.config.friendly_name),
                                         box_id(self.config.data_dir),
                                         int(self._server.effective_port),
                                         self.config.discovery_backend)
        return self

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.advertiser is not None:
            self.advertiser.stop()  # goodbye first: phones drop the box before it goes
        if self._server is not None and self._thread is not None:
            _shut_down(self._server, self._thread)
        self.publisher.stop()
        self.watcher.stop()
        self.library.stop()
        self.prefetcher.stop()
        self.seeder.stop()
        self.janitor.stop()
        self.governor.stop()
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


def _shut_down(server: Any, loop: threading.Thread) -> None:
    """Stop a waitress server whose loop runs on another thread (waitress has no public way).

    Its socket map belongs to that loop: closing sockets from here races its select() and
    kills the loop with EBADF. So the closing runs on the loop thread (a trigger thunk), which
    also takes the trigger out of the map, so the loop ends; the workers finish; the trigger,
    which they pull when they do, is closed last.
    """

    def hang_up() -> None:
        for dispatcher in list(server._map.values()):
            if isinstance(dispatcher, HTTPChannel):
                dispatcher.handle_close()  # also wakes a worker waiting to write to it
            elif dispatcher is server:
                # The listening socket, no new connections (the server's own close() would
                # take the trigger with it, which the workers still need).
                wasyncore.dispatcher.close(server)
        server.trigger.del_channel()

    server.trigger.pull_trigger(hang_up)
    loop.join(timeout=10)
    # Open requests end now: a waiting stream reader sees its client gone within a second.
    server.task_dispatcher.shutdown(timeout=5)
    server.trigger.close()
