"""The app's shared objects, for blueprints."""

from __future__ import annotations

from flask import current_app

from ..cache.janitor import Janitor
from ..config import Config
from ..engine.engine import Engine
from ..errors import Unavailable
from ..feeds.service import Feeds
from ..monitor import Governor


def engine() -> Engine:
    return current_app.extensions["swarmplayer"]["engine"]


def config() -> Config:
    return current_app.extensions["swarmplayer"]["config"]


def janitor() -> Janitor:
    """The cache janitor; set by the Service (an app built without one has no cache API)."""
    found = current_app.extensions["swarmplayer"].get("janitor")
    if found is None:
        raise Unavailable("the cache janitor is not running")
    return found


def governor() -> Governor | None:
    return current_app.extensions["swarmplayer"].get("governor")


def feeds() -> Feeds:
    """The feeds component; set by the Service (an app built without one has no feeds API)."""
    found = current_app.extensions["swarmplayer"].get("feeds")
    if found is None:
        raise Unavailable("feeds are not running")
    return found
