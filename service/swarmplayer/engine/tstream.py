"""The P2P-Next "VOD torrent" (.tstream): a torrent that also states how fast its video plays.

A .tstream is a plain bencoded torrent with, optionally:
- `playtime` ("h:mm:ss" or "mm:ss") in `info`, in an entry of `info.files`, or at the top level;
- `azureus_properties.Content` with `Speed Bps` (bytes/s), `Progressive` (1) and `Thumbnail`.
A live .tstream has `info.live` = {authmethod, pubkey} and no `pieces`.

SwarmPlayer adds one top-level key, outside `info` so the info-hash stays the same: `origin`, a
list of "host:port", the publisher's own seeders. A player spares them while its buffer is
healthy, so that the swarm's other peers carry the load the publisher would pay for.

These are pure functions on the bdecoded dict. libtorrent 2.0.8 and 2.1.1 both decode keys and
strings as bytes; dicts built by hand may use str, so every lookup accepts either.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import Unsupported
from .media import is_video

# The first field is unbounded ("90:00" is 90 minutes); later ones are base-60 digits.
_PLAYTIME = re.compile(r"\d+(?::[0-5]?\d){0,2}(?:\.\d+)?", re.ASCII)


def parse_playtime(text: str | bytes) -> float:
    """Seconds in "h:mm:ss", "mm:ss" or "ss" (P2P-Next's forms); ValueError for anything else."""
    if isinstance(text, bytes):
        text = text.decode("ascii", errors="replace")
    if not isinstance(text, str) or not _PLAYTIME.fullmatch(text.strip()):
        raise ValueError(f"not a playtime (h:mm:ss or mm:ss): {text!r}")
    seconds = 0.0
    for field in text.strip().split(":"):
        seconds = seconds * 60 + float(field)
    return seconds


def format_playtime(seconds: float) -> str:
    """The h:mm:ss form, rounded to the second; a positive duration never rounds to zero."""
    if not 0 <= seconds < math.inf:
        raise ValueError(f"a playtime is a finite number of seconds >= 0, not {seconds!r}")
    whole = max(round(seconds), 1) if seconds > 0 else 0
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _get(d: Any, key: str) -> Any:
    """d[key] whether the dict's keys are bytes (bdecoded) or str (built by hand), else None."""
    if not isinstance(d, dict):
        return None
    value = d.get(key.encode())
    return d.get(key) if value is None else value


def is_live(meta: dict[Any, Any]) -> bool:
    """True for a live .tstream (`info.live` present)."""
    return _get(_get(meta, "info"), "live") is not None


def check_not_live(meta: Any) -> None:
    """The one refusal of a live .tstream (no fixed content to hash-check: nothing to play)."""
    if isinstance(meta, dict) and is_live(meta):
        raise Unsupported("live streams are not supported yet", code="live_unsupported")


def _seconds(value: Any) -> float | None:
    """A usable (positive) playtime in seconds, or None for a missing or garbage value."""
    if not isinstance(value, (str, bytes)):
        return None
    try:
        seconds = parse_playtime(value)
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _file_name(entry: Any) -> str:
    path = _get(entry, "path.utf-8") or _get(entry, "path")
    if not isinstance(path, list) or not path or not isinstance(path[-1], (str, bytes)):
        return ""
    last = path[-1]
    return last.decode("utf-8", errors="replace") if isinstance(last, bytes) else last


def _torrent_playtime_applies(info: dict[Any, Any], file_index: int | None) -> bool:
    """Whether a whole-torrent playtime describes this file: one file, or the only video."""
    files = _get(info, "files")
    if not isinstance(files, list):
        return _get(info, "length") is not None
    videos = [i for i, entry in enumerate(files) if is_video(_file_name(entry))]
    return len(videos) == 1 and file_index in (None, videos[0])


def bitrate(meta: dict[Any, Any], file_index: int | None, file_size: int) -> float | None:
    """The video's bytes per second as the .tstream states it, or None when it does not.

    Order: the file's own playtime, the torrent's playtime (when it can only mean this file),
    then `Speed Bps`. Garbage values are skipped, never raised.
    """
    info = _get(meta, "info")
    if not isinstance(info, dict) or not isinstance(file_size, int) or file_size <= 0:
        return _speed(meta)
    files = _get(info, "files")
    if isinstance(files, list) and isinstance(file_index, int) and 0 <= file_index < len(files):
        seconds = _seconds(_get(files[file_index], "playtime"))
        if seconds is not None:
            return file_size / seconds
    if _torrent_playtime_applies(info, file_index):
        seconds = _seconds(_get(info, "playtime")) or _seconds(_get(meta, "playtime"))
        if seconds is not None:
            return file_size / seconds
    return _speed(meta)


def _speed(meta: dict[Any, Any]) -> float | None:
    speed = _get(_get(_get(meta, "azureus_properties"), "Content"), "Speed Bps")
    # bool is an int too, and "True bytes/s" is garbage.
    if isinstance(speed, int) and not isinstance(speed, bool) and speed > 0:
        return float(speed)
    return None


def make_tstream(
    torrent: dict[Any, Any],
    playtime_s: float | None,
    bitrate_bps: float | None,
    thumbnail: bytes | None = None,
) -> dict[Any, Any]:
    """A .tstream made from a torrent dict: `info.playtime` and `azureus_properties.Content`.

    Like P2P-Next, the playtime goes inside `info`, so the .tstream has a different info-hash
    from the plain torrent: it is a new torrent and its swarm is its own. `Speed Bps` is
    bitrate_bps, else the total length over the playtime. The result has bytes keys and values
    only (what libtorrent 2.1 bencodes without a deprecation warning); the input is not changed.
    """
    check_not_live(torrent)
    for name, value in (("playtime", playtime_s), ("bitrate", bitrate_bps)):
        if value is not None and not 0 < value < math.inf:
            raise ValueError(f"the {name} must be a positive number, not {value!r}")
    meta = _as_bytes(torrent)
    info = meta.get(b"info")
    if not isinstance(info, dict):
        raise ValueError("not a torrent: it has no info dictionary")
    if bitrate_bps is not None:
        speed = bitrate_bps
    elif playtime_s is not None:
        speed = _total_length(info) / playtime_s
    else:
        raise ValueError("a .tstream needs a playtime or a bitrate")
    if playtime_s is not None:
        info[b"playtime"] = format_playtime(playtime_s).encode()
    content = _subdict(_subdict(meta, b"azureus_properties"), b"Content")
    content[b"Speed Bps"] = max(round(speed), 1)  # bencoding has no floats
    content[b"Progressive"] = 1
    if thumbnail is not None:
        content[b"Thumbnail"] = bytes(thumbnail)
    return meta


def origins(meta: Any) -> list[str]:
    """The "host:port" texts of the top-level `origin` (one text or a list); [] without one.
    Only their form is checked here: entries that are not text are left out."""
    value = _get(meta, "origin")
    items = value if isinstance(value, list) else [value]
    texts = (v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in items)
    return [t.strip() for t in texts if isinstance(t, str) and t.strip()]


def with_origins(meta: dict[Any, Any], addresses: list[str]) -> dict[Any, Any]:
    """A copy of a torrent dict naming `addresses` ("host:port") as its origin."""
    copy = _as_bytes(meta)
    copy[b"origin"] = [a.encode() for a in addresses]
    return copy


def _subdict(d: dict[bytes, Any], key: bytes) -> dict[bytes, Any]:
    """d[key], replaced by an empty dict when it is missing or not a dict."""
    if not isinstance(d.get(key), dict):
        d[key] = {}
    return d[key]


def _total_length(info: dict[bytes, Any]) -> int:
    files = info.get(b"files")
    entries = files if isinstance(files, list) else [info]
    lengths = (_get(entry, "length") for entry in entries)
    return sum(n for n in lengths if isinstance(n, int))


def _as_bytes(value: Any) -> Any:
    """A deep copy with str keys and values encoded as UTF-8 bytes."""
    if isinstance(value, dict):
        return {_as_bytes(k): _as_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_bytes(v) for v in value]
    if isinstance(value, str):
        return value.encode()
    return value
