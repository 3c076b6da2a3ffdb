"""The app's shared objects, for blueprints."""

from __future__ import annotations

from flask import current_app

from ..config import Config
from ..engine.engine import Engine


def engine() -> Engine:
    return current_app.extensions["swarmplayer"]["engine"]


def config() -> Config:
    return current_app.extensions["swarmplayer"]["config"]
