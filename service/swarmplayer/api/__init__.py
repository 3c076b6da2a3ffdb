"""The HTTP API (JSON, versioned under /api/v1) and the stream endpoint, as a Flask app."""

from __future__ import annotations

from flask import Flask

from .. import web
from ..auth.tokens import Devices
from ..config import Config
from ..engine.engine import Engine
from . import auth, cache, errors, events, health, info, pairing, player, stream, torrents

MAX_UPLOAD_BYTES = 10 << 20


def create_app(engine: Engine, config: Config) -> Flask:
    """The service's WSGI app; the engine is shared, the app holds no other state."""
    app = Flask(__name__, static_folder=None)  # the page's files are web/static
    app.config.update(MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES)
    app.extensions["swarmplayer"] = {"engine": engine, "config": config}
    errors.register(app)
    auth.install(app, config, Devices(engine.store))  # issue 17: the one gate, before all
    app.register_blueprint(pairing.bp)
    player.register(app)
    events.register(app)
    app.register_blueprint(web.bp)
    app.register_blueprint(info.bp)
    app.register_blueprint(torrents.bp)
    app.register_blueprint(stream.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(cache.bp)
    return app
