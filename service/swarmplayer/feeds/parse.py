"""Feed bytes → releases (pure). feedparser reads every RSS/Atom dialect and is hardened
against entity expansion; the Torznab attributes it cannot keep apart are read with defusedxml.

What an item gives that cannot be played — no title, no link, a link that is not http(s) or
magnet, a link to this box or its neighbours' link-local addresses — is skipped and said why.
"""

from __future__ import annotations

import calendar
import ipaddress
import re
import urllib.parse
from collections.abc import Container, Iterable, Mapping
from typing import Any

import feedparser

from ..errors import BadInput
from .items import ParsedFeed, Release, Skipped

TORRENT_TYPES = ("application/x-bittorrent", "application/x-tstream")
_SIZE_TEXT = re.compile(r"(\d+(?:[.,]\d+)?)\s*([KMGT])(i?)B\b", re.IGNORECASE)
_SIZE_UNITS = {"K": 1, "M": 2, "G": 3, "T": 4}
_HASH = re.compile(r"(?<![0-9a-f])([0-9a-f]{40})(?![0-9a-f])", re.IGNORECASE)
_BTIH = re.compile(r"urn:btih:([0-9a-z]{32,40})", re.IGNORECASE)
_MAGNET_IN_TEXT = re.compile(r"magnet:\?[^\s\"'<>]+", re.IGNORECASE)
# "1 seeder(s), 2 leecher(s)" (nyaa) or "Seeders: 6 / Leechers: 2" (many trackers).
_SEEDERS_TEXT = re.compile(r"(\d+)\s*seeders?\b|\bseeders?\s*[:=]\s*(\d+)", re.IGNORECASE)
_LEECHERS_TEXT = re.compile(r"(\d+)\s*leechers?\b|\bleechers?\s*[:=]\s*(\d+)", re.IGNORECASE)
_IMAGE = re.compile(r"<img[^>]+src=['\"](https?://[^'\"]+)", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html)", re.IGNORECASE)


class FeedError(BadInput):
    """Not a feed at all (a web page, a login, garbage): nothing to read."""

    code = "invalid_feed"


def parse_feed(data: bytes, content_type: str | None = None,
               feed_url: str | None = None, known: Container[str] = frozenset()) -> ParsedFeed:
    """The releases in a feed; FeedError when it is no feed. Release names are not parsed here
    (names.py does that, in the worker). Links to loopback addresses are taken only from a
    feed that is on this box itself (a local feed of local torrents): a feed elsewhere must not
    make the box call its own services. Items whose key (guid, else link) is in `known` are
    only counted: most of a show's feed is known at every poll after the first."""
    local = bool(feed_url) and _loopback(urllib.parse.urlsplit(feed_url or "").hostname or "")
    headers = {"content-type": content_type} if content_type else None
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True,
                              resolve_relative_uris=False)
    if not parsed.entries and not parsed.get("version"):
        raise FeedError(_not_a_feed(data))
    torznab = _torznab_attrs(data) if b"torznab" in data or b"newznab" in data else []
    feed = ParsedFeed(title=parsed.feed.get("title") or None)
    if parsed.bozo:
        feed.warning = f"the feed is not well formed ({_one_line(parsed.bozo_exception)}): " \
                       "what could be read is used"
    for index, entry in enumerate(parsed.entries):
        attrs = torznab[index] if index < len(torznab) else {}
        if known and (entry.get("id") or _link(entry, attrs)) in known:
            feed.known += 1
            continue
        release = _release(entry, attrs, local)
        if isinstance(release, Skipped):
            feed.skipped.append(release)
        else:
            feed.releases.append(release)
    return feed


def _not_a_feed(data: bytes) -> str:
    head = data[:4096]
    if _HTML_START.search(head) or b"<body" in head.lower():
        lower = head.lower()
        if b"cloudflare" in lower or b"cf-chl" in lower or b"just a moment" in lower:
            return "the address answers a Cloudflare check page, not a feed: the site blocks " \
                   "automatic readers"
        if b"password" in lower or b"login" in lower or b"sign in" in lower:
            return "the address answers a login page, not a feed: use the feed link with " \
                   "your key in it"
        return "the address answers a web page, not a feed: look for its RSS link"
    if not data.strip():
        return "the feed is empty"
    return "this is not an RSS or Atom feed"


def _release(entry: Mapping[str, Any], attrs: Mapping[str, str],
             local: bool) -> Release | Skipped:
    title = " ".join(str(entry.get("title") or "").split())
    if not title:
        return Skipped(None, "no title")
    link = _link(entry, attrs)
    if link is None:
        return Skipped(title, "no torrent or magnet link")
    refused = _refused(link, local)
    if refused:
        return Skipped(title, refused)
    magnet = link if link.lower().startswith("magnet:") else None
    info_hash = _info_hash(entry, attrs, magnet)
    seeders, peers = _counts(entry, attrs)
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    return Release(
        title=title,
        link=link,
        info_hash=info_hash,
        size=_size(entry, attrs),
        seeders=seeders,
        peers=peers,
        published_at=float(calendar.timegm(published)) if published else None,
        guid=entry.get("id") or None,
        season=_int(attrs.get("season")),
        episode=_int(attrs.get("episode")),
        show=entry.get("showrss_showname") or entry.get("tv_show_name") or None,
        plot=None,
        artwork=attrs.get("coverurl") or _image(entry),
    )


def _link(entry: Mapping[str, Any], attrs: Mapping[str, str]) -> str | None:
    """The item's torrent: a .torrent/.tstream enclosure first (metadata at once), else a
    magnet, else the item's own link."""
    enclosures = [link for link in entry.get("links", ()) if link.get("rel") == "enclosure"]
    for link in enclosures:
        href = str(link.get("href") or "")
        kind = str(link.get("type") or "").lower()
        if kind in TORRENT_TYPES or _path_end(href) in (".torrent", ".tstream"):
            return href
    for candidate in (entry.get("torrent_magneturi"), entry.get("magneturi"),
                      attrs.get("magneturl"), entry.get("link"), entry.get("id")):
        if candidate and str(candidate).lower().startswith("magnet:"):
            return str(candidate)
    found = _MAGNET_IN_TEXT.search(str(entry.get("summary") or ""))
    if found:
        return found.group(0).replace("&amp;", "&")
    if enclosures and not entry.get("link"):
        return str(enclosures[0].get("href") or "") or None
    link = entry.get("link")
    return str(link) if link else None


def _path_end(url: str) -> str:
    path = urllib.parse.urlsplit(url).path.lower()
    return path[path.rfind("."):] if "." in path else ""


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refused(link: str, local: bool) -> str | None:
    """Why a link may not reach the engine, or None."""
    scheme, _, rest = link.partition(":")
    scheme = scheme.lower()
    if scheme == "magnet":
        return None if _BTIH.search(rest) or "urn:btmh:" in rest.lower() else \
            "a magnet link without an info-hash"
    if scheme not in ("http", "https"):
        return f"a {scheme or 'relative'}: link is never fetched"
    host = urllib.parse.urlsplit(link).hostname or ""
    if not host:
        return "a link without a host"
    if local:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return "a link to this box itself"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback or address.is_link_local or address.is_unspecified:
        return "a link to a loopback or link-local address"
    return None


def _info_hash(entry: Mapping[str, Any], attrs: Mapping[str, str],
               magnet: str | None) -> str | None:
    for text in (entry.get("torrent_infohash"), entry.get("infohash"),
                 entry.get("showrss_info_hash"), entry.get("nyaa_infohash"),
                 attrs.get("infohash")):
        if text and _HASH.fullmatch(str(text).strip()):
            return str(text).strip().lower()
    if magnet:
        found = _BTIH.search(magnet)
        if found:
            return _hex_hash(found.group(1))
    return None


def _hex_hash(text: str) -> str | None:
    import base64

    if len(text) == 40:
        return text.lower()
    try:
        return base64.b32decode(text.upper()).hex()
    except ValueError:
        return None


def _size(entry: Mapping[str, Any], attrs: Mapping[str, str]) -> int | None:
    for value in (entry.get("torrent_contentlength"), entry.get("contentlength"),
                  attrs.get("size"), entry.get("size")):
        number = _int(value)
        if number:
            return number
    for text in (entry.get("nyaa_size"), entry.get("summary"), entry.get("description")):
        found = _SIZE_TEXT.search(str(text or ""))
        if found:
            number = float(found.group(1).replace(",", "."))
            return round(number * 1024 ** _SIZE_UNITS[found.group(2).upper()])
    # Not an enclosure's length: for a .torrent that is the torrent file's size.
    return None


def _counts(entry: Mapping[str, Any], attrs: Mapping[str, str]) -> tuple[int | None, int | None]:
    seeders = _int(entry.get("torrent_seeds") or entry.get("seeds") or entry.get("nyaa_seeders")
                   or attrs.get("seeders") or entry.get("seeders"))
    peers = _int(entry.get("torrent_peers") or entry.get("peers") or attrs.get("peers")
                 or entry.get("leechers"))
    leechers = _int(entry.get("nyaa_leechers"))
    if seeders is None:
        summary = str(entry.get("summary") or "")
        seeders, leechers = _number(_SEEDERS_TEXT, summary), _number(_LEECHERS_TEXT, summary)
    if peers is None and seeders is not None and leechers is not None:
        peers = seeders + leechers
    return seeders, peers


def _image(entry: Mapping[str, Any]) -> str | None:
    """A poster the item's description shows (trackers put one there), for the TV's lists."""
    found = _IMAGE.search(str(entry.get("summary") or ""))
    return found.group(1) if found else None


def _number(pattern: re.Pattern[str], text: str) -> int | None:
    found = pattern.search(text)
    return int(found.group(1) or found.group(2)) if found else None


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _one_line(exc: Any) -> str:
    return " ".join(str(exc).split())[:200]


def _torznab_attrs(data: bytes) -> list[dict[str, str]]:
    """Per item, its `torznab:attr`/`newznab:attr` name → value (feedparser keeps only the
    last one of an item); [] when the XML cannot be read this way."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(data, forbid_dtd=False)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return []
    return [_attrs_of(item.iter()) for item in root.iter("item")]


def _attrs_of(elements: Iterable[Any]) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for element in elements:
        if element.tag.endswith("}attr") and "name" in element.attrib:
            attrs.setdefault(element.attrib["name"].lower(), element.attrib.get("value", ""))
    return attrs
