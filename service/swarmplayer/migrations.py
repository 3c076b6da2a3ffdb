"""The SQLite schema, as numbered steps: a box updated in the field migrates its database in place.

`PRAGMA user_version` records the last step applied. A step is a function of the connection, run
inside one transaction with the version bump, so a step either applies whole or not at all.
Steps are append-only: never edit one that has shipped; add the next.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


class SchemaTooNew(RuntimeError):
    """The database was written by a newer SwarmPlayer than this one."""


def _v1_torrents(db: sqlite3.Connection) -> None:
    """The first schema. Databases made before versions were recorded have user_version 0 and
    these tables already, hence IF NOT EXISTS."""
    db.execute("""CREATE TABLE IF NOT EXISTS torrents (
        info_hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        added_at REAL NOT NULL,
        last_played_at REAL,
        bitrate REAL)""")
    # What the user asked the cache to spare: pinned (never evict) or keep (not before complete).
    db.execute("""CREATE TABLE IF NOT EXISTS cache_flags (
        info_hash TEXT PRIMARY KEY,
        pinned INTEGER NOT NULL DEFAULT 0,
        keep INTEGER NOT NULL DEFAULT 0)""")
    # The publisher's own seeders a torrent names ("host:port"), spared while streams are healthy.
    db.execute("""CREATE TABLE IF NOT EXISTS origins (
        info_hash TEXT NOT NULL,
        address TEXT NOT NULL,
        PRIMARY KEY (info_hash, address))""")


def _v2_devices(db: sqlite3.Connection) -> None:
    """Paired devices (phones, remote add-ons): only a hash of each bearer token is kept."""
    db.execute("""CREATE TABLE devices (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        last_seen_at REAL)""")


STEPS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_torrents,
    _v2_devices,
]


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, steps: list[Callable[[sqlite3.Connection], None]] = STEPS,
            ) -> int:
    """Apply the steps the database has not had yet, each in its own transaction; the version
    reached. `db` must be in autocommit mode (isolation_level=None)."""
    current = version(db)
    if current > len(steps):
        raise SchemaTooNew(f"the database is at schema version {current}, newer than this "
                           f"SwarmPlayer knows ({len(steps)}): update SwarmPlayer")
    for number, step in enumerate(steps[current:], start=current + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            # execute() only: executescript() would commit the transaction half-way.
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return version(db)
