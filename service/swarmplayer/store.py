"""Service state in SQLite (WAL): what was added, from where, and what we learnt about it.

libtorrent's own state (pieces, peers) lives in resume files; this holds what libtorrent does not
know: the source a user gave, when it was added and played, the stream's bitrate.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .migrations import migrate


@dataclass(frozen=True)
class TorrentRow:
    info_hash: str
    name: str
    source: str
    added_at: float
    last_played_at: float | None
    bitrate: float | None
    save_path: str | None = None  # where its data is when not in the cache (a published video)


class Store:
    """A thread-safe wrapper around one SQLite connection (the service is one process)."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        # WAL + NORMAL: one small sequential append per change instead of rewriting pages twice,
        # which is what an SD card needs; still crash-safe for a committed transaction.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")  # a removed feed or show takes its rows
        migrate(self._db)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on any error)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error:
                # A COMMIT that failed (disk full) can leave the transaction open, and every
                # later write would then fail too, even once there is room again.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads, under the lock (data-access modules of other components,
        e.g. feeds, share this one connection)."""
        with self._lock:
            yield self._db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add_torrent(self, info_hash: str, name: str, source: str,
                    bitrate: float | None = None, origins: list[str] | None = None,
                    save_path: str | None = None) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO torrents (info_hash, name, source, added_at, bitrate, save_path) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(info_hash) DO NOTHING",
                (info_hash, name, source, time.time(), bitrate, save_path),
            )
            db.executemany("INSERT OR IGNORE INTO origins (info_hash, address) VALUES (?, ?)",
                           [(info_hash, a) for a in origins or ()])

    def origins(self, info_hash: str) -> list[str]:
        """The origin peers ("host:port") the torrent named when it was added."""
        with self._lock:
            rows = self._db.execute("SELECT address FROM origins WHERE info_hash = ? "
                                    "ORDER BY address", (info_hash,)).fetchall()
        return [r["address"] for r in rows]

    def update_torrent(self, info_hash: str, **values: object) -> None:
        allowed = {"name", "last_played_at", "bitrate"}
        if not values or set(values) - allowed:
            raise ValueError(f"cannot update {sorted(set(values) - allowed)}")
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self.tx() as db:
            db.execute(f"UPDATE torrents SET {assignments} WHERE info_hash = ?",
                       (*values.values(), info_hash))

    def remove_torrent(self, info_hash: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM torrents WHERE info_hash = ?", (info_hash,))
            db.execute("DELETE FROM cache_flags WHERE info_hash = ?", (info_hash,))
            db.execute("DELETE FROM origins WHERE info_hash = ?", (info_hash,))

    def set_cache_flag(self, info_hash: str, flag: str, value: bool) -> None:
        """Set 'pinned' or 'keep' for a torrent."""
        if flag not in ("pinned", "keep"):
            raise ValueError(f"no cache flag {flag!r}")
        with self.tx() as db:
            db.execute(f"INSERT INTO cache_flags (info_hash, {flag}) VALUES (?, ?) "
                       f"ON CONFLICT(info_hash) DO UPDATE SET {flag} = excluded.{flag}",
                       (info_hash, int(value)))

    def cache_flags(self) -> dict[str, tuple[bool, bool]]:
        """info-hash → (pinned, keep), for the torrents that have a flag set."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM cache_flags").fetchall()
        return {r["info_hash"]: (bool(r["pinned"]), bool(r["keep"])) for r in rows}

    def torrent(self, info_hash: str) -> TorrentRow | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM torrents WHERE info_hash = ?",
                                   (info_hash,)).fetchone()
        return TorrentRow(**dict(row)) if row else None

    def torrents(self) -> list[TorrentRow]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM torrents ORDER BY added_at").fetchall()
        return [TorrentRow(**dict(r)) for r in rows]
