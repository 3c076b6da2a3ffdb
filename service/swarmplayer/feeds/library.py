"""Shows, episodes and their releases as the API shows them (contract: Show, Episode, Release),
episode lists (next up, continue, recent) and play progress."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from ..errors import NotFound
from ..store import Store

WATCHED_FRACTION = 0.9
_EPISODE_ORDER = "COALESCE(e.season, 0), e.episode, e.air_date, e.absolute, e.id"
_EPISODE_SELECT = ("SELECT e.*, s.title AS show_title FROM episodes e "
                   "JOIN shows s ON s.id = e.show_id")


def release_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "title": row["title"], "resolution": row["resolution"],
            "source": row["source"], "size": row["size"], "seeders": row["seeders"],
            "info_hash": row["info_hash"], "group": row["group_name"], "link": row["link"],
            "feed_id": row["feed_id"], "published_at": row["published_at"]}


def _label(row: sqlite3.Row) -> str:
    if row["episode"] is not None:
        return f"S{row['season'] or 0:02d}E{row['episode']:02d}"
    if row["air_date"]:
        return row["air_date"]
    if row["absolute"] is not None:
        return f"#{row['absolute']}"
    return row["title"] or row["key"].removeprefix("name:")


class Library:
    """Reads of shows and episodes, and the writes a player makes (progress, last played)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def episode_json(self, db: sqlite3.Connection, row: sqlite3.Row,
                     releases: bool = True) -> dict[str, Any]:
        episode = {
            "id": row["id"], "show_id": row["show_id"], "show_title": row["show_title"],
            "title": row["title"], "season": row["season"], "episode": row["episode"],
            "air_date": row["air_date"], "absolute": row["absolute"], "label": _label(row),
            "plot": row["plot"], "artwork": row["artwork"], "published_at": row["published_at"],
            "watched": bool(row["watched"]), "position": row["position"],
            "duration": row["duration"], "last_played_at": row["last_played_at"],
            "prefetch": row["prefetch"], "info_hash": row["info_hash"],
            "file_index": row["file_index"], "release_id": row["release_id"]}
        if releases:
            rows = db.execute("SELECT * FROM releases WHERE episode_id = ? ORDER BY id",
                              (row["id"],)).fetchall()
            episode["releases"] = [release_json(r) for r in rows]
        return episode

    # -- shows
    def shows(self, *, subscribed: bool | None = None, query: str | None = None,
              limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        where, args = ["1 = 1"], []
        if subscribed is not None:
            where.append(("" if subscribed else "NOT ") +
                         "EXISTS (SELECT 1 FROM subscriptions u WHERE u.show_id = s.id)")
        if query:
            where.append("s.title LIKE ? ESCAPE '\\'")
            args.append("%" + query.replace("\\", "\\\\").replace("%", "\\%")
                        .replace("_", "\\_") + "%")
        clause = " AND ".join(where)
        with self.store.read() as db:
            total = db.execute(f"SELECT COUNT(*) FROM shows s WHERE {clause}", args).fetchone()[0]
            rows = db.execute(f"SELECT s.* FROM shows s WHERE {clause} ORDER BY s.latest DESC, "
                              "s.id LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
            return [self._show(db, r) for r in rows], total

    def show(self, show_id: int) -> dict[str, Any]:
        with self.store.read() as db:
            row = db.execute("SELECT * FROM shows WHERE id = ?", (show_id,)).fetchone()
            if not row:
                raise NotFound(f"no show {show_id}")
            show = self._show(db, row)
            seasons = db.execute(
                "SELECT season, COUNT(*) AS episodes, SUM(watched = 0) AS unwatched "
                "FROM episodes WHERE show_id = ? GROUP BY season ORDER BY COALESCE(season, -1)",
                (show_id,)).fetchall()
        show["seasons"] = [{"season": s["season"], "episodes": s["episodes"],
                            "unwatched": s["unwatched"]} for s in seasons]
        return show

    def _show(self, db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
        counts = db.execute("SELECT COUNT(*), COALESCE(SUM(watched = 0), 0) FROM episodes "
                            "WHERE show_id = ?", (row["id"],)).fetchone()
        subscription = db.execute("SELECT id FROM subscriptions WHERE show_id = ? ORDER BY id",
                                  (row["id"],)).fetchone()
        nxt = self._next_up(db, row["id"])
        return {"id": row["id"], "title": row["title"], "subscribed": subscription is not None,
                "subscription_id": subscription["id"] if subscription else None,
                "episodes": counts[0], "unwatched": counts[1],
                "next_up": self.episode_json(db, nxt, releases=False) if nxt else None,
                "artwork": row["artwork"], "latest": row["latest"]}

    @staticmethod
    def _next_up(db: sqlite3.Connection, show_id: int) -> sqlite3.Row | None:
        """The first unwatched episode after the last watched one (else the first unwatched)."""
        rows = db.execute(f"{_EPISODE_SELECT} WHERE e.show_id = ? ORDER BY {_EPISODE_ORDER}",
                          (show_id,)).fetchall()
        last_watched = max((i for i, r in enumerate(rows) if r["watched"]), default=-1)
        after = [r for r in rows[last_watched + 1:] if not r["watched"]]
        return after[0] if after else None

    # -- episodes
    def episodes_of(self, show_id: int, *, season: int | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        self.show(show_id)  # NotFound when there is no such show
        where, args = "e.show_id = ?", [show_id]
        if season is not None:
            where += " AND e.season = ?"
            args.append(season)
        return self._page(where, args, _EPISODE_ORDER, limit, offset)

    def episode_list(self, which: str, *, limit: int = 50,
                     offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        if which == "continue":
            return self._page("e.position > 0 AND e.watched = 0", [],
                              "e.last_played_at DESC", limit, offset)
        if which == "recent":
            return self._page("1 = 1", [], "COALESCE(e.published_at, e.first_seen) DESC, e.id DESC",
                              limit, offset)
        with self.store.read() as db:  # next_up: one per subscribed show, newest show first
            shows = db.execute("SELECT s.id FROM shows s WHERE EXISTS (SELECT 1 FROM "
                               "subscriptions u WHERE u.show_id = s.id) ORDER BY s.latest DESC"
                               ).fetchall()
            found = [r for r in (self._next_up(db, s["id"]) for s in shows) if r]
            page = found[offset:offset + limit]
            return [self.episode_json(db, r) for r in page], len(found)

    def _page(self, where: str, args: list[Any], order: str, limit: int,
              offset: int) -> tuple[list[dict[str, Any]], int]:
        with self.store.read() as db:
            total = db.execute(f"SELECT COUNT(*) FROM episodes e WHERE {where}",
                               args).fetchone()[0]
            rows = db.execute(f"{_EPISODE_SELECT} WHERE {where} ORDER BY {order} "
                              "LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
            return [self.episode_json(db, r) for r in rows], total

    def episode(self, episode_id: int) -> dict[str, Any]:
        with self.store.read() as db:
            row = db.execute(f"{_EPISODE_SELECT} WHERE e.id = ?", (episode_id,)).fetchone()
            if not row:
                raise NotFound(f"no episode {episode_id}")
            return self.episode_json(db, row)

    def set_progress(self, episode_id: int, position: float, duration: float | None = None,
                     state: str | None = None, watched: bool | None = None) -> dict[str, Any]:
        """Store a player's report; past 90 % or "ended" is watched (position back to 0)."""
        with self.store.tx() as db:
            row = db.execute("SELECT duration FROM episodes WHERE id = ?",
                             (episode_id,)).fetchone()
            if not row:
                raise NotFound(f"no episode {episode_id}")
            duration = duration if duration is not None else row["duration"]
            done = state == "ended" or bool(duration and position >= WATCHED_FRACTION * duration)
            is_watched = watched if watched is not None else done
            db.execute("UPDATE episodes SET position = ?, duration = ?, watched = ?, "
                       "last_played_at = ? WHERE id = ?",
                       (0.0 if is_watched else position, duration, int(is_watched), time.time(),
                        episode_id))
        return self.episode(episode_id)
