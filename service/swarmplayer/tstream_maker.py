"""`swarmplayer make-tstream`: hash a video into a .tstream (a torrent that knows its bitrate)."""

from __future__ import annotations

from pathlib import Path

from .addresses import peer_address
from .engine import lt, media, tstream
from .errors import BadInput


def make_tstream_file(video: Path, out: Path | None = None, *, trackers: tuple[str, ...] = (),
                      web_seeds: tuple[str, ...] = (), origins: tuple[str, ...] = (),
                      piece_size: int = 0) -> Path:
    """Write `<video>.tstream` (or `out`) and return its path; `origins` ("host:port") name the
    publisher's own seeders, which players spare while their buffer is healthy.

    The playtime comes from ffprobe, else from the container's own header; without either the
    .tstream is refused, since a bitrate is what makes it a VOD torrent.
    """
    for origin in origins:
        peer_address(origin)  # a bad one is refused before the video is hashed
    if not video.is_file():
        raise BadInput(f"no such video file: {video}")
    if piece_size and (piece_size < 16384 or piece_size & (piece_size - 1)):
        raise BadInput("the piece size is a power of two of at least 16384 bytes")
    seconds = media.probe_duration(video)
    if seconds is None:
        with video.open("rb") as fh:
            seconds = media.duration_from_header(video.name, fh.read(4 << 20))
    if not seconds:
        raise BadInput(f"cannot tell how long {video.name} plays (install ffprobe?)")
    torrent = lt.make_torrent(str(video), piece_size=piece_size, trackers=trackers,
                              web_seeds=web_seeds)
    meta = tstream.make_tstream(torrent, seconds, None)
    data = lt.bencode(tstream.with_origins(meta, list(origins)) if origins else meta)
    out = out or video.with_suffix(".tstream")
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
