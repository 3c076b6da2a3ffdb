"""Schema migrations: from an empty database, from the schema before versions, and refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from swarmplayer import migrations
from swarmplayer.store import Store

IH = "c" * 40

# The schema as it shipped before migrations were numbered (user_version 0).
UNVERSIONED = """
CREATE TABLE torrents (info_hash TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL,
    added_at REAL NOT NULL, last_played_at REAL, bitrate REAL);
CREATE TABLE cache_flags (info_hash TEXT PRIMARY KEY, pinned INTEGER NOT NULL DEFAULT 0,
    keep INTEGER NOT NULL DEFAULT 0);
CREATE TABLE origins (info_hash TEXT NOT NULL, address TEXT NOT NULL,
    PRIMARY KEY (info_hash, address));
"""


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_an_empty_database_gets_every_step(tmp_path: Path):
    db = _connect(tmp_path / "db")
    assert migrations.migrate(db) == len(migrations.STEPS)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"torrents", "cache_flags", "origins"} <= tables


def test_an_unversioned_database_keeps_its_torrents(tmp_path: Path):
    db = _connect(tmp_path / "db")
    db.executescript(UNVERSIONED)
    db.execute("INSERT INTO torrents VALUES (?, 'Show', 'magnet:?', 1.0, NULL, 5.0)", (IH,))
    db.execute("INSERT INTO origins VALUES (?, '127.0.0.2:6881')", (IH,))
    db.close()
    store = Store(tmp_path / "db")
    try:
        row = store.torrent(IH)
        assert row is not None and (row.name, row.bitrate) == ("Show", 5.0)
        assert store.origins(IH) == ["127.0.0.2:6881"]
    finally:
        store.close()
    assert migrations.version(_connect(tmp_path / "db")) == len(migrations.STEPS)


def test_a_newer_database_is_refused_untouched(tmp_path: Path):
    db = _connect(tmp_path / "db")
    db.execute(f"PRAGMA user_version = {len(migrations.STEPS) + 1}")
    with pytest.raises(migrations.SchemaTooNew, match="update SwarmPlayer"):
        migrations.migrate(db)
    assert migrations.version(db) == len(migrations.STEPS) + 1


def test_a_failing_step_leaves_nothing_half_done(tmp_path: Path):
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x)")
        raise sqlite3.OperationalError("disk I/O error")

    db = _connect(tmp_path / "db")
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(db, [*migrations.STEPS, broken])
    assert migrations.version(db) == len(migrations.STEPS)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "half" not in tables


def test_the_publishing_step_keeps_the_torrents_of_the_schema_before(tmp_path: Path):
    db = _connect(tmp_path / "db")
    before = migrations.STEPS.index(migrations._v5_publishing)
    assert migrations.migrate(db, migrations.STEPS[:before]) == before
    db.execute("INSERT INTO torrents VALUES (?, 'Show', 'magnet:?', 1.0, 2.0, 5.0)", (IH,))
    db.execute("INSERT INTO cache_flags VALUES (?, 1, 0)", (IH,))
    db.close()
    store = Store(tmp_path / "db")
    try:
        row = store.torrent(IH)
        assert row is not None and (row.name, row.last_played_at, row.save_path) == (
            "Show", 2.0, None)
        assert store.cache_flags() == {IH: (True, False)}
        store.add_torrent("d" * 40, "Film.mp4", "/videos/Film.mp4", save_path="/videos")
        assert store.torrent("d" * 40).save_path == "/videos"
        with store.tx() as tx:
            tx.execute("INSERT INTO publish_folders (path, base_url, added_at) "
                       "VALUES ('/videos', 'http://box:8642', 1.0)")
    finally:
        store.close()
    assert migrations.version(_connect(tmp_path / "db")) == len(migrations.STEPS)


def test_the_body_hash_step_keeps_the_feeds_of_the_schema_before(tmp_path: Path):
    db = _connect(tmp_path / "db")
    before = migrations.STEPS.index(migrations._v7_feed_body_hash)
    assert migrations.migrate(db, migrations.STEPS[:before]) == before
    db.execute("INSERT INTO feeds (url, title, interval_minutes, state, etag, items, "
               "created_at) VALUES ('http://a/f.xml', 'F', 15, 'ok', '\"e\"', 7, 1.0)")
    assert migrations.migrate(db) == len(migrations.STEPS)
    row = db.execute("SELECT url, title, state, etag, items, body_sha256 FROM feeds").fetchone()
    assert row == ("http://a/f.xml", "F", "ok", '"e"', 7, None)
    fresh = _connect(tmp_path / "fresh")
    migrations.migrate(fresh)
    assert "body_sha256" in {r[1] for r in fresh.execute("PRAGMA table_info(feeds)")}
