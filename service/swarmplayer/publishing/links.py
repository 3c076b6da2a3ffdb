"""The addresses a published folder is known by: the base URL other boxes reach this one at,
the origins (seeders) its .tstreams name, and the URLs of the feed and each .tstream."""

from __future__ import annotations

import urllib.parse

from ..addresses import peer_address
from ..errors import BadInput, shown
from ..fetch import check_url

FEED_PATH = "/feeds/published.xml"
MAX_ORIGINS = 20


def check_base_url(text: str) -> str:
    """The service's public address as feed links start with it: http(s), a host, maybe a
    path (a reverse proxy), no query; without the trailing slash."""
    url = check_url(text)
    parts = urllib.parse.urlsplit(url)
    if parts.query or "#" in text:
        raise BadInput(f"a base URL has no query or fragment: {shown(text)}",
                       code="invalid_url")
    return url.rstrip("/")


def check_origins(values: list[str]) -> list[str]:
    """Each "host:port" checked (BadInput "invalid_peer" for one that is not)."""
    if len(values) > MAX_ORIGINS:
        raise BadInput(f"at most {MAX_ORIGINS} origins", code="invalid_peer")
    for value in values:
        peer_address(value)
    return [v.strip() for v in values]


def default_origin(base_url: str, port: int) -> str:
    """This box as its videos' origin: the base URL's host with the BitTorrent port (what
    other boxes reach it at)."""
    host = urllib.parse.urlsplit(base_url).hostname or ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def tstream_url(base_url: str, info_hash: str) -> str:
    return f"{base_url}/feeds/published/{info_hash}.tstream"
