"""The feeds component the service runs: stores, the poller, and what a subscription does with a
new episode (pick a release by its rules, then prefetch its head or download it whole)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..engine.engine import Engine
from ..errors import ServiceError
from ..sources import add_source
from ..store import Store
from .library import Library
from .match import pick, wanted
from .poller import Poller
from .store import FeedStore
from .subscriptions import Subscriptions, rules_of

log = logging.getLogger(__name__)

# The engine's head prefetch (info-hash → None), from the engine side of issue 15.
Prefetch = Callable[[str], None]


class _Release:
    """A stored release with the attributes match.pick() reads."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.title, self.info_hash = row["title"], row["info_hash"]
        self.size, self.seeders, self.resolution = row["size"], row["seeders"], row["resolution"]


class Feeds:
    def __init__(self, store: Store, engine: Engine | None, *, allow_local: bool = False,
                 prefetch: Prefetch | None = None) -> None:
        self.store = store
        self.engine = engine
        self.prefetch = prefetch
        self.feeds = FeedStore(store)
        self.library = Library(store)
        self.subscriptions = Subscriptions(store)
        self.poller = Poller(self.feeds, allow_local=allow_local, on_new=self.act_on)

    def start(self) -> None:
        self.poller.start()

    def stop(self) -> None:
        self.poller.stop()

    def subscribe(self, **given: Any) -> dict[str, Any]:
        """Add a subscription, and act on the last `backfill` episodes already known."""
        subscription = self.subscriptions.add(**given)
        if subscription["backfill"]:
            with self.store.read() as db:
                where, arg = (("show_id = ?", subscription["show_id"])
                              if subscription["show_id"] is not None else
                              ("id IN (SELECT r.episode_id FROM releases r JOIN feed_items f "
                               "ON f.release_id = r.id WHERE f.feed_id = ?)",
                               subscription["feed_id"]))
                rows = db.execute(f"SELECT id, first_seen FROM episodes WHERE {where} "
                                  "ORDER BY COALESCE(published_at, first_seen), id",
                                  (arg,)).fetchall()
            episodes = [(r["id"], r["first_seen"]) for r in rows]
            self.act_on(wanted(episodes, since=subscription["created_at"],
                               backfill=subscription["backfill"]))
        return subscription

    def act_on(self, episode_ids: list[int]) -> None:
        """New episodes: each one a subscription covers gets its pick, prefetched or fetched."""
        for episode_id in episode_ids:
            covering = self.subscriptions.covering(episode_id)
            if covering:
                try:
                    self._act(episode_id, covering[0])
                except ServiceError as exc:
                    log.info("episode %s: %s", episode_id, exc.message)
                    self._set(episode_id, prefetch="failed")

    def _act(self, episode_id: int, subscription: dict[str, Any]) -> None:
        episode = self.library.episode(episode_id)
        choice = pick((_Release(r) for r in episode["releases"]), rules_of(subscription))
        if choice is None:
            return
        self._set(episode_id, release_id=choice.row["id"], prefetch="queued")
        if self.engine is None:
            return
        if subscription["action"] == "download":
            added = add_source(self.engine, choice.row["link"], allowed_paths=())
            self.store.set_cache_flag(added.info_hash, "keep", True)
            self._set(episode_id, info_hash=added.info_hash)
        elif self.prefetch is not None:
            added = add_source(self.engine, choice.row["link"], allowed_paths=())
            self._set(episode_id, info_hash=added.info_hash, prefetch="fetching")
            self.prefetch(added.info_hash)
        # Without the engine's head prefetch the episode stays "queued": adding the torrent
        # alone would download it whole.

    def _set(self, episode_id: int, **values: Any) -> None:
        with self.store.tx() as db:
            db.execute(f"UPDATE episodes SET {', '.join(f'{k} = ?' for k in values)} "
                       "WHERE id = ?", (*values.values(), episode_id))
