"""The published feed as RSS 2.0 bytes (pure): an item per video with its .tstream as the
enclosure and EZRSS `torrent:` elements, which every feed reader of torrents understands.

File names are hostile input: ElementTree escapes markup, and what XML 1.0 cannot hold at
all (control characters, the lone surrogates of a name that is not UTF-8) becomes U+FFFD.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

EZRSS = "http://xmlns.ezrss.it/0.1/"
ATOM = "http://www.w3.org/2005/Atom"
TORRENT_TYPE = "application/x-bittorrent"
# Not allowed in XML 1.0 (tab, LF and CR are), and the surrogates os.fsdecode() leaves.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class FeedItem:
    title: str  # the video's name without its extension: "Show.S01E02.720p"
    file_name: str  # the .tstream's name
    size: int  # of the video
    info_hash: str
    published_at: float
    tstream_url: str
    tstream_size: int
    magnet: str


def xml_text(text: str) -> str:
    """`text` with what XML cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def magnet_link(info_hash: str, name: str, size: int, origins: Iterable[str]) -> str:
    """A magnet of the video: its hash, name, length and the publisher's seeders (x.pe)."""
    query = [("xt", f"urn:btih:{info_hash}"), ("dn", name), ("xl", str(size))]
    query += [("x.pe", origin) for origin in origins]
    return "magnet:?" + urllib.parse.urlencode(query, safe=":", errors="replace",
                                               quote_via=urllib.parse.quote)


def rss(items: list[FeedItem], *, title: str, link: str, self_url: str) -> bytes:
    """The RSS 2.0 document of `items` (newest first)."""
    # Building XML only, nothing untrusted is parsed. Imported here: with expat it costs the
    # service ~0.4 MB, which only a box whose feed is read needs.
    import xml.etree.ElementTree as ET

    ET.register_namespace("torrent", EZRSS)
    ET.register_namespace("atom", ATOM)
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", title)
    _text(channel, "link", link)
    _text(channel, "description", "Videos published with SwarmPlayer")
    ET.SubElement(channel, f"{{{ATOM}}}link", href=xml_text(self_url), rel="self",
                  type="application/rss+xml")
    for item in items:
        node = _text(channel, "item", "")
        _text(node, "title", item.title)
        _text(node, "link", item.tstream_url)
        _text(node, "guid", item.info_hash).set("isPermaLink", "false")
        _text(node, "pubDate", formatdate(item.published_at, usegmt=True))
        _text(node, "enclosure", "").attrib.update(
            url=xml_text(item.tstream_url), length=str(item.tstream_size), type=TORRENT_TYPE)
        _text(node, f"{{{EZRSS}}}fileName", item.file_name)
        _text(node, f"{{{EZRSS}}}contentLength", str(item.size))
        _text(node, f"{{{EZRSS}}}infoHash", item.info_hash)
        _text(node, f"{{{EZRSS}}}magnetURI", item.magnet)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _text(parent: Element, tag: str, text: str) -> Element:
    """A child element holding `text` (none when empty)."""
    node = parent.makeelement(tag, {})
    parent.append(node)
    node.text = xml_text(text) or None
    return node
