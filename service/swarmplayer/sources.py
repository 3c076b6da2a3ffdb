"""Whatever a user gives us — magnet, http(s) URL, local path, uploaded bytes — into the engine.

Every source is told apart and checked here, before the engine sees it: a refused source leaves
nothing behind."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from . import magnet
from .engine.engine import Engine
from .errors import BadInput, Forbidden, TooLarge, shown
from .fetch import check_url, fetch
from .slots import Slots

MAX_TORRENT_BYTES = 10 << 20
FETCH_TIMEOUT = 20.0
# A v1 info-hash in hex (40) or base32 (32), with nothing around it.
_BARE_HASH = re.compile(r"[0-9A-Fa-f]{40}|[A-Za-z2-7]{32}")
# Text that is meant as a hash but is not one (39 or 41 hex digits, say).
_HASH_LIKE = re.compile(r"[0-9A-Fa-f]{20,128}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_HTTP = re.compile(r"https?://", re.IGNORECASE)
NOT_A_SOURCE = "not a magnet link, an http(s) URL or the path of a torrent file"


@dataclass(frozen=True)
class Added:
    info_hash: str
    created: bool
    warnings: list[str] = field(default_factory=list)


def add_source(engine: Engine, source: str, *, allowed_paths: Sequence[Path] | None = None,
               fetch_slots: Slots | None = None, shown_as: str | None = None,
               peers: Sequence[tuple[str, int]] = (), waiting: bool = False) -> Added:
    """Add a magnet link, a URL of a .torrent/.tstream, or a local file, connected to `peers`
    (ip, port); `waiting`: for a prefetch (Engine.add_torrent_data).

    `allowed_paths`: the folders a path source may be in (None: any, for the box's own user).
    `fetch_slots`: a limit on URL fetches at once (Busy when all are taken).
    `shown_as`: the URL the torrent's source says, when the one fetched holds a secret (an
    indexer's API key).
    """
    source = source.strip()
    if not source:
        raise BadInput("give a magnet link, a URL of a .torrent/.tstream, or a file")
    if _BARE_HASH.fullmatch(source):
        # A bare info-hash, as index sites show it (Transmission takes these too).
        source = f"magnet:?xt=urn:btih:{source}"
    if magnet.is_magnet(source):
        link, warnings = magnet.sanitise(source)
        info_hash, created = engine.add_magnet(link, peers, waiting)
        return Added(info_hash, created, warnings)
    if _HTTP.match(source):
        url = check_url(source)
        with fetch_slots.held() if fetch_slots else nullcontext():
            data = fetch(url, max_bytes=MAX_TORRENT_BYTES, deadline=FETCH_TIMEOUT,
                         accept="application/x-bittorrent, */*").body
        return Added(*engine.add_torrent_data(data, shown_as or url, peers=peers,
                                               waiting=waiting))
    if _HASH_LIKE.fullmatch(source):
        raise BadInput(f"an info-hash is 40 hex digits or 32 base32 characters, not "
                       f"{len(source)}: {shown(source)}", code="invalid_magnet")
    if _SCHEME.match(source) or not source.startswith(("/", "~")):
        raise BadInput(f"{NOT_A_SOURCE}: {shown(source)}", code="invalid_source")
    path = _local_path(source, allowed_paths)
    return Added(*engine.add_torrent_data(read_torrent_file(path), str(path), peers=peers,
                                           waiting=waiting))


def _local_path(source: str, allowed: Sequence[Path] | None) -> Path:
    """The absolute, resolved path of a path source; Forbidden when outside `allowed`, the same
    answer whether it exists or not (a LAN client learns nothing of the box's files)."""
    try:
        path = Path(source).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):  # a NUL byte, a symlink loop
        if allowed is not None:
            raise _outside() from None
        raise BadInput(f"not a file path: {shown(source)}") from None
    if allowed is not None and not any(path.is_relative_to(folder) for folder in allowed):
        raise _outside()
    return path


def _outside() -> Forbidden:
    return Forbidden("from another machine, only torrent files inside the service's "
                     "allowed_paths can be added by path: upload the file instead",
                     code="path_not_allowed")


def read_torrent_file(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_TORRENT_BYTES. Never blocks (a FIFO without a
    writer), never reads more than the cap + 1 (a fed FIFO, /dev/zero)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise _not_regular(path)
        # O_NONBLOCK: should it be swapped for a FIFO after the check, the open does not wait.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        raise BadInput(f"no such file: {shown(path)}", code="not_found") from None
    except OSError as exc:
        raise BadInput(f"cannot read {shown(path)}: {exc.strerror or exc}") from None
    except ValueError:  # e.g. a NUL byte, which no path can hold
        raise BadInput(f"not a file path: {shown(path)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path)
        if info.st_size > MAX_TORRENT_BYTES:  # no need to read it to know
            raise TooLarge(f"{shown(path)} is larger than a torrent file can be")
        data = bytearray()
        while len(data) <= MAX_TORRENT_BYTES:
            chunk = os.read(fd, MAX_TORRENT_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        raise BadInput(f"cannot read {shown(path)}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_TORRENT_BYTES:
        raise TooLarge(f"{shown(path)} is larger than a torrent file can be")
    return bytes(data)


def _not_regular(path: Path) -> BadInput:
    return BadInput(f"not a regular file (a folder, FIFO or device): {shown(path)}",
                    code="not_a_file")
