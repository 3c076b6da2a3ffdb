"""Feed parsing: every corpus feed against what its source project expects, and our own feeds
(daily show, anime, two qualities, hostile links, 20 000 items, an entity-expansion bomb)."""

from __future__ import annotations

import calendar
import resource
import time
from pathlib import Path

import pytest
from support import CORPUS

from swarmplayer.errors import BadInput
from swarmplayer.feeds.names import describe
from swarmplayer.feeds.parse import FeedError, link_problem, normal_hash, parse_feed, text_size
from swarmplayer.feeds.worker import parse_in_worker

FEEDS = CORPUS / "feeds"
OURS = Path(__file__).resolve().parents[1] / "data" / "feeds"
GB = 1 << 30

pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason=f"LOUD: no corpus at {FEEDS}")


def parsed(name: str, **kwargs):
    return parse_feed((FEEDS / name).read_bytes(), **kwargs)


# (file, item count, first title, first link prefix, size, seeders, peers, info-hash)
SONARR = [
    ("AnimeTosho_NoSize.xml", 2, "[FFF] Ore Monogatari!! - Vol.01 [BD][720p-AAC]",
     "http://storage.animetosho.org/torrents/85a5", round(1.366 * GB), None, None, None),
    ("BitMeTv.xml", 5, "Total.Divas.S02E08.HDTV.x264-CRiMSON",
     "http://www.bitmetv.org/download.php/12/Total.Divas.S02E08.HDTV.x264-CRiMSON.torrent",
     395009065, None, None, None),
    ("Doki.xml", 5, "[Doki] PriPara 50 (848x480 h264 AAC) [6F0B49FD] mkv",
     "http://tracker.anime-index.org/download.php?id=82d8", None, None, None, None),
    ("ExtraTorrents.xml", 5, "One.Piece.E334.D ED.720p.HDTV.x264-W4F-={SPARROW}=-",
     "http://ac.me/download/4722030/", 562386947, None, None, None),
    ("Ezrss.xml", 3, "S4C I Grombil Cyfandir Pell American Interior [PDTV - MVGROUP]",
     "http://re.zoink.it/20a4ed4eFC", 796606175, None, None,
     "20fc4fbfa88272274ac671f857cc15144e9aa83e"),
    ("HD4Free.xml", 5, "Extant S02E11 1080p WEB-DL DD5.1 H.264-KiNGS", "https://hd4free.xyz/",
     1750199173, 3, 4, None),
    ("IPTorrents.xml", 5, "24 S03E12 720p WEBRip h264-DRAWER", "http://iptorrents.com/",
     1471026299, None, None, None),
    ("ImmortalSeed.xml", 50, "Conan.2015.02.05.Jeff.Bridges.720p.HDTV.X264-CROOKS",
     "https://immortalseed.me/download.php?type=rss&secret_key=12345678910&id=374534",
     984078090, 6, 8, None),
    ("Nyaa.xml", 4, "[TSRaws] Futsuu no Joshikousei ga [Locodol] Yattemita. #07 (TBS).ts",
     "https://www.nyaa.se/?page=download&tid=587750", 2523293286, 1, 3, None),
    ("ShowRSS.info.xml", 5, "The Voice 8x25",
     "magnet:?xt=urn:btih:96CD620BEDA3EFD7C4D7746EF94549D03A2EB13B", None, None, None,
     "96cd620beda3efd7c4d7746ef94549d03a2eb13b"),
    ("Torrentleech.xml", 5, "Classic Car Rescue S02E04 720p HDTV x264-C4TV",
     "http://www.torrentleech.org/rss/download/513575/", None, 1, 8, None),
    ("torznab_tpb.xml", 5, "Series Title S05E02 HDTV x264-Xclusive [eztv]",
     "magnet:?xt=urn:btih:9fb267cff5ae5603f07a347676ec3bf3e35f75e1", 388895872, 34128, 36724,
     "9fb267cff5ae5603f07a347676ec3bf3e35f75e1"),
]


@pytest.mark.parametrize("name,count,title,link,size,seeders,peers,info_hash", SONARR)
def test_indexer_feeds_parse_as_their_projects_expect(name, count, title, link, size, seeders,
                                                       peers, info_hash):
    feed = parsed(name)
    assert len(feed.items) == count and not feed.skipped
    first = feed.items[0]
    assert (first.title, first.size, first.seeders, first.peers, first.info_hash) == (
        title, size, seeders, peers, info_hash)
    assert first.link.startswith(link)


def test_dates_sizes_and_the_torrent_among_several_enclosures():
    anime = parsed("AnimeTosho_NoSize.xml").items[1]
    assert anime.title == "DAYS - 05 (1280x720 HEVC2 AAC).mkv"
    assert anime.link.endswith(".torrent") and "/nzb/" not in anime.link
    assert parsed("BitMeTv.xml").items[0].published_at == calendar.timegm((2014, 5, 13, 17, 4, 29))
    ezrss = parsed("Ezrss.xml").items[0]
    assert ezrss.magnet.startswith("magnet:?xt=urn:btih:ED6E7P5IQJZCOSWGOH4FPTAVCRHJVKB6")
    assert ezrss.published_at == calendar.timegm((2014, 9, 15, 18, 39, 0))
    assert parsed("ShowRSS.info.xml").items[0].show_title == "The Voice"


def test_feeds_others_reject_still_give_their_items():
    # Sonarr refuses these for want of a size; a size is optional here, the items stay usable.
    assert [i.size for i in parsed("AwesomeHD.xml").items] == [None, None]
    invalid = parsed("Eztv_InvalidSize.xml").items
    assert len(invalid) == 1 and invalid[0].info_hash == "aaa2038bed9ebca2c312d1c9c3e8e024d0eb414e"
    assert parsed("BitHdtv.xml").items[0].size == round(0.99 * GB)
    assert parsed("speed.cd.xml").items[0].size == round(386.41 * (1 << 20))


def test_flexget_edge_cases():
    feed = parsed("rss.xml", allow_local=True)
    titles = [i.title for i in feed.items]
    assert "Normal" in titles and "" not in titles
    normal = feed.items[titles.index("Normal")]
    assert normal.link == "http://localhost/normal"
    assert any(s.why == "no title" for s in feed.skipped)
    # the same feed without allow_local: every link points at this machine, so nothing survives
    assert not parsed("rss.xml").items
    escaped = parsed("rss_escape.xml")
    assert escaped.warning and [i.title for i in escaped.items][:2] == ["Snatch", "Snatch &2"]


@pytest.mark.parametrize("name", ["aaa_illformed.xml", "bozo_bogus_encoding.xml",
                                  "rss_empty_document.xml"])
def test_unreadable_documents_are_a_clear_error(name):
    with pytest.raises(FeedError, match="not a readable feed"):
        parsed(name)


@pytest.mark.parametrize("path", sorted(FEEDS.glob("*.xml")) if FEEDS.is_dir() else [],
                         ids=lambda p: p.name)
def test_every_corpus_feed_parses_or_fails_clearly_and_fast(path):
    start = time.process_time()
    try:
        feed = parse_feed(path.read_bytes())
    except FeedError as exc:
        assert exc.message and "\n" not in exc.message
    else:
        for item in feed.items:
            assert item.title and link_problem(item.link) is None
        assert all(s.why for s in feed.skipped)
    assert time.process_time() - start < 5


def test_encodings_are_decoded():
    assert parse_feed((FEEDS / "euc-kr.xml").read_bytes()).title == "\ub144"
    for name in ("utf-16be-autodetect.xml", "utf-16le-bom.xml", "utf-32be-bom.xml",
                 "utf-8-bom.xml"):
        assert parsed(name).warning is None, name


def test_daily_show_has_an_air_date():
    items = [describe(i) for i in parse_feed((OURS / "daily.xml").read_bytes()).items]
    assert [(i.show_title, i.air_date, i.season, i.resolution) for i in items] == [
        ("The Daily Show", "2026-11-30", None, "720p"),
        ("The Daily Show", "2026-12-01", None, "1080p")]
    assert items[1].size == 1200000000 and items[1].link.endswith("daily-1201.torrent")


def test_anime_has_an_absolute_number_and_nyaa_fields():
    items = [describe(i) for i in parse_feed((OURS / "anime.xml").read_bytes()).items]
    first, second = items
    assert (first.show_title, first.absolute, first.episode, first.group) == (
        "One Piece", 1123, None, "SubsPlease")
    assert (first.seeders, first.peers, first.size) == (812, 852, round(1.4 * GB))
    assert first.info_hash == "0123456789abcdef0123456789abcdef01234567"
    assert (second.absolute, second.resolution, second.size) == (1124, "720p",
                                                                 round(690.5 * (1 << 20)))


def test_one_episode_in_two_qualities():
    items = [describe(i) for i in parse_feed((OURS / "two_qualities.xml").read_bytes()).items]
    assert {(i.show_title, i.season, i.episode) for i in items} == {("Some Show", 2, 5)}
    assert [(i.resolution, i.source, i.size, i.seeders) for i in items] == [
        ("1080p", "WEB-DL", 2 * GB, 55), ("720p", "HDTV", 734003200, 120)]
    assert items[1].info_hash == "b" * 40


def test_hostile_links_are_skipped_with_why():
    feed = parse_feed((OURS / "hostile.xml").read_bytes())
    assert [i.title for i in feed.items] == ["The good one S01E01 720p"]
    whys = {s.title: s.why for s in feed.skipped}
    assert len(feed.skipped) == 11
    assert "file:" in whys["file link"] and "javascript:" in whys["javascript link"]
    assert "data:" in whys["data link"] and "ftp:" in whys["ftp"]
    for local in ("loopback", "localhost", "link-local", "ipv6 loopback"):
        assert "loopback/link-local" in whys[local], local
    assert "without a BitTorrent hash" in whys["magnet without hash"]
    assert whys[None] == "no title" and whys["no link at all"].startswith("no link")


@pytest.mark.parametrize("body,why", [
    (b"<!DOCTYPE html><html><body>Welcome</body></html>", "an HTML page"),
    (b"<html><form><input type=\"password\" name=\"p\"></form></html>", "a login page"),
    (b"<!DOCTYPE html><html><title>Just a moment...</title><script src='/cdn-cgi/"
     b"challenge-platform/h/b'></script>cloudflare</html>", "Cloudflare challenge"),
    (bytes(range(256)) * 8, "not XML"),
    (b"", "empty"),
    (b"<?xml version='1.0'?><nothing/>", "not an RSS or Atom feed"),
])
def test_what_is_not_a_feed_says_what_it_is(body, why):
    with pytest.raises(FeedError, match=why):
        parse_feed(body)


def _items(count: int) -> bytes:
    items = "".join(
        f"<item><title>Show {n % 50} S01E{n % 99:02d} 720p HDTV x264-GRP</title>"
        f"<link>https://example.org/{n}.torrent</link><guid>g{n}</guid></item>"
        for n in range(count))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>big</title>{items}" \
           "</channel></rss>".encode()


def test_twenty_thousand_items_in_under_five_seconds():
    body = _items(20_000)
    start = time.process_time()
    feed = parse_feed(body)
    assert len(feed.items) == 20_000
    assert time.process_time() - start < 5


def test_an_entity_expansion_bomb_is_not_expanded():
    lol = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{lol}]>'
            '<rss version="2.0"><channel><title>bomb</title><item><title>&lol9;</title>'
            '<link>https://example.org/a.torrent</link></item></channel></rss>').encode()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    try:
        feed = parse_feed(body)
    except FeedError:
        feed = None
    assert time.process_time() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KB
    if feed:
        assert all(len(i.title) < 10_000 for i in feed.items)


def test_sizes_and_hashes_in_words():
    assert text_size("Total Size: 1.366 GB") == round(1.366 * GB)
    assert text_size("2,5 MiB") == round(2.5 * (1 << 20))
    assert text_size("no size here") is None
    assert normal_hash("ED6E7P5IQJZCOSWGOH4FPTAVCRHJVKB6") == \
        "20fc4fbfa88272274ac671f857cc15144e9aa83e"
    assert normal_hash("xyz") is None


def test_the_worker_parses_without_guessit_in_this_process():
    import sys

    sys.modules.pop("guessit", None)
    feed = parse_in_worker((FEEDS / "torznab_tpb.xml").read_bytes())
    assert "guessit" not in sys.modules
    first = feed.items[0]
    assert (first.show_title, first.season, first.episode, first.source) == (
        "Series Title", 5, 2, "HDTV")
    with pytest.raises(BadInput, match="an HTML page"):
        parse_in_worker(b"<html><body>nope</body></html>")
