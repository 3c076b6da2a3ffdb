"""The app's shared objects, for blueprints."""

from __future__ import annotations

from flask import current_app

from ..cache.janitor import Janitor
from ..config import Config
from ..engine.engine import Engine
from ..errors import Unavailable
from ..feeds.library import Library
from ..monitor import Governor
from ..plays import Plays
from ..prefetch import Prefetcher
from ..search.indexers import Indexers
from ..search.searcher import Searcher


def engine() -> Engine:
    return current_app.extensions["swarmplayer"]["engine"]


def config() -> Config:
    return current_app.extensions["swarmplayer"]["config"]


def janitor() -> Janitor:
    """The cache janitor (an app built without one has no cache API)."""
    found = current_app.extensions["swarmplayer"].get("janitor")
    if found is None:
        raise Unavailable("the cache janitor is not running")
    return found


def library() -> Library:
    """The feeds component (shows, episodes, subscriptions)."""
    found = current_app.extensions["swarmplayer"].get("library")
    if found is None:
        raise Unavailable("the feeds are not running")
    return found


def prefetcher() -> Prefetcher:
    return current_app.extensions["swarmplayer"]["prefetcher"]


def plays() -> Plays:
    return current_app.extensions["swarmplayer"]["plays"]


def governor() -> Governor | None:
    return current_app.extensions["swarmplayer"].get("governor")


def indexers() -> Indexers:
    return current_app.extensions["swarmplayer"]["indexers"]


def searcher() -> Searcher:
    return current_app.extensions["swarmplayer"]["searcher"]
