"""Feeds → releases: the corpus's real indexer feeds give what their projects expect, and feeds
made here cover daily shows, anime, two qualities, hostile links, a huge feed and a bomb."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from feeds import item, magnet, rss

from swarmplayer.feeds.names import named
from swarmplayer.feeds.parse import FeedError, parse_feed

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "feeds"
H1, H2 = "a" * 40, "b" * 40


def _corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared corpus is not at {CORPUS}: corpus cases not run")
    return path.read_bytes()


# name → (items, first title, first size, seeders, peers, info-hash, link start)
INDEXERS = {
    "AnimeTosho_NoSize.xml": (2, "[FFF] Ore Monogatari!! - Vol.01 [BD][720p-AAC]",
                              round(1.366 * 1024**3), None, None, None,
                              "http://storage.animetosho.org/torrents/"),
    "BitMeTv.xml": (5, "Total.Divas.S02E08.HDTV.x264-CRiMSON", 395009065, None, None, None,
                    "http://www.bitmetv.org/download.php/12/Total.Divas.S02E08.HDTV.x264-CRiMSON"
                    ".torrent"),
    "ExtraTorrents.xml": (5, "One.Piece.E334.D ED.720p.HDTV.x264-W4F-={SPARROW}=-", 562386947,
                          None, None, None, "http://"),
    "Ezrss.xml": (3, "S4C I Grombil Cyfandir Pell American Interior [PDTV - MVGROUP]",
                  796606175, None, None, "20fc4fbfa88272274ac671f857cc15144e9aa83e",
                  "http://re.zoink.it/20a4ed4eFC"),
    "HD4Free.xml": (5, "Extant S02E11 1080p WEB-DL DD5.1 H.264-KiNGS", 1750199173, 3, 4, None,
                    "https://hd4free.xyz/download.php"),
    "IPTorrents.xml": (5, "24 S03E12 720p WEBRip h264-DRAWER", 1471026299, None, None, None,
                       "http://iptorrents.com/"),
    "ImmortalSeed.xml": (50, "Conan.2015.02.05.Jeff.Bridges.720p.HDTV.X264-CROOKS", 984078090,
                         6, 8, None, "https://immortalseed.me/download.php"),
    "Nyaa.xml": (4, "[TSRaws] Futsuu no Joshikousei ga [Locodol] Yattemita. #07 (TBS).ts",
                 2523293286, 1, 3, None, "https://www.nyaa.se/?page=download&tid=587750"),
    "ShowRSS.info.xml": (5, "The Voice 8x25", None, None, None,
                         "96cd620beda3efd7c4d7746ef94549d03a2eb13b", "magnet:?xt=urn:btih:96CD"),
    "torznab_tpb.xml": (5, "Series Title S05E02 HDTV x264-Xclusive [eztv]", 388895872, 34128,
                        36724, "9fb267cff5ae5603f07a347676ec3bf3e35f75e1", "magnet:?xt="),
}


@pytest.mark.parametrize("name", sorted(INDEXERS))
def test_indexer_feeds_give_their_releases(name: str):
    count, title, size, seeders, peers, info_hash, link = INDEXERS[name]
    feed = parse_feed(_corpus(name))
    assert len(feed.releases) == count
    first = feed.releases[0]
    assert (first.title, first.size, first.seeders, first.peers, first.info_hash) == (
        title, size, seeders, peers, info_hash)
    assert first.link.startswith(link)


def test_the_torrent_among_several_enclosures_is_taken():
    second = parse_feed(_corpus("AnimeTosho_NoSize.xml")).releases[1]
    assert second.title == "DAYS - 05 (1280x720 HEVC2 AAC).mkv"
    assert second.link.endswith(".torrent")


def test_links_to_this_box_are_skipped_and_said_why():
    feed = parse_feed(_corpus("rss.xml"))  # its items all point at http://localhost/…
    assert feed.releases == []
    assert feed.skipped and all(s.why == "a link to this box itself" for s in feed.skipped
                                if s.title)


@pytest.mark.parametrize("name", ["aaa_illformed.xml", "bozo_linenoise.xml",
                                  "rss_incomplete_cdata.xml", "shiftjis.xml"])
def test_an_ill_formed_feed_keeps_what_could_be_read(name: str):
    feed = parse_feed(_corpus(name))
    assert feed.warning and "not well formed" in feed.warning


def test_an_empty_document_is_a_clear_error():
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(_corpus("rss_empty_document.xml"))


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.xml"))
                         if CORPUS.exists() else ["(corpus missing)"])
def test_every_corpus_feed_parses_or_says_why_quickly(name: str):
    began = time.process_time()
    try:
        parse_feed(_corpus(name))
    except FeedError as exc:
        assert exc.message and "Traceback" not in exc.message
    assert time.process_time() - began < 5


@pytest.mark.parametrize(("body", "message"), [
    (b"<!DOCTYPE html><html><body>Sign in with your password</body></html>", "login page"),
    (b"<html><head><title>Just a moment...</title></head><body>cf-chl</body></html>",
     "Cloudflare"),
    (b"<!doctype html><html><body><p>Hello</p></body></html>", "web page"),
    (bytes(range(256)) * 40, "not an RSS or Atom feed"),
    (b"", "empty"),
])
def test_what_is_not_a_feed_says_what_it_is(body: bytes, message: str):
    with pytest.raises(FeedError, match=message):
        parse_feed(body)


@pytest.mark.parametrize(("link", "why"), [
    ("javascript:alert(1)", "a javascript: link is never fetched"),
    ("file:///etc/passwd", "a file: link is never fetched"),
    ("data:text/plain,x", "a data: link is never fetched"),
    ("http://127.0.0.1:8642/api/v1/torrents", "a link to a loopback or link-local address"),
    ("http://[::1]/x.torrent", "a link to a loopback or link-local address"),
    ("http://169.254.169.254/latest/meta-data", "a link to a loopback or link-local address"),
    ("http://localhost/x.torrent", "a link to this box itself"),
    ("magnet:?dn=nohash", "a magnet link without an info-hash"),
    ("ftp://example.org/x.torrent", "a ftp: link is never fetched"),
])
def test_hostile_links_never_reach_the_engine(link: str, why: str):
    feed = parse_feed(rss(item("Show S01E01 720p", link),
                          item("Show S01E02 720p", magnet(H1))))
    assert [r.title for r in feed.releases] == ["Show S01E02 720p"]
    assert [(s.title, s.why) for s in feed.skipped] == [("Show S01E01 720p", why)]


def test_an_item_without_title_or_link_is_skipped():
    feed = parse_feed(rss("<item><link>http://example.org/a.torrent</link></item>",
                          "<item><title>Only a title</title></item>"))
    assert [s.why for s in feed.skipped] == ["no title", "no torrent or magnet link"]


def test_known_items_are_counted_not_read_again():
    """An earlier poll's items are known by their guid, else by their link (store.known)."""
    no_guid = magnet(H2)
    feed = parse_feed(rss(item("Show.S01E01.720p-GRP", magnet(H1), guid="g-1"),
                          item("Show.S01E02.720p-GRP", magnet("c" * 40), guid="g-2"),
                          f"<item><title>Show.S01E03.720p-GRP</title><link>{escape(no_guid)}"
                          "</link></item>"),
                      known={"g-1", no_guid})
    assert feed.known == 2
    assert [(r.guid, r.title) for r in feed.releases] == [("g-2", "Show.S01E02.720p-GRP")]


def test_names_give_show_numbering_and_quality():
    feed = parse_feed(rss(
        item("Total.Divas.S02E08.720p.HDTV.x264-CRiMSON", magnet(H1)),
        item("Conan.2015.02.05.Jeff.Bridges.1080p.WEB-DL.X264-CROOKS", magnet(H2)),
        item("[SubsPlease] Frieren - 17 (1080p) [ABCDEF12].mkv", magnet("c" * 40)),
    ))
    divas, conan, anime = (named(r) for r in feed.releases)
    assert (divas.show, divas.season, divas.episode, divas.resolution, divas.source,
            divas.group) == ("Total Divas", 2, 8, "720p", "HDTV", "CRiMSON")
    assert (conan.show, conan.air_date, conan.season, conan.resolution) == (
        "Conan", "2015-02-05", None, "1080p")
    assert (anime.show, anime.absolute, anime.season, anime.episode) == ("Frieren", 17, None,
                                                                         None)


def test_an_entity_expansion_bomb_is_harmless():
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + b"".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode()
        for i in range(1, 10)) + b']><rss version="2.0"><channel><title>&lol9;</title>' \
        b'<item><title>&lol9;</title><link>magnet:?xt=urn:btih:' + b"a" * 40 + \
        b'</link></item></channel></rss>'
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.process_time()
    try:
        feed = parse_feed(bomb)
        assert all(len(r.title) < 10_000 for r in feed.releases)
    except FeedError:
        pass  # refusing it is fine too
    assert time.process_time() - began < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB


def test_twenty_thousand_items_parse_in_bounded_time():
    items = [item(f"Show {n} S01E{n % 99 + 1:02d} 720p", magnet(f"{n:040x}"), size=n)
             for n in range(20_000)]
    began = time.process_time()
    feed = parse_feed(rss(*items))
    assert len(feed.releases) == 20_000
    # A bound against the pathological (quadratic work, a hang), not a benchmark: the loaded
    # 2-core CI machine takes ~5 s; bench/feeds.py measures the real figure.
    assert time.process_time() - began < 30
