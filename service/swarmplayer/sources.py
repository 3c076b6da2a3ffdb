"""Whatever a user gives us — magnet, http(s) URL, local path, uploaded bytes — into the engine."""

from __future__ import annotations

import re
from pathlib import Path

from .engine.engine import Engine
from .errors import BadInput, TooLarge
from .fetch import check_url, fetch

MAX_TORRENT_BYTES = 10 << 20
FETCH_TIMEOUT = 20.0
# A v1 info-hash in hex (40) or base32 (32), with nothing around it.
_BARE_HASH = re.compile(r"[0-9A-Fa-f]{40}|[A-Za-z2-7]{32}")
_MAGNET_PREFIX = re.compile(r"^magnet:/*\?")


def add_source(engine: Engine, source: str) -> tuple[str, bool]:
    """Add a magnet link, a URL of a .torrent/.tstream, or a local file; (info-hash, created)."""
    source = source.strip()
    if not source:
        raise BadInput("give a magnet link, a URL of a .torrent/.tstream, or a file")
    if _BARE_HASH.fullmatch(source):
        # A bare info-hash, as index sites show it (Transmission takes these too).
        source = f"magnet:?xt=urn:btih:{source}"
    if source.startswith("magnet:"):
        # "magnet:///?…" is the same link written with an empty authority.
        return engine.add_magnet(_MAGNET_PREFIX.sub("magnet:?", source, count=1))
    if source.startswith(("http://", "https://")):
        url = check_url(source)
        return engine.add_torrent_data(fetch_torrent(url), url)
    if "://" in source:
        raise BadInput(f"unsupported link {source[:80]!r}: use magnet:, http:// or https://")
    return engine.add_torrent_data(read_torrent_file(Path(source)), str(Path(source).resolve()))


def fetch_torrent(url: str) -> bytes:
    """Download a .torrent/.tstream over HTTP(S), bounded in size and time."""
    return fetch(url, max_bytes=MAX_TORRENT_BYTES, deadline=FETCH_TIMEOUT,
                 accept="application/x-bittorrent, */*").body


def read_torrent_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_TORRENT_BYTES:
            raise TooLarge(f"{path} is larger than a torrent file can be")
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"no such file: {path}", code="not_found") from None
    except (IsADirectoryError, PermissionError, OSError) as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError:  # e.g. a NUL byte, which no path can hold
        raise BadInput(f"not a file path: {str(path)[:80]!r}") from None
