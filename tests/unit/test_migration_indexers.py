"""Schema step 6 (indexers): from an empty database, and from step 4 with data in every table
(through step 5, publishing)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from swarmplayer import migrations
from swarmplayer.feeds.torznab import Caps
from swarmplayer.search.store import IndexerStore
from swarmplayer.store import Store

IH = "d" * 40


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_an_empty_database_gets_the_indexers_table(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    try:
        indexers = IndexerStore(store)
        made = indexers.add("Jackett", "http://j/", "key", Caps(title="J", modes={"search": ["q"]}))
        assert indexers.get(made).caps.modes == {"search": ["q"]}
    finally:
        store.close()


def test_steps_5_and_6_keep_what_step_4_held(tmp_path: Path) -> None:
    db = _connect(tmp_path / "db")
    assert migrations.migrate(db, migrations.STEPS[:4]) == 4
    db.execute("INSERT INTO torrents VALUES (?, 'Show', 'magnet:?', 1.0, NULL, 5.0)", (IH,))
    db.execute("INSERT INTO feeds (url, interval_minutes, created_at) VALUES ('http://f/', 15, 1)")
    db.execute("INSERT INTO shows (title, key) VALUES ('Show', 'show')")
    db.execute("INSERT INTO episodes (show_id, key, season, episode) VALUES (1, 's01e01', 1, 1)")
    db.execute("INSERT INTO subscriptions (show_id, created_at) VALUES (1, 1)")
    db.execute("INSERT INTO plays (info_hash, file_index, position) VALUES (?, 0, 12.5)", (IH,))
    db.close()
    store = Store(tmp_path / "db")  # migrates to the last step
    try:
        row = store.torrent(IH)
        assert row is not None and row.bitrate == 5.0
        with store.read() as conn:
            counts = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                      for t in ("feeds", "shows", "episodes", "subscriptions", "plays")]
            assert counts == [1, 1, 1, 1, 1]
        assert IndexerStore(store).all() == []
    finally:
        store.close()
    assert migrations.version(_connect(tmp_path / "db")) == len(migrations.STEPS)
