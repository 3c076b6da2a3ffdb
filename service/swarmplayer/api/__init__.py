"""The HTTP API (JSON, versioned under /api/v1) and the stream endpoint, as a WSGI app on
werkzeug (api/app.py)."""

from __future__ import annotations

import threading

from .. import web
from ..auth.pairing import Pairing
from ..auth.tokens import Devices, StreamSigner
from ..cache.janitor import Janitor
from ..config import Config
from ..engine.engine import Engine
from ..feeds.library import Library
from ..monitor import Governor
from ..plays import Plays
from ..prefetch import Prefetcher
from ..publishing.publisher import Publisher
from ..search.indexers import Indexers
from ..search.searcher import Searcher
from ..search.store import IndexerStore
from ..tv import TvLink
from . import (
    boxes,
    cache,
    episodes,
    events,
    feeds,
    health,
    indexers,
    info,
    pairing,
    player,
    plays,
    published,
    search,
    shows,
    stream,
    subscriptions,
    torrents,
)
from .app import App
from .auth import Gate
from .context import Shared
from .http import Route
from .limits import plan


def web_routes() -> list[Route]:
    """The phone page's files (web/): public, like everything in the "web" group."""
    return [
        Route("/", web.page, "GET", group="web"),
        Route("/pair", web.page, "GET", group="web"),
        Route("/manifest.webmanifest", web.manifest, "GET", group="web"),
        Route("/sw.js", web.service_worker, "GET", group="web"),
        Route("/static/<path:filename>", web.static, "GET", group="web"),
    ]


def create_app(engine: Engine, config: Config, *, janitor: Janitor | None = None,
               governor: Governor | None = None,
               library: Library | None = None, prefetcher: Prefetcher | None = None,
               publisher: Publisher | None = None, searcher: Searcher | None = None) -> App:
    """The service's WSGI app, given every component it serves (shared, not owned): an app
    without a janitor has no cache API, one without a governor reports no governor, one
    without a library no feeds, one without a publisher publishes nothing; without a prefetcher
    or a searcher, one of its own."""
    searcher = searcher or Searcher(IndexerStore(engine.store),
                                    library.feeds if library else None)
    shared = Shared(
        engine=engine, config=config, prefetcher=prefetcher or Prefetcher(engine, config),
        plays=Plays(engine.store), indexers=Indexers(searcher.indexers), searcher=searcher,
        devices=Devices(engine.store), stream_signer=StreamSigner(config.stream_link_seconds),
        pairing=Pairing(), tv=TvLink(), boxes=boxes.Finder(),
        event_streams=threading.BoundedSemaphore(events.MAX_STREAMS),
        slots=plan(config.http_threads), governor=governor, cache_janitor=janitor,
        feeds_library=library, folder_publisher=publisher)
    features = (pairing, player, boxes, events, info, torrents, stream, health, cache, plays,
                feeds, shows, episodes, subscriptions, indexers, search, published)
    routes = [*web_routes(), *(route for feature in features for route in feature.routes())]
    # issue 17: the one gate, before every view
    return App(routes, shared, Gate(config, shared.devices, shared.stream_signer))
