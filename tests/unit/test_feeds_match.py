"""Matching: one release seen twice is one release, one episode has several releases, and a
subscription's rules pick one of them."""

from __future__ import annotations

from pathlib import Path

from swarmplayer.feeds.match import (
    Rules,
    by_episode,
    episode_key,
    label,
    normal_title,
    pick,
    release_key,
    show_key,
    unique,
    wanted,
)
from swarmplayer.feeds.names import describe
from swarmplayer.feeds.parse import Item, parse_feed

OURS = Path(__file__).resolve().parents[1] / "data" / "feeds"
GB = 1 << 30


def item(title, **kw) -> Item:
    return describe(Item(title=title, link=f"https://example.org/{normal_title(title)}.torrent",
                         **kw))


def test_one_release_seen_twice_or_in_two_feeds_is_one():
    a = item("Some.Show.S01E02.720p.HDTV.x264-GRP")
    b = item("some show s01e02 720p hdtv x264 grp")  # the same name, written by another feed
    c = item("Other.Name.For.It", info_hash="A" * 40)
    d = item("Some Show S01E02 720p (other feed)", info_hash="a" * 40)
    assert release_key(a) == release_key(b) and release_key(c) == release_key(d)
    assert unique([a, b, c, d]) == [a, c]


def test_one_episode_in_two_qualities_is_one_episode_with_two_releases():
    items = [describe(i) for i in parse_feed((OURS / "two_qualities.xml").read_bytes()).items]
    episodes = by_episode(items + items)  # the feed read twice changes nothing
    assert list(episodes) == [("some show", "S02E05")]
    assert [r.resolution for r in episodes[("some show", "S02E05")]] == ["1080p", "720p"]


def test_keys_of_shows_and_labels():
    assert show_key("The.Show (2019)") == show_key("the show") == "the show"
    assert label(item("Show.S01E02.720p")) == "S01E02"
    assert label(item("The.Daily.Show.2026.11.30.720p.WEB")) == "2026-11-30"
    assert label(item("[Grp] One Piece - 1123 (1080p).mkv")) == "#1123"
    assert episode_key(item("no numbers at all")) is None


def releases():
    return [item("S.S01E01.1080p.WEB-DL-A", size=3 * GB, seeders=5),
            item("S.S01E01.720p.HDTV-B", size=GB, seeders=50),
            item("S.S01E01.720p.WEB-DL-C", size=GB, seeders=80),
            item("S.S01E01.2160p.WEB-DL-D", size=9 * GB, seeders=500)]


def test_rules_pick_the_first_quality_then_the_most_seeders():
    assert pick(releases(), Rules(qualities=["1080p", "720p"])).group == "A"
    assert pick(releases(), Rules(qualities=["720p", "1080p"])).group == "C"
    assert pick(releases(), Rules()).group == "D"  # any quality: the most seeders
    assert pick(releases(), Rules(qualities=["480p"])) is None


def test_rules_bound_size_and_seeders():
    assert pick(releases(), Rules(max_size=2 * GB)).group == "C"
    assert pick(releases(), Rules(min_size=2 * GB, max_size=5 * GB)).group == "A"
    assert pick(releases(), Rules(qualities=["1080p", "720p"], min_seeders=10)).group == "C"
    unknown = item("S.S01E01.720p.HDTV-E")  # a feed that says no size nor seeders
    assert pick([unknown], Rules(min_size=GB, min_seeders=5)) is unknown


def test_new_only_or_backfill_the_last_n():
    episodes = [("e1", 10.0), ("e2", 20.0), ("e3", 30.0), ("e4", 40.0), ("e5", 50.0)]
    assert wanted(episodes, since=35.0, backfill=0) == ["e4", "e5"]
    assert wanted(episodes, since=35.0, backfill=2) == ["e2", "e3", "e4", "e5"]
    assert wanted(episodes, since=100.0, backfill=10) == ["e1", "e2", "e3", "e4", "e5"]
