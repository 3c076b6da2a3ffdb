"""What a feed's bytes hold: its items as releases with a link the engine may use, and the items
that cannot be used, each with why. Pure (no network, no database); feedparser does the XML."""

from __future__ import annotations

import base64
import binascii
import calendar
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser
import feedparser.mixin

from ..errors import BadInput, one_line

# Only these ever reach the engine from a feed.
SCHEMES = ("http", "https", "magnet")
TORRENT_TYPES = ("application/x-bittorrent", "application/x-tstream")
TORRENT_SUFFIXES = (".torrent", ".tstream")
MAX_SKIPPED_SHOWN = 20
_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
# "1.366 GB", "2.35 GiB", "938.49 MB": indexers mean binary units either way.
_SIZE = re.compile(r"(\d{1,6}(?:[.,]\d{1,4})?)\s*([KMGT])i?B\b", re.I)
_SEEDERS = re.compile(r"(?:seeders?\s*[:=]?\s*(\d+))|(?:(\d+)\s*seeders?)", re.I)
_LEECHERS = re.compile(r"(?:leechers?\s*[:=]?\s*(\d+))|(?:(\d+)\s*leechers?)", re.I)
_HEX_HASH = re.compile(r"[0-9a-fA-F]{40}")
_B32_HASH = re.compile(r"[A-Za-z2-7]{32}")
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html)", re.I)


class FeedError(BadInput):
    """The bytes are not a feed (an HTML page, a challenge, garbage): one line saying which."""

    code = "bad_feed"


@dataclass
class Item:
    """One usable feed item: a release of something, with the link to fetch it from."""

    title: str
    link: str  # magnet: or an http(s) URL of a .torrent/.tstream
    magnet: str | None = None
    info_hash: str | None = None  # 40 lower-case hex digits
    size: int | None = None
    seeders: int | None = None
    peers: int | None = None  # seeders + leechers, as indexers count them
    published_at: float | None = None
    guid: str | None = None
    show_title: str | None = None  # what the feed itself says (showRSS, torznab), else guessit
    season: int | None = None
    episode: int | None = None
    air_date: str | None = None
    absolute: int | None = None
    resolution: str | None = None
    source: str | None = None
    group: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Skipped:
    title: str | None
    why: str


@dataclass
class ParsedFeed:
    title: str | None
    items: list[Item] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warning: str | None = None  # what an ill-formed but readable feed got wrong


def _start_attr(self: Any, attrs: dict[str, str]) -> None:
    # feedparser keeps only the last of repeated <torznab:attr name= value=/> elements; every
    # one of them matters (size, seeders, infohash...), so collect them all by name.
    name, value = attrs.get("name"), attrs.get("value")
    if name and value is not None:
        self._get_context().setdefault("indexer_attrs", {})[name.lower()] = value


feedparser.mixin._FeedParserMixin._start_torznab_attr = _start_attr
feedparser.mixin._FeedParserMixin._start_newznab_attr = _start_attr


def parse_feed(body: bytes, *, content_type: str | None = None,
               allow_local: bool = False) -> ParsedFeed:
    """The items of a feed document; FeedError when `body` is not a feed at all.

    `allow_local` lets links to loopback/link-local hosts through (tests, a LAN publisher)."""
    _refuse_non_feed(body, content_type)
    headers = {"content-type": content_type} if content_type else None
    doc = feedparser.parse(body, response_headers=headers, sanitize_html=False,
                           resolve_relative_uris=False)
    version = doc.get("version") or ""
    if doc.bozo and not doc.entries and not doc.feed.get("title"):
        raise FeedError(f"not a readable feed: {one_line(str(doc.get('bozo_exception')))}")
    if not version and not doc.entries:
        raise FeedError("not an RSS or Atom feed (no channel, no items)")
    parsed = ParsedFeed(title=(doc.feed.get("title") or "").strip() or None)
    if doc.bozo:
        parsed.warning = f"ill-formed feed, read what could be: {_bozo(doc)}"
    for entry in doc.entries:
        title = _title(entry)
        why = None if title else "no title"
        item = None
        if title:
            item, why = _item(entry, title, allow_local)
        if item:
            parsed.items.append(item)
        else:
            parsed.skipped.append(Skipped(title, why or "no link"))
    return parsed


def _refuse_non_feed(body: bytes, content_type: str | None) -> None:
    head = body[:2048].lstrip(b"\xef\xbb\xbf")
    if not head.strip():
        raise FeedError("the feed is empty")
    lowered = body[:65536].lower()
    if b"cf-chl" in lowered or b"challenge-platform" in lowered or (
            b"just a moment" in lowered and b"cloudflare" in lowered):
        raise FeedError("a Cloudflare challenge page, not a feed (the site blocks automated "
                        "readers)")
    if _HTML_START.match(head) or (content_type or "").lower().startswith("text/html"):
        if b'type="password"' in lowered or b"type='password'" in lowered or b"login" in lowered:
            raise FeedError("a login page, not a feed (does the URL need a key or passkey?)")
        raise FeedError("an HTML page, not a feed")
    text = head.replace(b"\x00", b"")[:512]  # UTF-16/32 feeds are full of NULs
    controls = sum(byte < 9 or 13 < byte < 32 for byte in text)
    if b"<" not in text or controls > len(text) // 20:
        raise FeedError("not a feed: the answer is binary data, not XML")


def _bozo(doc: Any) -> str:
    return one_line(str(doc.get("bozo_exception") or "ill-formed XML"))


def _title(entry: Any) -> str | None:
    title = entry.get("title") or entry.get("showrss_rawtitle") or ""
    return " ".join(str(title).split()) or None


def _item(entry: Any, title: str, allow_local: bool) -> tuple[Item | None, str | None]:
    attrs = {**entry.get("indexer_attrs", {})}
    magnets, torrents, others, bad = [], [], [], []
    for url, kind in _links(entry, attrs):
        why = link_problem(url, allow_local)
        if why:
            bad.append(why)
        elif url.lower().startswith("magnet:"):
            magnets.append(url)
        elif kind == "torrent" or _looks_like_torrent(url):
            torrents.append(url)
        elif kind == "link":
            others.append(url)
    magnet = magnets[0] if magnets else None
    link = (torrents or magnets or others or [None])[0]
    if not link:
        return None, bad[0] if bad else "no link to a torrent or magnet"
    description = " ".join(str(entry.get("summary") or "").split())
    item = Item(title=title, link=link, magnet=magnet, guid=entry.get("id") or None)
    item.info_hash = _info_hash(entry, attrs, magnet)
    item.size = _size(entry, attrs, description)
    item.seeders, item.peers = _seeders(entry, attrs, description)
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    item.published_at = float(calendar.timegm(published)) if published else None
    show = entry.get("showrss_showname") or entry.get("tv_show_name") or ""
    item.show_title = show.strip() or None
    item.season = _int(attrs.get("season"))
    item.episode = _int(attrs.get("episode"))
    return item, None


def _links(entry: Any, attrs: dict[str, str]) -> Iterable[tuple[str, str]]:
    """Every URL the item offers, with what kind of link it says it is."""
    for enclosure in entry.get("enclosures", []):
        kind = "torrent" if _torrent_type(enclosure.get("type")) else "other"
        yield str(enclosure.get("href") or "").strip(), kind
    for key in ("magneturl",):
        if attrs.get(key):
            yield attrs[key].strip(), "magnet"
    for key in ("magneturi", "nyaa_magnet", "torrent_magneturi"):
        if entry.get(key):
            yield str(entry[key]).strip(), "magnet"
    if entry.get("link"):
        yield str(entry["link"]).strip(), "link"
    guid = str(entry.get("id") or "").strip()
    if guid.lower().startswith("magnet:") or _looks_like_torrent(guid):
        yield guid, "link"


def _torrent_type(mime: Any) -> bool:
    return any(t in str(mime or "").lower() for t in TORRENT_TYPES)


def _looks_like_torrent(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(TORRENT_SUFFIXES)


def link_problem(url: str, allow_local: bool = False) -> str | None:
    """Why a feed's link may not reach the engine (scheme, local host), or None."""
    if not url:
        return "an empty link"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "a malformed link"
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return f"a {scheme or 'relative'}: link (only http, https and magnet are used)"
    if scheme == "magnet":
        return None if "xt=urn:bt" in url.lower() else "a magnet link without a BitTorrent hash"
    try:
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return "a malformed link"
    if not host:
        return "a link without a host"
    if not allow_local and _local_host(host):
        return "a link to this machine or its local link (loopback/link-local address)"
    return None


def _local_host(host: str) -> bool:
    host = host.lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local or address.is_unspecified


def magnet_hash(magnet: str | None) -> str | None:
    """The hex v1 info-hash of a magnet (hex or base32 form), or None."""
    if not magnet:
        return None
    for xt in parse_qs(urlsplit(magnet).query).get("xt", []):
        if xt.lower().startswith("urn:btih:"):
            return normal_hash(xt[9:])
    return None


def normal_hash(text: str | None) -> str | None:
    """40 lower-case hex digits of an info-hash given as hex or base32, or None."""
    text = (text or "").strip()
    if _HEX_HASH.fullmatch(text):
        return text.lower()
    if _B32_HASH.fullmatch(text):
        try:
            return binascii.hexlify(base64.b32decode(text.upper())).decode()
        except (binascii.Error, ValueError):
            return None
    return None


def _info_hash(entry: Any, attrs: dict[str, str], magnet: str | None) -> str | None:
    for text in (attrs.get("infohash"), entry.get("infohash"), entry.get("showrss_info_hash"),
                 entry.get("nyaa_infohash"), entry.get("tv_info_hash")):
        found = normal_hash(text)
        if found:
            return found
    return magnet_hash(magnet)


def _size(entry: Any, attrs: dict[str, str], description: str) -> int | None:
    for text in (attrs.get("size"), entry.get("contentlength"), entry.get("size")):
        number = _int(text)
        if number:
            return number
        if text:
            found = text_size(str(text))
            if found:
                return found
    for enclosure in entry.get("enclosures", []):
        number = _int(enclosure.get("length"))
        if number and number > 1 << 20:  # a length of a few KB is the .torrent file itself
            return number
    for text in (entry.get("nyaa_size"), description):
        found = text_size(str(text or ""))
        if found:
            return found
    return None


def text_size(text: str) -> int | None:
    """Bytes of the first size written in words ("1.366 GB", "2.35 GiB"), or None."""
    match = _SIZE.search(text)
    if not match:
        return None
    return round(float(match.group(1).replace(",", ".")) * _UNITS[match.group(2).lower()])


def _seeders(entry: Any, attrs: dict[str, str], description: str) -> tuple[int | None, int | None]:
    seeders = _int(attrs.get("seeders") or entry.get("seeds") or entry.get("nyaa_seeders"))
    peers = _int(attrs.get("peers") or entry.get("peers"))
    leechers = _int(entry.get("nyaa_leechers"))
    text = f"{entry.get('status') or ''} {description}"
    if seeders is None:
        seeders = _first(_SEEDERS, text)
    if leechers is None:
        leechers = _first(_LEECHERS, text)
    if peers is None and seeders is not None and leechers is not None:
        peers = seeders + leechers
    return seeders, peers


def _first(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    if not match:
        return None
    return int(next(g for g in match.groups() if g is not None))


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None
