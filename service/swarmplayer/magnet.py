"""Magnet links as users paste them: the scheme in any case, and only the trackers, web seeds
and peers the service can use kept (a `javascript:` tracker is dropped, and the answer says so).
Pure text handling; libtorrent parses what is left."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from .addresses import peer_address
from .errors import BadInput, shown

# "magnet:?…", also "MAGNET:?…" and "magnet:///?…" (the same link with an empty authority).
_PREFIX = re.compile(r"magnet:/*\?", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# What each kind of link parameter may hold.
_SCHEMES = {
    "tr": ("http", "https", "udp", "wss"),  # trackers
    "ws": ("http", "https"),  # web seeds
    "as": ("http", "https"),  # acceptable sources (a web seed's file)
    "xs": ("http", "https"),  # exact sources (a .torrent)
}
_NAMES = {"tr": "tracker", "ws": "web seed", "as": "source", "xs": "source", "x.pe": "peer"}


def is_magnet(text: str) -> bool:
    """Whether `text` is meant as a magnet link (a bad one is then an invalid magnet)."""
    return text[:7].lower() == "magnet:"


def sanitise(uri: str) -> tuple[str, list[str]]:
    """(the link as libtorrent gets it, warnings about what was dropped from it)."""
    prefix = _PREFIX.match(uri)
    if prefix is None:
        raise BadInput(f"not a magnet link: {shown(uri)}", code="invalid_magnet")
    kept: list[str] = []
    warnings: list[str] = []
    for param in uri[prefix.end():].split("&"):
        key, _, value = param.partition("=")
        why = _unusable(key.lower(), unquote(value))
        if why:
            warnings.append(f"dropped {_NAMES[_kind(key.lower())]} {shown(unquote(value))}: {why}")
        elif param:
            kept.append(param)
    return "magnet:?" + "&".join(kept), warnings


def _kind(key: str) -> str:
    """The parameter's kind: "tr.1" (numbered, as BEP 9 allows) is a "tr"."""
    return key if key == "x.pe" else key.split(".")[0]


def _unusable(key: str, value: str) -> str | None:
    """Why a parameter is dropped, or None to keep it."""
    kind = _kind(key)
    if kind == "x.pe":
        try:
            peer_address(value)
        except BadInput:
            return "a peer is host:port"
        return None
    schemes = _SCHEMES.get(kind)
    if schemes is None:
        return None
    try:
        parts = urlsplit(value)
        ok = parts.scheme.lower() in schemes and bool(parts.hostname) and parts.port != 0
    except ValueError:
        ok = False
    if not ok or _CONTROL.search(value):
        return "only " + ", ".join(f"{s}://" for s in schemes) + " links with a host are kept"
    return None
