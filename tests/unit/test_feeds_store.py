"""Feeds in SQLite: migration from today's schema keeps the torrents; items become shows,
episodes and releases once, however often they are seen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from swarmplayer import migrations
from swarmplayer.errors import NotFound
from swarmplayer.feeds.names import describe
from swarmplayer.feeds.parse import parse_feed
from swarmplayer.feeds.store import FeedStore
from swarmplayer.store import Store

OURS = Path(__file__).resolve().parents[1] / "data" / "feeds"
IH = "d" * 40


def items(name: str):
    return [describe(i) for i in parse_feed((OURS / name).read_bytes()).items]


def test_migration_from_the_torrents_schema_keeps_everything(tmp_path: Path):
    db = sqlite3.connect(tmp_path / "db", isolation_level=None)
    migrations.migrate(db, migrations.STEPS[:1])  # today's schema, as shipped
    db.execute("INSERT INTO torrents VALUES (?, 'Show', 'magnet:?', 1.0, 2.0, 5.0)", (IH,))
    db.execute("INSERT INTO cache_flags VALUES (?, 1, 0)", (IH,))
    db.execute("INSERT INTO origins VALUES (?, '127.0.0.2:6881')", (IH,))
    db.close()
    store = Store(tmp_path / "db")
    try:
        row = store.torrent(IH)
        assert (row.name, row.last_played_at, row.bitrate) == ("Show", 2.0, 5.0)
        assert store.cache_flags() == {IH: (True, False)}
        assert store.origins(IH) == ["127.0.0.2:6881"]
        feed, created = FeedStore(store).add_feed("https://example.org/rss")
        assert created and feed["state"] == "pending" and feed["items"] == 0
    finally:
        store.close()


def test_items_become_one_episode_with_its_releases_once(tmp_path: Path):
    store = Store(tmp_path / "db")
    feeds = FeedStore(store)
    one, _ = feeds.add_feed("https://one.example/rss")
    two, _ = feeds.add_feed("https://two.example/rss")
    both = items("two_qualities.xml")
    assert len(feeds.ingest(one["id"], both)) == 1  # one new episode, two releases
    assert feeds.ingest(one["id"], both) == []
    assert feeds.ingest(two["id"], both[:1]) == []  # the same release from another feed
    assert feeds.known(one["id"], both) == {"ih:" + "a" * 40, "ih:" + "b" * 40}
    assert feeds.known(two["id"], both) == {"ih:" + "a" * 40}
    with store.read() as db:
        assert db.execute("SELECT COUNT(*) FROM releases").fetchone()[0] == 2
        assert db.execute("SELECT COUNT(*) FROM episodes").fetchone()[0] == 1
        assert db.execute("SELECT title FROM shows").fetchall()[0][0] == "Some Show"
    assert feeds.feed(one["id"])["items"] == 2 and feeds.feed(two["id"])["items"] == 1
    feeds.remove_feed(two["id"])
    with pytest.raises(NotFound):
        feeds.feed(two["id"])
    assert feeds.feeds()[1] == 1
    store.close()


def test_adding_a_feed_twice_gives_the_same_feed(tmp_path: Path):
    store = Store(tmp_path / "db")
    feeds = FeedStore(store)
    first, created = feeds.add_feed("https://x.example/rss", interval_minutes=30)
    again, created_again = feeds.add_feed("https://x.example/rss")
    assert created and not created_again and again["id"] == first["id"]
    assert again["interval_minutes"] == 30
    store.close()
