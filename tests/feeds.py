"""Feeds made for the tests: RSS with the namespaces real indexers use."""

from __future__ import annotations

from email.utils import formatdate
from xml.sax.saxutils import escape, quoteattr

EZRSS = "http://xmlns.ezrss.it/0.1/"


def item(title: str, link: str, *, size: int | None = None, info_hash: str | None = None,
         seeds: int | None = None, guid: str | None = None, published: float = 1.7e9,
         enclosure: bool = False) -> str:
    parts = [f"<title>{escape(title)}</title>"]
    if enclosure:
        parts.append(f"<enclosure url={quoteattr(link)} type=\"application/x-bittorrent\" "
                     f"length=\"{size or 0}\"/>")
    else:
        parts.append(f"<link>{escape(link)}</link>")
    parts.append(f"<guid isPermaLink=\"false\">{escape(guid or title)}</guid>")
    parts.append(f"<pubDate>{formatdate(published)}</pubDate>")
    if size is not None:
        parts.append(f"<torrent:contentLength>{size}</torrent:contentLength>")
    if info_hash:
        parts.append(f"<torrent:infoHash>{info_hash}</torrent:infoHash>")
    if seeds is not None:
        parts.append(f"<torrent:seeds>{seeds}</torrent:seeds>")
    return "<item>" + "".join(parts) + "</item>"


def rss(*items: str, title: str = "Test feed") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            f'xmlns:torrent="{EZRSS}"><channel><title>{escape(title)}</title>'
            f'<link>http://example.org/</link>{"".join(items)}</channel></rss>').encode()


def magnet(info_hash: str, name: str = "x") -> str:
    return f"magnet:?xt=urn:btih:{info_hash}&dn={name}"
