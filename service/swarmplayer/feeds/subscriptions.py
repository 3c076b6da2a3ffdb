"""Subscriptions: to a show (by id or by name, before any feed carries it) or to a whole feed,
with the rules that pick a release of each new episode."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from ..errors import NotFound
from ..store import Store
from .match import Rules, show_key

RULE_FIELDS = ("qualities", "min_size", "max_size", "min_seeders", "backfill", "action")
_SELECT = ("SELECT u.*, s.title AS show_title FROM subscriptions u "
           "LEFT JOIN shows s ON s.id = u.show_id")


def subscription_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "show_id": row["show_id"], "show_title": row["show_title"],
            "feed_id": row["feed_id"], "qualities": json.loads(row["qualities"]),
            "min_size": row["min_size"], "max_size": row["max_size"],
            "min_seeders": row["min_seeders"], "backfill": row["backfill"],
            "action": row["action"], "created_at": row["created_at"]}


def rules_of(subscription: dict[str, Any]) -> Rules:
    return Rules(qualities=subscription["qualities"], min_size=subscription["min_size"],
                 max_size=subscription["max_size"], min_seeders=subscription["min_seeders"])


class Subscriptions:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, *, show: str | None = None, show_id: int | None = None,
            feed_id: int | None = None, **rules: Any) -> dict[str, Any]:
        with self.store.tx() as db:
            if show is not None:
                key = show_key(show)
                row = db.execute("SELECT id FROM shows WHERE key = ?", (key,)).fetchone()
                show_id = row["id"] if row else db.execute(
                    "INSERT INTO shows (key, title) VALUES (?, ?)", (key, show.strip())).lastrowid
            elif show_id is not None:
                if not db.execute("SELECT 1 FROM shows WHERE id = ?", (show_id,)).fetchone():
                    raise NotFound(f"no show {show_id}")
            elif not db.execute("SELECT 1 FROM feeds WHERE id = ?", (feed_id,)).fetchone():
                raise NotFound(f"no feed {feed_id}")
            values = _rule_values(rules)
            sub_id = db.execute(
                f"INSERT INTO subscriptions (show_id, feed_id, created_at, "
                f"{', '.join(values)}) VALUES (?, ?, ?{', ?' * len(values)})",
                (show_id, feed_id, time.time(), *values.values())).lastrowid
        return self.get(sub_id)

    def get(self, sub_id: int) -> dict[str, Any]:
        with self.store.read() as db:
            row = db.execute(f"{_SELECT} WHERE u.id = ?", (sub_id,)).fetchone()
        if not row:
            raise NotFound(f"no subscription {sub_id}")
        return subscription_json(row)

    def all(self, limit: int = 200, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        with self.store.read() as db:
            rows = db.execute(f"{_SELECT} ORDER BY u.id LIMIT ? OFFSET ?",
                              (limit, offset)).fetchall()
            total = db.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0]
        return [subscription_json(r) for r in rows], total

    def update(self, sub_id: int, **rules: Any) -> dict[str, Any]:
        values = _rule_values(rules)
        self.get(sub_id)
        if values:
            with self.store.tx() as db:
                db.execute(f"UPDATE subscriptions SET {', '.join(f'{k} = ?' for k in values)} "
                           "WHERE id = ?", (*values.values(), sub_id))
        return self.get(sub_id)

    def remove(self, sub_id: int) -> None:
        with self.store.tx() as db:
            if not db.execute("DELETE FROM subscriptions WHERE id = ?", (sub_id,)).rowcount:
                raise NotFound(f"no subscription {sub_id}")

    def covering(self, episode_id: int) -> list[dict[str, Any]]:
        """The subscriptions an episode falls under: its show's, or a feed's that carried it."""
        with self.store.read() as db:
            rows = db.execute(
                f"{_SELECT} WHERE u.show_id = (SELECT show_id FROM episodes WHERE id = ?) "
                "OR u.feed_id IN (SELECT f.feed_id FROM feed_items f JOIN releases r "
                "ON r.id = f.release_id WHERE r.episode_id = ?) ORDER BY u.id",
                (episode_id, episode_id)).fetchall()
        return [subscription_json(r) for r in rows]


def _rule_values(rules: dict[str, Any]) -> dict[str, Any]:
    unknown = set(rules) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"not a rule: {sorted(unknown)}")
    return {k: json.dumps(list(v)) if k == "qualities" else v for k, v in rules.items()}
