"""A torrent's status as one frozen, typed snapshot: what the janitor, the seeding policy and the
governor read (as attributes), and what the API turns into JSON at its edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BROKEN = "broken"  # the state of a torrent that could not be brought back at start
DISK_FULL = "disk_full"


@dataclass(frozen=True)
class StreamStatus:
    """The lead reader of a torrent: where it reads and how much its player has ahead."""

    file_index: int
    position: int
    bitrate: int  # bytes per second of playback
    buffered_seconds: float
    readers: int


@dataclass(frozen=True)
class TorrentStatus:
    info_hash: str
    name: str
    source: str
    # checking_files, downloading_metadata, downloading, finished, seeding, paused, error,
    # disk_full, broken
    state: str
    holds: dict[str, str] = field(default_factory=dict)  # why it is paused, by reason
    has_metadata: bool = False
    # Every piece it wants now verified (paused or not); what waits its turn (the rest of a
    # prefetched video, a pack's other episodes) does not count.
    complete: bool = False
    progress: float = 0.0  # have / size: the whole torrent's share on disk
    size: int = 0  # bytes of its files (0 before its metadata)
    have: int = 0  # of them, the bytes in verified pieces
    total_wanted: int = 0  # bytes it wants now, and of them the bytes it has
    total_done: int = 0
    download_rate: int = 0
    upload_rate: int = 0
    total_downloaded: int = 0
    total_uploaded: int = 0
    upload_limit: int = 0
    seeding_seconds: int = 0
    peers: int = 0
    seeds: int = 0
    pieces_done: int = 0
    bitrate: int | None = None
    origins: tuple[str, ...] = ()
    origins_spared: bool = False
    error: str | None = None
    stream: StreamStatus | None = None  # None while nobody reads
    save_path: str | None = None  # the folder its data is in, when not the cache (published)

    @property
    def broken(self) -> bool:
        return self.state == BROKEN

    @property
    def playing(self) -> bool:
        return self.stream is not None

    @classmethod
    def of_broken(cls, info_hash: str, source: str, why: str) -> TorrentStatus:
        """A torrent that could not be brought back: nothing runs, its data is kept."""
        return cls(info_hash=info_hash, name=info_hash, source=source, state=BROKEN, error=why)


def state_name(status: Any) -> str:
    """The state of a libtorrent torrent_status, in the words the API uses."""
    if status.errc.value():
        return "error"
    if status.paused:
        return "paused"
    return str(status.state).split(".")[-1]
