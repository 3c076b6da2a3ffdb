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


def _v2_feeds(db: sqlite3.Connection) -> None:
    """Feeds, the shows and episodes their items are, each episode's releases, subscriptions."""
    db.execute("""CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        error TEXT,
        added_at REAL NOT NULL,
        last_checked REAL,
        next_check REAL,
        interval_minutes INTEGER NOT NULL DEFAULT 15,
        failures INTEGER NOT NULL DEFAULT 0,
        etag TEXT,
        last_modified TEXT,
        new_items INTEGER NOT NULL DEFAULT 0,
        skipped_items INTEGER NOT NULL DEFAULT 0,
        skipped TEXT NOT NULL DEFAULT '[]')""")
    # Which releases a feed has carried: an item already known is not parsed into the library
    # again, and a feed's item count is its rows here.
    db.execute("""CREATE TABLE feed_items (
        feed_id INTEGER NOT NULL,
        release_id INTEGER NOT NULL,
        PRIMARY KEY (feed_id, release_id))""")
    db.execute("""CREATE TABLE shows (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        artwork TEXT,
        latest REAL)""")
    db.execute("""CREATE TABLE episodes (
        id INTEGER PRIMARY KEY,
        show_id INTEGER NOT NULL,
        key TEXT NOT NULL,
        title TEXT,
        season INTEGER,
        episode INTEGER,
        air_date TEXT,
        absolute INTEGER,
        plot TEXT,
        artwork TEXT,
        published_at REAL,
        first_seen REAL NOT NULL,
        watched INTEGER NOT NULL DEFAULT 0,
        position REAL NOT NULL DEFAULT 0,
        duration REAL,
        last_played_at REAL,
        prefetch TEXT NOT NULL DEFAULT 'none',
        info_hash TEXT,
        file_index INTEGER,
        release_id INTEGER,
        UNIQUE (show_id, key))""")
    db.execute("""CREATE TABLE releases (
        id INTEGER PRIMARY KEY,
        episode_id INTEGER NOT NULL,
        key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        resolution TEXT,
        source TEXT,
        size INTEGER,
        seeders INTEGER,
        info_hash TEXT,
        group_name TEXT,
        link TEXT NOT NULL,
        feed_id INTEGER,
        published_at REAL)""")
    db.execute("CREATE INDEX releases_episode ON releases (episode_id)")
    db.execute("""CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        show_id INTEGER,
        feed_id INTEGER,
        qualities TEXT NOT NULL DEFAULT '[]',
        min_size INTEGER,
        max_size INTEGER,
        min_seeders INTEGER,
        backfill INTEGER NOT NULL DEFAULT 0,
        action TEXT NOT NULL DEFAULT 'prefetch',
        created_at REAL NOT NULL)""")


STEPS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_torrents,
    _v2_feeds,
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
