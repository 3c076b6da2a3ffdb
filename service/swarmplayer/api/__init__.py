"""The HTTP API (JSON, versioned under /api/v1) and the stream endpoint, as a Flask app."""

from __future__ import annotations

from flask import Flask

from ..config import Config
from ..engine.engine import Engine
from . import cache, episodes, errors, feeds, health, info, shows, stream, subscriptions, torrents

MAX_UPLOAD_BYTES = 10 << 20


def create_app(engine: Engine, config: Config) -> Flask:
    """The service's WSGI app; the engine is shared, the app holds no other state."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES)
    app.extensions["swarmplayer"] = {"engine": engine, "config": config}
    errors.register(app)
    app.register_blueprint(info.bp)
    app.register_blueprint(torrents.bp)
    app.register_blueprint(stream.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(cache.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(shows.bp)
    app.register_blueprint(episodes.bp)
    app.register_blueprint(subscriptions.bp)
    return app
