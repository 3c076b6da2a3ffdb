"""Feeds, shows, episodes, releases and subscriptions in SQLite (the service's one Store)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import NotFound
from ..store import Store
from .items import Release


def key(text: str) -> str:
    """Names that differ only in case, punctuation or spacing are the same name."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def episode_key(r: Release) -> str:
    if r.season is not None and r.episode is not None:
        return f"s{r.season:02d}e{r.episode:02d}"
    if r.air_date:
        return r.air_date
    if r.absolute is not None:
        return f"#{r.absolute}"
    if r.season is not None:
        return f"s{r.season:02d}"  # a season pack
    return "t:" + key(r.title)


def release_key(r: Release) -> str:
    return r.info_hash or "n:" + key(r.title)


def label(row: sqlite3.Row) -> str:
    if row["season"] is not None and row["episode"] is not None:
        return f"S{row['season']:02d}E{row['episode']:02d}"
    if row["air_date"]:
        return str(row["air_date"])
    if row["absolute"] is not None:
        return f"#{row['absolute']}"
    if row["season"] is not None:
        return f"Season {row['season']}"
    return str(row["title"] or "")


@dataclass(frozen=True)
class Page:
    rows: list[sqlite3.Row]
    total: int


class FeedStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ---- feeds -----------------------------------------------------------------------------
    def add_feed(self, url: str, title: str | None, interval_minutes: int) -> tuple[int, bool]:
        with self._store.tx() as db:
            row = db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
            if row:
                return int(row[0]), False
            cursor = db.execute(
                "INSERT INTO feeds (url, title, interval_minutes, next_check, created_at) "
                "VALUES (?, ?, ?, ?, ?)", (url, title, interval_minutes, time.time(), time.time()))
            return int(cursor.lastrowid or 0), True

    def feed(self, feed_id: int) -> sqlite3.Row:
        with self._store.read() as db:
            row = db.execute("SELECT * FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        if row is None:
            raise NotFound(f"no feed {feed_id}")
        return row

    def feeds(self, limit: int = 200, offset: int = 0) -> Page:
        with self._store.read() as db:
            rows = db.execute("SELECT * FROM feeds ORDER BY id LIMIT ? OFFSET ?",
                              (limit, offset)).fetchall()
            total = db.execute("SELECT COUNT(*) FROM feeds").fetchone()[0]
        return Page(rows, total)

    def remove_feed(self, feed_id: int) -> None:
        with self._store.tx() as db:
            if db.execute("DELETE FROM feeds WHERE id = ?", (feed_id,)).rowcount == 0:
                raise NotFound(f"no feed {feed_id}")

    def due(self, now: float) -> list[sqlite3.Row]:
        with self._store.read() as db:
            return db.execute("SELECT * FROM feeds WHERE next_check <= ? ORDER BY next_check",
                              (now,)).fetchall()

    def wake(self, feed_id: int) -> None:
        """Poll this feed at the next tick."""
        with self._store.tx() as db:
            db.execute("UPDATE feeds SET next_check = 0 WHERE id = ?", (feed_id,))

    def record_poll(self, feed_id: int, **values: Any) -> None:
        allowed = {"title", "state", "error", "last_checked", "next_check", "failures", "etag",
                   "last_modified", "items", "new_items", "skipped_items", "skipped", "warning",
                   "body_sha256"}
        if set(values) - allowed:
            raise ValueError(f"cannot record {sorted(set(values) - allowed)}")
        if "skipped" in values:
            values["skipped"] = json.dumps(values["skipped"])
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self._store.tx() as db:
            db.execute(f"UPDATE feeds SET {assignments} WHERE id = ?", (*values.values(), feed_id))

    def known(self, feed_id: int) -> set[str]:
        """The guids (else links) of the items this feed gave already."""
        with self._store.read() as db:
            rows = db.execute("SELECT COALESCE(guid, link) FROM releases WHERE feed_id = ?",
                              (feed_id,)).fetchall()
        return {r[0] for r in rows}

    # ---- releases → shows and episodes -------------------------------------------------------
    def add_releases(self, feed_id: int | None, releases: Iterable[Release]) -> list[int]:
        """Store what a feed gave; the ids of the episodes that are new."""
        new: list[int] = []
        with self._store.tx() as db:
            for r in releases:
                if not r.show:
                    continue
                show_id = self._show_id(db, r)
                ep_key = episode_key(r)
                row = db.execute("SELECT id FROM episodes WHERE show_id = ? AND key = ?",
                                 (show_id, ep_key)).fetchone()
                if row is None:
                    cursor = db.execute(
                        "INSERT INTO episodes (show_id, key, season, episode, air_date, "
                        "absolute, title, plot, artwork, published_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (show_id, ep_key, r.season, r.episode, r.air_date, r.absolute,
                         r.episode_title, r.plot, r.artwork, r.published_at))
                    episode_id = int(cursor.lastrowid or 0)
                    new.append(episode_id)
                else:
                    episode_id = int(row[0])
                db.execute(
                    "INSERT INTO releases (episode_id, feed_id, key, guid, title, link, "
                    "info_hash, resolution, source, size, seeders, grp, published_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE "
                    "SET seeders = COALESCE(excluded.seeders, seeders), "
                    "size = COALESCE(size, excluded.size)",
                    (episode_id, feed_id, release_key(r), r.guid or r.link, r.title, r.link,
                     r.info_hash, r.resolution, r.source, r.size, r.seeders, r.group,
                     r.published_at))
        return new

    @staticmethod
    def _show_id(db: sqlite3.Connection, r: Release) -> int:
        show = str(r.show)
        db.execute("INSERT INTO shows (title, key, artwork) VALUES (?, ?, ?) "
                   "ON CONFLICT(key) DO NOTHING", (show, key(show), r.artwork))
        return int(db.execute("SELECT id FROM shows WHERE key = ?", (key(show),)).fetchone()[0])

    # ---- shows -----------------------------------------------------------------------------
    _SHOW = """SELECT s.*, sub.id AS subscription_id,
        (SELECT COUNT(*) FROM episodes e WHERE e.show_id = s.id) AS episodes,
        (SELECT COUNT(*) FROM episodes e WHERE e.show_id = s.id AND e.watched = 0) AS unwatched,
        (SELECT MAX(published_at) FROM episodes e WHERE e.show_id = s.id) AS latest
        FROM shows s LEFT JOIN subscriptions sub ON sub.show_id = s.id"""

    def shows(self, subscribed: bool | None, query: str, limit: int, offset: int) -> Page:
        where, args = ["1"], []
        if subscribed is not None:
            where.append("sub.id IS NOT NULL" if subscribed else "sub.id IS NULL")
        if query:
            where.append("s.key LIKE ?")
            args.append(f"%{key(query)}%")
        sql = f"{self._SHOW} WHERE {' AND '.join(where)}"
        with self._store.read() as db:
            rows = db.execute(f"{sql} GROUP BY s.id ORDER BY latest DESC, s.title "
                              f"LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
            total = db.execute(f"SELECT COUNT(*) FROM ({sql} GROUP BY s.id)", args).fetchone()[0]
        return Page(rows, total)

    def show(self, show_id: int) -> sqlite3.Row:
        with self._store.read() as db:
            row = db.execute(f"{self._SHOW} WHERE s.id = ? GROUP BY s.id", (show_id,)).fetchone()
        if row is None:
            raise NotFound(f"no show {show_id}")
        return row

    def add_show(self, name: str) -> int:
        """A show subscribed to by name before any feed carried it."""
        with self._store.tx() as db:
            return self._show_id(db, Release(title=name, link="", show=name))

    def newest_episodes(self, sub: sqlite3.Row, count: int, published_by: float) -> list[int]:
        """The `count` newest episodes a subscription covers that were published by then (or
        undated), for its backfill."""
        if count <= 0:
            return []
        with self._store.read() as db:
            rows = db.execute(
                "SELECT e.id FROM episodes e WHERE (e.show_id = ? OR e.id IN (SELECT episode_id "
                "FROM releases WHERE feed_id = ?)) AND COALESCE(e.published_at, 0) <= ? "
                "ORDER BY e.published_at DESC, e.id DESC LIMIT ?",
                (sub["show_id"], sub["feed_id"], published_by, count)).fetchall()
        return [int(r[0]) for r in rows]

    def show_by_name(self, name: str) -> int | None:
        with self._store.read() as db:
            row = db.execute("SELECT id FROM shows WHERE key = ?", (key(name),)).fetchone()
        return int(row[0]) if row else None

    def seasons(self, show_id: int) -> list[sqlite3.Row]:
        with self._store.read() as db:
            return db.execute(
                "SELECT season, COUNT(*) AS episodes, SUM(watched = 0) AS unwatched "
                "FROM episodes WHERE show_id = ? GROUP BY season ORDER BY season",
                (show_id,)).fetchall()

    # ---- episodes --------------------------------------------------------------------------
    _EPISODE = """SELECT e.*, s.title AS show_title FROM episodes e
        JOIN shows s ON s.id = e.show_id"""
    _ORDER = "ORDER BY e.season, e.episode, e.air_date, e.absolute, e.published_at"

    def episodes(self, show_id: int, season: int | None, limit: int, offset: int) -> Page:
        where, args = "e.show_id = ?", [show_id]
        if season is not None:
            where += " AND e.season = ?"
            args.append(season)
        with self._store.read() as db:
            rows = db.execute(f"{self._EPISODE} WHERE {where} {self._ORDER} LIMIT ? OFFSET ?",
                              (*args, limit, offset)).fetchall()
            total = db.execute(f"SELECT COUNT(*) FROM episodes e WHERE {where}",
                               args).fetchone()[0]
        return Page(rows, total)

    def episode(self, episode_id: int) -> sqlite3.Row:
        with self._store.read() as db:
            row = db.execute(f"{self._EPISODE} WHERE e.id = ?", (episode_id,)).fetchone()
        if row is None:
            raise NotFound(f"no episode {episode_id}")
        return row

    def episode_list(self, which: str, limit: int, offset: int) -> Page:
        """continue: started and not finished, last played first; recent: newest first;
        next_up: per subscribed show, the first unwatched episode after its last watched one,
        shows with the newest episodes first."""
        if which == "next_up":
            return self._next_up(limit, offset)
        where, order = (("e.position > 0 AND e.watched = 0", "e.last_played_at DESC")
                        if which == "continue" else ("1", "e.published_at DESC"))
        with self._store.read() as db:
            rows = db.execute(f"{self._EPISODE} WHERE {where} ORDER BY {order} "
                              "LIMIT ? OFFSET ?", (limit, offset)).fetchall()
            total = db.execute(f"SELECT COUNT(*) FROM episodes e WHERE {where}").fetchone()[0]
        return Page(rows, total)

    def _next_up(self, limit: int, offset: int) -> Page:
        picks = list(self.next_up().values())
        return Page(picks[offset:offset + limit], len(picks))

    def next_up(self) -> dict[int, sqlite3.Row]:
        """Show id → its next-up episode, for the subscribed shows, the show with the newest
        episode first."""
        with self._store.read() as db:
            rows = db.execute(f"{self._EPISODE} WHERE e.show_id IN (SELECT show_id FROM "
                              f"subscriptions) {self._ORDER}").fetchall()
        by_show: dict[int, list[sqlite3.Row]] = {}
        for row in rows:
            by_show.setdefault(row["show_id"], []).append(row)
        picks = []
        for episodes in by_show.values():
            watched = [i for i, e in enumerate(episodes) if e["watched"]]
            after = episodes[watched[-1] + 1:] if watched else episodes
            pick = next((e for e in after if not e["watched"]), None)
            if pick is not None:
                picks.append((max(e["published_at"] or 0 for e in episodes), pick))
        picks.sort(key=lambda p: -p[0])
        return {pick["show_id"]: pick for _, pick in picks}

    def releases(self, episode_id: int) -> list[dict[str, Any]]:
        with self._store.read() as db:
            rows = db.execute("SELECT * FROM releases WHERE episode_id = ? ORDER BY id",
                              (episode_id,)).fetchall()
        return [dict(r) for r in rows]

    def release(self, release_id: int) -> sqlite3.Row:
        with self._store.read() as db:
            row = db.execute("SELECT * FROM releases WHERE id = ?", (release_id,)).fetchone()
        if row is None:
            raise NotFound(f"no release {release_id}")
        return row

    def set_played(self, episode_id: int, info_hash: str, file_index: int,
                   release_id: int) -> None:
        with self._store.tx() as db:
            db.execute("UPDATE episodes SET info_hash = ?, file_index = ?, release_id = ?, "
                       "last_played_at = ? WHERE id = ?",
                       (info_hash, file_index, release_id, time.time(), episode_id))

    def set_torrent(self, episode_id: int, info_hash: str | None, file_index: int | None,
                    release_id: int | None) -> None:
        """The torrent fetched for an episode (None: its data is gone)."""
        with self._store.tx() as db:
            db.execute("UPDATE episodes SET info_hash = ?, file_index = ?, release_id = ? "
                       "WHERE id = ?", (info_hash, file_index, release_id, episode_id))

    # ---- subscriptions ---------------------------------------------------------------------
    def add_subscription(self, values: dict[str, Any]) -> int:
        with self._store.tx() as db:
            cursor = db.execute(
                "INSERT INTO subscriptions (show_id, feed_id, qualities, min_size, max_size, "
                "min_seeders, backfill, action, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (values.get("show_id"), values.get("feed_id"), json.dumps(values["qualities"]),
                 values.get("min_size"), values.get("max_size"), values.get("min_seeders"),
                 values["backfill"], values["action"], time.time()))
            return int(cursor.lastrowid or 0)

    def update_subscription(self, sub_id: int, values: dict[str, Any]) -> None:
        self.subscription(sub_id)
        if "qualities" in values:
            values = {**values, "qualities": json.dumps(values["qualities"])}
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self._store.tx() as db:
            db.execute(f"UPDATE subscriptions SET {assignments} WHERE id = ?",
                       (*values.values(), sub_id))

    _SUB = """SELECT sub.*, s.title AS show_title FROM subscriptions sub
        LEFT JOIN shows s ON s.id = sub.show_id"""

    def subscription(self, sub_id: int) -> sqlite3.Row:
        with self._store.read() as db:
            row = db.execute(f"{self._SUB} WHERE sub.id = ?", (sub_id,)).fetchone()
        if row is None:
            raise NotFound(f"no subscription {sub_id}")
        return row

    def subscriptions(self, limit: int = 200, offset: int = 0) -> Page:
        with self._store.read() as db:
            rows = db.execute(f"{self._SUB} ORDER BY sub.id LIMIT ? OFFSET ?",
                              (limit, offset)).fetchall()
            total = db.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0]
        return Page(rows, total)

    def remove_subscription(self, sub_id: int) -> None:
        with self._store.tx() as db:
            if db.execute("DELETE FROM subscriptions WHERE id = ?", (sub_id,)).rowcount == 0:
                raise NotFound(f"no subscription {sub_id}")

    def subscriptions_for(self, episode_id: int) -> list[sqlite3.Row]:
        """The subscriptions that cover an episode: its show's, or its releases' feeds'."""
        with self._store.read() as db:
            return db.execute(
                "SELECT sub.* FROM subscriptions sub, episodes e WHERE e.id = ? AND "
                "(sub.show_id = e.show_id OR sub.feed_id IN "
                "(SELECT feed_id FROM releases WHERE episode_id = e.id))",
                (episode_id,)).fetchall()
