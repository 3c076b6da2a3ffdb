"""Feeds, their items turned into shows/episodes/releases, and subscriptions, in the service's
SQLite database (through Store.tx()/Store.read(); the tables are migration step 2)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import NotFound
from ..store import Store
from .match import label, normal_title, release_key, show_key
from .parse import Item, Skipped

SKIPPED_KEPT = 20


@dataclass
class PollResult:
    """What one poll of a feed found, for the feed's state."""

    title: str | None
    new_items: int
    skipped: list[Skipped]
    warning: str | None = None


def feed_json(row: sqlite3.Row, items: int) -> dict[str, Any]:
    return {"id": row["id"], "url": row["url"], "title": row["title"], "state": row["state"],
            "error": row["error"], "last_checked": row["last_checked"],
            "next_check": row["next_check"], "interval_minutes": row["interval_minutes"],
            "items": items, "new_items": row["new_items"], "skipped_items": row["skipped_items"],
            "skipped": json.loads(row["skipped"])}


class FeedStore:
    """Data access for feeds and what they carry."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- feeds
    def add_feed(self, url: str, title: str | None = None,
                 interval_minutes: int = 15) -> tuple[dict[str, Any], bool]:
        """The feed for `url` and whether it is new (an existing one is returned unchanged)."""
        with self.store.tx() as db:
            row = db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
            if row:
                feed_id, created = row["id"], False
            else:
                now = time.time()
                feed_id = db.execute(
                    "INSERT INTO feeds (url, title, added_at, interval_minutes, next_check) "
                    "VALUES (?, ?, ?, ?, ?)", (url, title, now, interval_minutes, now)).lastrowid
                created = True
        return self.feed(feed_id), created

    def feed(self, feed_id: int) -> dict[str, Any]:
        with self.store.read() as db:
            row = db.execute("SELECT * FROM feeds WHERE id = ?", (feed_id,)).fetchone()
            if not row:
                raise NotFound(f"no feed {feed_id}")
            return feed_json(row, self._items(db, feed_id))

    def feeds(self, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        with self.store.read() as db:
            rows = db.execute("SELECT * FROM feeds ORDER BY id LIMIT ? OFFSET ?",
                              (limit, offset)).fetchall()
            total = db.execute("SELECT COUNT(*) FROM feeds").fetchone()[0]
            return [feed_json(r, self._items(db, r["id"])) for r in rows], total

    @staticmethod
    def _items(db: sqlite3.Connection, feed_id: int) -> int:
        return db.execute("SELECT COUNT(*) FROM feed_items WHERE feed_id = ?",
                          (feed_id,)).fetchone()[0]

    def poll_state(self, feed_id: int) -> sqlite3.Row:
        """The feed's row: url, validators, failures, interval (what a poll needs)."""
        with self.store.read() as db:
            row = db.execute("SELECT * FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        if not row:
            raise NotFound(f"no feed {feed_id}")
        return row

    def remove_feed(self, feed_id: int) -> None:
        """The feed, its subscription and its item list go; shows and episodes stay."""
        with self.store.tx() as db:
            if not db.execute("DELETE FROM feeds WHERE id = ?", (feed_id,)).rowcount:
                raise NotFound(f"no feed {feed_id}")
            db.execute("DELETE FROM feed_items WHERE feed_id = ?", (feed_id,))
            db.execute("DELETE FROM subscriptions WHERE feed_id = ?", (feed_id,))
            db.execute("UPDATE releases SET feed_id = NULL WHERE feed_id = ?", (feed_id,))

    def due(self, now: float) -> list[int]:
        with self.store.read() as db:
            rows = db.execute("SELECT id FROM feeds WHERE next_check IS NULL OR next_check <= ? "
                              "ORDER BY next_check", (now,)).fetchall()
        return [r["id"] for r in rows]

    def schedule(self, feed_id: int, when: float) -> None:
        with self.store.tx() as db:
            db.execute("UPDATE feeds SET next_check = ? WHERE id = ?", (when, feed_id))

    def record_ok(self, feed_id: int, result: PollResult, *, checked: float, next_check: float,
                  etag: str | None, last_modified: str | None) -> None:
        skipped = [{"title": s.title, "why": s.why} for s in result.skipped[:SKIPPED_KEPT]]
        with self.store.tx() as db:
            db.execute(
                "UPDATE feeds SET state = 'ok', error = ?, failures = 0, last_checked = ?, "
                "next_check = ?, etag = ?, last_modified = ?, new_items = ?, skipped_items = ?, "
                "skipped = ?, title = COALESCE(title, ?) WHERE id = ?",
                (result.warning, checked, next_check, etag, last_modified, result.new_items,
                 len(result.skipped), json.dumps(skipped), result.title, feed_id))

    def record_unchanged(self, feed_id: int, *, checked: float, next_check: float) -> None:
        with self.store.tx() as db:
            db.execute("UPDATE feeds SET state = 'ok', error = NULL, failures = 0, new_items = 0, "
                       "last_checked = ?, next_check = ? WHERE id = ?",
                       (checked, next_check, feed_id))

    def record_error(self, feed_id: int, message: str, *, checked: float,
                     next_check: float) -> None:
        with self.store.tx() as db:
            db.execute("UPDATE feeds SET state = 'error', error = ?, failures = failures + 1, "
                       "last_checked = ?, next_check = ? WHERE id = ?",
                       (message, checked, next_check, feed_id))

    # -- items
    def known(self, feed_id: int | None, items: Iterable[Item]) -> set[str]:
        """The release keys among `items` this feed has carried before."""
        keys = [release_key(i) for i in items]
        if feed_id is None or not keys:
            return set()
        with self.store.read() as db:
            rows = db.execute(
                "SELECT r.key FROM releases r JOIN feed_items f ON f.release_id = r.id "
                "WHERE f.feed_id = ?", (feed_id,)).fetchall()
        return {r["key"] for r in rows} & set(keys)

    def ingest(self, feed_id: int | None, items: Iterable[Item]) -> list[int]:
        """Store each item as a release of its episode of its show; the ids of the episodes
        that are new. A release already there (same info-hash or name) is not added twice."""
        now = time.time()
        new_episodes: list[int] = []
        with self.store.tx() as db:
            for item in items:
                key = release_key(item)
                row = db.execute("SELECT id FROM releases WHERE key = ?", (key,)).fetchone()
                if row:
                    release_id = row["id"]
                else:
                    episode_id, created = _episode(db, item, now)
                    if created:
                        new_episodes.append(episode_id)
                    release_id = db.execute(
                        "INSERT INTO releases (episode_id, key, title, resolution, source, size,"
                        " seeders, info_hash, group_name, link, feed_id, published_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (episode_id, key, item.title, item.resolution, item.source, item.size,
                         item.seeders, item.info_hash, item.group, item.link, feed_id,
                         item.published_at)).lastrowid
                if feed_id is not None:
                    db.execute("INSERT OR IGNORE INTO feed_items (feed_id, release_id) "
                               "VALUES (?, ?)", (feed_id, release_id))
        return new_episodes


def _episode(db: sqlite3.Connection, item: Item, now: float) -> tuple[int, bool]:
    """The id of the item's episode (made, with its show, when new) and whether it was made."""
    show_title = item.show_title or item.title
    key = show_key(show_title) or normal_title(item.title)
    show = db.execute("SELECT id FROM shows WHERE key = ?", (key,)).fetchone()
    published = item.published_at or now
    if show:
        show_id = show["id"]
        db.execute("UPDATE shows SET latest = MAX(COALESCE(latest, 0), ?) WHERE id = ?",
                   (published, show_id))
    else:
        show_id = db.execute("INSERT INTO shows (key, title, latest) VALUES (?, ?, ?)",
                             (key, show_title, published)).lastrowid
    episode_key = label(item) or f"name:{normal_title(item.title)}"
    row = db.execute("SELECT id FROM episodes WHERE show_id = ? AND key = ?",
                     (show_id, episode_key)).fetchone()
    if row:
        return row["id"], False
    episode_id = db.execute(
        "INSERT INTO episodes (show_id, key, season, episode, air_date, absolute, published_at, "
        "first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (show_id, episode_key, item.season, item.episode, item.air_date, item.absolute,
         item.published_at, now)).lastrowid
    return episode_id, True
