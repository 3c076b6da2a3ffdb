"""The HTTP API (JSON, versioned under /api/v1) and the stream endpoint, as a Flask app."""

from __future__ import annotations

from flask import Flask

from .. import web
from ..auth.tokens import Devices
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
from . import (
    auth,
    boxes,
    cache,
    episodes,
    errors,
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

MAX_UPLOAD_BYTES = 10 << 20


def create_app(engine: Engine, config: Config, *, janitor: Janitor | None = None,
               governor: Governor | None = None,
               library: Library | None = None, prefetcher: Prefetcher | None = None,
               publisher: Publisher | None = None, searcher: Searcher | None = None) -> Flask:
    """The service's WSGI app, given every component it serves (shared, not owned): an app
    without a janitor has no cache API, one without a governor reports no governor, one
    without a library no feeds, one without a publisher publishes nothing; without a prefetcher
    or a searcher, one of its own."""
    app = Flask(__name__, static_folder=None)  # the page's files are web/static
    app.config.update(MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES)
    app.extensions["swarmplayer"] = {
        "engine": engine, "config": config, "janitor": janitor, "governor": governor,
        "library": library, "prefetcher": prefetcher or Prefetcher(engine, config),
        "plays": Plays(engine.store), "publisher": publisher}
    searcher = searcher or Searcher(IndexerStore(engine.store),
                                    library.feeds if library else None)
    app.extensions["swarmplayer"].update(indexers=Indexers(searcher.indexers),
                                         searcher=searcher)
    errors.register(app)
    auth.install(app, config, Devices(engine.store))  # issue 17: the one gate, before all
    app.register_blueprint(pairing.bp)
    player.register(app)
    boxes.register(app)
    events.register(app)
    app.register_blueprint(web.bp)
    app.register_blueprint(info.bp)
    app.register_blueprint(torrents.bp)
    app.register_blueprint(stream.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(cache.bp)
    for feature in (plays, feeds, shows, episodes, subscriptions, indexers, search):
        app.register_blueprint(feature.bp)
    app.register_blueprint(published.bp)
    app.register_blueprint(published.feeds_bp)
    return app
