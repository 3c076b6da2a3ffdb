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


def _v3_feeds(db: sqlite3.Connection) -> None:
    """Feeds, the shows and episodes they carry, their releases, and subscriptions."""
    db.execute("""CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,
        interval_minutes INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        error TEXT,
        last_checked REAL,
        next_check REAL,
        failures INTEGER NOT NULL DEFAULT 0,
        etag TEXT,
        last_modified TEXT,
        items INTEGER NOT NULL DEFAULT 0,
        new_items INTEGER NOT NULL DEFAULT 0,
        skipped_items INTEGER NOT NULL DEFAULT 0,
        skipped TEXT NOT NULL DEFAULT '[]',
        warning TEXT,
        created_at REAL NOT NULL)""")
    db.execute("""CREATE TABLE shows (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        artwork TEXT)""")
    # key: which episode of the show ("s01e02", "2026-11-30", "#123", else the title's key).
    db.execute("""CREATE TABLE episodes (
        id INTEGER PRIMARY KEY,
        show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        season INTEGER, episode INTEGER, air_date TEXT, absolute INTEGER,
        title TEXT, plot TEXT, artwork TEXT,
        published_at REAL,
        watched INTEGER NOT NULL DEFAULT 0,
        position REAL NOT NULL DEFAULT 0,
        duration REAL,
        last_played_at REAL,
        info_hash TEXT, file_index INTEGER, release_id INTEGER,
        UNIQUE (show_id, key))""")
    # key: the info-hash, else the normalised release name: a release seen twice is one.
    db.execute("""CREATE TABLE releases (
        id INTEGER PRIMARY KEY,
        episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
        feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
        key TEXT NOT NULL UNIQUE,
        guid TEXT,
        title TEXT NOT NULL, link TEXT NOT NULL, info_hash TEXT,
        resolution TEXT, source TEXT, size INTEGER, seeders INTEGER, grp TEXT,
        published_at REAL)""")
    db.execute("CREATE INDEX releases_guid ON releases (feed_id, guid)")
    db.execute("""CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        show_id INTEGER REFERENCES shows(id) ON DELETE CASCADE,
        feed_id INTEGER REFERENCES feeds(id) ON DELETE CASCADE,
        qualities TEXT NOT NULL DEFAULT '[]',
        min_size INTEGER, max_size INTEGER, min_seeders INTEGER,
        backfill INTEGER NOT NULL DEFAULT 0,
        action TEXT NOT NULL DEFAULT 'prefetch',
        created_at REAL NOT NULL)""")


def _v4_plays(db: sqlite3.Connection) -> None:
    """Where playback of each torrent file stands; kept when the cache lets the data go."""
    db.execute("""CREATE TABLE plays (
        info_hash TEXT NOT NULL,
        file_index INTEGER NOT NULL,
        position REAL NOT NULL DEFAULT 0,
        duration REAL,
        watched INTEGER NOT NULL DEFAULT 0,
        last_played_at REAL,
        PRIMARY KEY (info_hash, file_index))""")


def _v5_publishing(db: sqlite3.Connection) -> None:
    """Published folders (`swarmplayer publish`): the videos the box seeds from them, and a
    torrent's own save path when its data is not in the cache (NULL: in the cache)."""
    db.execute("ALTER TABLE torrents ADD COLUMN save_path TEXT")
    db.execute("""CREATE TABLE publish_folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        base_url TEXT NOT NULL,
        origins TEXT NOT NULL DEFAULT '[]',
        added_at REAL NOT NULL)""")
    # One row per video made into a .tstream; size and mtime_ns tell when the file changed.
    db.execute("""CREATE TABLE published (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES publish_folders(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        info_hash TEXT NOT NULL,
        tstream BLOB NOT NULL,
        published_at REAL NOT NULL,
        UNIQUE (folder_id, name))""")
    # When the published feed last changed (an item added or gone): its Last-Modified.
    db.execute("""CREATE TABLE publish_feed (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        changed_at REAL NOT NULL)""")
def _v6_indexers(db: sqlite3.Connection) -> None:
    """Torznab indexers (Jackett, Prowlarr) to search: the API key stays in here, never in an
    answer or a log; caps is their `t=caps` answer as read when added (JSON)."""
    db.execute("""CREATE TABLE indexers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        url TEXT NOT NULL UNIQUE,
        api_key TEXT NOT NULL,
        caps TEXT NOT NULL,
        created_at REAL NOT NULL)""")


def _v7_feed_body_hash(db: sqlite3.Connection) -> None:
    """The SHA-256 of the body a feed's last read poll parsed: a server without ETag or
    Last-Modified that answers the same bytes again is not parsed again."""
    db.execute("ALTER TABLE feeds ADD COLUMN body_sha256 TEXT")


STEPS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_torrents,
    _v2_devices,
    _v3_feeds,
    _v4_plays,
    _v5_publishing,
    _v6_indexers,
    _v7_feed_body_hash,
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
