"""The indexers in SQLite (the service's one Store)."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from ..errors import NotFound, ServiceError
from ..feeds.torznab import Caps
from ..store import Store


class IndexerExists(ServiceError):
    status = 409
    code = "indexer_exists"


@dataclass(frozen=True)
class Indexer:
    id: int
    name: str
    url: str  # the Torznab URL as given, without the key
    api_key: str
    caps: Caps
    created_at: float

    @classmethod
    def of(cls, row: sqlite3.Row) -> Indexer:
        return cls(id=row["id"], name=row["name"], url=row["url"], api_key=row["api_key"],
                   caps=Caps.from_json(json.loads(row["caps"])), created_at=row["created_at"])


class IndexerStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, name: str, url: str, api_key: str, caps: Caps) -> int:
        with self._store.tx() as db:
            row = db.execute("SELECT id FROM indexers WHERE url = ?", (url,)).fetchone()
            if row:
                raise IndexerExists(f"indexer {row[0]} has this URL already: change its key "
                                    "or name instead")
            cursor = db.execute(
                "INSERT INTO indexers (name, url, api_key, caps, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, url, api_key, json.dumps(caps.to_json()), time.time()))
            return int(cursor.lastrowid or 0)

    def get(self, indexer_id: int) -> Indexer:
        with self._store.read() as db:
            row = db.execute("SELECT * FROM indexers WHERE id = ?", (indexer_id,)).fetchone()
        if row is None:
            raise NotFound(f"no indexer {indexer_id}")
        return Indexer.of(row)

    def all(self) -> list[Indexer]:
        with self._store.read() as db:
            rows = db.execute("SELECT * FROM indexers ORDER BY id").fetchall()
        return [Indexer.of(r) for r in rows]

    def update(self, indexer_id: int, *, name: str | None = None, api_key: str | None = None,
               caps: Caps | None = None) -> None:
        values = {k: v for k, v in (("name", name), ("api_key", api_key)) if v is not None}
        if caps is not None:
            values["caps"] = json.dumps(caps.to_json())
        if not values:
            return
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self._store.tx() as db:
            if db.execute(f"UPDATE indexers SET {assignments} WHERE id = ?",
                          (*values.values(), indexer_id)).rowcount == 0:
                raise NotFound(f"no indexer {indexer_id}")

    def remove(self, indexer_id: int) -> None:
        with self._store.tx() as db:
            if db.execute("DELETE FROM indexers WHERE id = ?", (indexer_id,)).rowcount == 0:
                raise NotFound(f"no indexer {indexer_id}")
