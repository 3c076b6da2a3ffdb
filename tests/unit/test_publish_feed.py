"""The published feed's XML (pure): well-formed whatever the file names hold, read back by the
same parser a subscriber uses, and magnet links that carry the publisher's seeders."""

from __future__ import annotations

import urllib.parse

from defusedxml import ElementTree

from swarmplayer.feeds.parse import parse_feed
from swarmplayer.publishing.feed import EZRSS, FeedItem, magnet_link, rss, xml_text

IH = "ab" * 20


def _item(title: str, **changes: object) -> FeedItem:
    values = dict(title=title, file_name=title + ".tstream", size=123456, info_hash=IH,
                  published_at=1.7e9, tstream_url=f"http://box:8642/feeds/published/{IH}.tstream",
                  tstream_size=789, magnet=magnet_link(IH, title + ".mp4", 123456, []))
    values.update(changes)
    return FeedItem(**values)  # type: ignore[arg-type]


def test_hostile_names_stay_text() -> None:
    names = ["<script>alert(1)</script>", "a & b ]]> c", "quote\" and 'single'",
             "ctrl\x00\x01\x1b chars", "not utf-8 \udcff\udcfe", "tab\tnew\nline",
             "&amp;&#x26;&lt;", "\ufffe\uffff"]
    body = rss([_item(n) for n in names], title="Box <&>", link="http://box:8642",
               self_url="http://box:8642/feeds/published.xml")
    root = ElementTree.fromstring(body)  # well-formed, or this raises
    assert root.findtext("channel/title") == "Box <&>"
    titles = [i.findtext("title") for i in root.iter("item")]
    assert titles == [xml_text(n) for n in names]
    assert titles[0] == "<script>alert(1)</script>" and "\ufffd" in titles[3]
    assert all("\udcff" not in t for t in titles)
    # Nothing of a name becomes markup: one element each, no script element anywhere.
    assert not list(root.iter("script"))
    assert [len(list(i)) for i in root.iter("item")] == [9] * len(names)


def test_a_subscriber_reads_every_field_it_needs() -> None:
    magnet = magnet_link(IH, "Show.S01E02.720p.mp4", 123456, ["192.168.1.20:6881"])
    body = rss([_item("Show.S01E02.720p", magnet=magnet)], title="t", link="http://box:8642",
               self_url="http://box:8642/feeds/published.xml")
    item = next(ElementTree.fromstring(body).iter("item"))
    assert item.findtext(f"{{{EZRSS}}}magnetURI") == magnet
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("pubDate") == "Tue, 14 Nov 2023 22:13:20 GMT"
    feed = parse_feed(body, "application/rss+xml", "http://box:8642/feeds/published.xml")
    assert not feed.skipped and feed.warning is None
    release = feed.releases[0]
    assert (release.title, release.info_hash, release.size) == ("Show.S01E02.720p", IH, 123456)
    assert release.link == f"http://box:8642/feeds/published/{IH}.tstream"  # the enclosure
    assert release.guid == IH and release.published_at == 1.7e9


def test_magnet_links_quote_the_name_and_name_the_origins() -> None:
    link = magnet_link(IH, "A & B?.mp4", 42, ["10.0.0.2:6881", "[::1]:7000"])
    query = urllib.parse.parse_qs(link.removeprefix("magnet:?"))
    assert query == {"xt": [f"urn:btih:{IH}"], "dn": ["A & B?.mp4"], "xl": ["42"],
                     "x.pe": ["10.0.0.2:6881", "[::1]:7000"]}
    assert link.startswith(f"magnet:?xt=urn:btih:{IH}&dn=A%20%26%20B%3F.mp4")
