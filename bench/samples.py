"""The benchmark's media: one encode (moov at the end), remuxed with +faststart and into MKV,
each with its .torrent of 256 KiB pieces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swarmplayer.demo import video
from swarmplayer.engine import lt, media

PIECE_SIZE = 256 * 1024
LABELS = {"mp4": "MP4, moov at end", "mp4-faststart": "MP4, faststart", "mkv": "MKV"}


@dataclass(frozen=True)
class Sample:
    kind: str
    path: Path  # the file, alone in its folder (the seeders' save path)
    torrent: Path
    size: int
    duration: float  # seconds

    @property
    def rate(self) -> float:
        """Bytes per second of playback."""
        return self.size / self.duration

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def make_samples(workdir: Path, seconds: float, size: str = "1280x720",
                 bitrate: str = "3800k") -> list[Sample]:
    """Encode once, remux twice; about 4 Mbit/s with 128 kbit/s of audio."""
    first = _place(workdir, "mp4")
    video.run(video.encode_command(first, seconds, "mp4", size=size, bitrate=bitrate,
                                   audio_bitrate="128k", cbr=True))
    paths = {"mp4": first}
    for kind in ("mp4-faststart", "mkv"):
        paths[kind] = _place(workdir, kind)
        video.run(video.remux_command(first, paths[kind], kind))
    return [_sample(kind, path) for kind, path in paths.items()]


def _place(workdir: Path, kind: str) -> Path:
    folder = workdir / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder / ("video.mkv" if kind == "mkv" else "video.mp4")


def _sample(kind: str, path: Path) -> Sample:
    duration = media.probe_duration(path)
    if duration is None:
        raise RuntimeError(f"ffprobe cannot tell the duration of {path}")
    torrent = path.parent.parent / f"{kind}.torrent"
    torrent.write_bytes(lt.bencode(lt.make_torrent(str(path), piece_size=PIECE_SIZE)))
    return Sample(kind, path, torrent, path.stat().st_size, duration)
