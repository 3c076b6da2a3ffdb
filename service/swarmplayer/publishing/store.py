"""Published folders and their videos in SQLite (the tables of migrations._v5_publishing)."""

from __future__ import annotations

import json
import sqlite3
import time

from ..errors import NotFound
from ..store import Store


class PublishStore:
    """Data access for published folders; every change to what the feed lists also moves
    the feed's `changed_at` (its Last-Modified), in the same transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ---- folders ---------------------------------------------------------------------------
    def add_folder(self, path: str, base_url: str, origins: list[str]) -> tuple[int, bool]:
        """(id, created); a folder given again takes the new base URL and origins."""
        with self._store.tx() as db:
            row = db.execute("SELECT id FROM publish_folders WHERE path = ?", (path,)).fetchone()
            if row is not None:
                db.execute("UPDATE publish_folders SET base_url = ?, origins = ? WHERE id = ?",
                           (base_url, json.dumps(origins), row["id"]))
                _changed(db)  # the feed's links change with the base URL
                return int(row["id"]), False
            cursor = db.execute("INSERT INTO publish_folders (path, base_url, origins, added_at) "
                                "VALUES (?, ?, ?, ?)", (path, base_url, json.dumps(origins),
                                                        time.time()))
            return int(cursor.lastrowid or 0), True

    def folders(self) -> list[sqlite3.Row]:
        with self._store.read() as db:
            return db.execute("SELECT * FROM publish_folders ORDER BY id").fetchall()

    def folder(self, folder_id: int) -> sqlite3.Row:
        with self._store.read() as db:
            row = db.execute("SELECT * FROM publish_folders WHERE id = ?",
                             (folder_id,)).fetchone()
        if row is None:
            raise NotFound(f"no published folder {folder_id}")
        return row

    def remove_folder(self, folder_id: int) -> None:
        with self._store.tx() as db:
            if db.execute("DELETE FROM publish_folders WHERE id = ?",
                          (folder_id,)).rowcount == 0:
                raise NotFound(f"no published folder {folder_id}")
            _changed(db)

    # ---- videos ----------------------------------------------------------------------------
    def items(self, folder_id: int | None = None) -> list[sqlite3.Row]:
        """Published videos (of one folder), newest first, with their folder's fields."""
        where, args = ("WHERE p.folder_id = ?", (folder_id,)) if folder_id is not None \
            else ("", ())
        with self._store.read() as db:
            return db.execute(
                "SELECT p.*, f.path AS folder, f.base_url, f.origins FROM published p "
                f"JOIN publish_folders f ON f.id = p.folder_id {where} "
                "ORDER BY p.published_at DESC, p.id DESC", args).fetchall()

    def item_by_hash(self, info_hash: str) -> sqlite3.Row | None:
        with self._store.read() as db:
            return db.execute(
                "SELECT p.*, f.path AS folder, f.base_url, f.origins FROM published p "
                "JOIN publish_folders f ON f.id = p.folder_id WHERE p.info_hash = ? "
                "ORDER BY p.id LIMIT 1", (info_hash.lower(),)).fetchone()

    def add_item(self, folder_id: int, name: str, size: int, mtime_ns: int, info_hash: str,
                 tstream: bytes) -> None:
        with self._store.tx() as db:
            db.execute(
                "INSERT INTO published (folder_id, name, size, mtime_ns, info_hash, tstream, "
                "published_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(folder_id, name) DO "
                "UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, info_hash = "
                "excluded.info_hash, tstream = excluded.tstream, published_at = "
                "excluded.published_at",
                (folder_id, name, size, mtime_ns, info_hash, tstream, time.time()))
            _changed(db)

    def remove_item(self, item_id: int) -> None:
        with self._store.tx() as db:
            db.execute("DELETE FROM published WHERE id = ?", (item_id,))
            _changed(db)

    def changed_at(self) -> float | None:
        with self._store.read() as db:
            row = db.execute("SELECT changed_at FROM publish_feed WHERE id = 1").fetchone()
        return float(row["changed_at"]) if row else None


def _changed(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO publish_feed (id, changed_at) VALUES (1, ?) "
               "ON CONFLICT(id) DO UPDATE SET changed_at = excluded.changed_at", (time.time(),))
