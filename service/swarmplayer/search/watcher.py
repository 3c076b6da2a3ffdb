"""Subscribed shows searched on the indexers now and then: what they find goes into the
library as a feed's items do, so a show subscribed by name (found by search, carried by no
feed) gets its new episodes fetched by the subscription's rules."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import quote

from .. import malloc
from ..feeds.items import Release
from ..feeds.library import Library
from ..feeds.store import key
from ..periodic import Periodic
from .searcher import Query, Searcher
from .secret import MASK

log = logging.getLogger(__name__)

# Each subscribed show is searched this often: indexers limit how often they may be asked.
WATCH_INTERVAL = 30 * 60.0
TICK_SECONDS = 60.0  # a new subscription is searched within a minute
SUBSCRIPTIONS = 10_000


class Watcher:
    """A periodic component: `tick()` searches the subscribed shows that are due."""

    def __init__(self, searcher: Searcher, library: Library, interval: float = WATCH_INTERVAL,
                 clock: Callable[[], float] = time.time) -> None:
        self._searcher = searcher
        self._library = library
        self.interval = interval
        self._clock = clock
        self._searched: dict[int, float] = {}  # show id → when its last search was
        self._lock = threading.Lock()  # a tick at a time (the timer's, a test's)
        self._timer = Periodic("indexer-watch", TICK_SECONDS, self.tick)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def tick(self) -> None:
        with self._lock:
            if not self._searcher.indexers.all():
                return
            for sub in self._library.feeds.subscriptions(SUBSCRIPTIONS).rows:
                show_id, now = sub["show_id"], self._clock()
                if show_id is None or now - self._searched.get(show_id, 0.0) < self.interval:
                    continue
                self._searched[show_id] = now
                self.watch(sub["show_title"], sub["created_at"])

    def watch(self, title: str, since: float) -> list[int]:
        """Search one show; store what was found; act on the new episodes published after
        `since` (the subscription's start: the older ones are there to be picked, not
        fetched). The ids of the episodes acted on."""
        started = time.time()  # a search is a poll: new to the subscriptions made before it
        found, _ = self._searcher.find(Query(title))
        wanted = key(title)
        releases = [playable(f.release) for f in found if key(f.release.show or "") == wanted]
        kept = [r for r in releases if r is not None]
        feeds = self._library.feeds
        new = feeds.add_releases(None, kept)
        fresh = [e for e in new if (feeds.episode(e)["published_at"] or 0.0) > since]
        log.info("indexers: %s: %d releases, %d new episodes, %d to fetch (%d without a "
                 "usable link)", title, len(kept), len(new), len(fresh),
                 len(releases) - len(kept))
        del found, releases, kept
        malloc.trim()
        if fresh:
            self._library.on_new_episodes(fresh, started)
        return fresh


def playable(release: Release) -> Release | None:
    """The release with a link the library can use unattended: one whose key was masked (an
    indexer's download link) becomes a magnet of its info-hash; without one it is left out."""
    if f"={MASK}" not in release.link:
        return release
    if not release.info_hash:
        return None
    magnet = f"magnet:?xt=urn:btih:{release.info_hash}&dn={quote(release.title)}"
    return dataclasses.replace(release, link=magnet, guid=release.guid or release.title)
