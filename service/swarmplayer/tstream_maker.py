"""`swarmplayer make-tstream`: hash a video into a .tstream (a torrent that knows its bitrate)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .addresses import peer_address
from .engine import lt, media, tstream
from .errors import BadInput, shown


def make_tstream_file(video: Path, out: Path | None = None, *, trackers: tuple[str, ...] = (),
                      web_seeds: tuple[str, ...] = (), origins: tuple[str, ...] = (),
                      piece_size: int = 0) -> Path:
    """Write `<video>.tstream` (or `out`) and return its path (tstream_bytes says what is in
    it)."""
    data = tstream_bytes(video, trackers=trackers, web_seeds=web_seeds, origins=origins,
                         piece_size=piece_size)
    out = out or video.with_suffix(".tstream")
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


def tstream_bytes(video: Path, *, trackers: tuple[str, ...] = (),
                  web_seeds: tuple[str, ...] = (), origins: tuple[str, ...] = (),
                  piece_size: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> bytes:
    """The bencoded .tstream of a video; `origins` ("host:port") name the publisher's own
    seeders, which players spare while their buffer is healthy; `progress(pieces hashed,
    pieces)` follows the hashing.

    The playtime comes from ffprobe, else from the container's own header; without either the
    .tstream is refused, since a bitrate is what makes it a VOD torrent.
    """
    for origin in origins:
        peer_address(origin)  # a bad one is refused before the video is hashed
    if not video.is_file():
        raise BadInput(f"no such video file: {video}")
    if piece_size and (piece_size < 16384 or piece_size & (piece_size - 1)):
        raise BadInput("the piece size is a power of two of at least 16384 bytes")
    try:
        with video.open("rb") as fh:  # unreadable: said here (libtorrent 2.0 says "canceled")
            head = fh.read(4 << 20)
        seconds = media.probe_duration(video) or media.duration_from_header(video.name, head)
        if not seconds:
            raise BadInput(f"cannot tell how long {shown(video.name)} plays: not a video "
                           "ffprobe can read (is ffprobe installed?)")
        torrent = lt.make_torrent(str(video), piece_size=piece_size, trackers=trackers,
                                  web_seeds=web_seeds, progress=progress)
    except OSError as exc:
        raise BadInput(f"cannot read {shown(video.name)}: {exc.strerror or exc}") from None
    except lt.TorrentError as exc:
        raise BadInput(f"cannot hash {shown(video.name)}: {exc}") from None
    meta = tstream.make_tstream(torrent, seconds, None)
    return lt.bencode(tstream.with_origins(meta, list(origins)) if origins else meta)
