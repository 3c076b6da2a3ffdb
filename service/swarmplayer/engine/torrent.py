"""One torrent: its handle, stream scheduler, holds, caps, piece priorities and default file.

A Torrent's methods run under the engine's lock (the lock order is in engine.py); they call
libtorrent, which does no disk I/O on the caller's thread, and never wait.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..errors import NotFound, Unavailable
from . import lt, media, tstream
from .pieces import BACKGROUND_PRIORITY, GUESS_NEXT, TOP_PRIORITY, FileSpan, header_pieces
from .scheduler import StreamFile, StreamScheduler
from .status import DISK_FULL, StreamStatus, TorrentStatus, state_name

log = logging.getLogger(__name__)

# Small files beside a video (subtitles, .nfo) come along; other videos of a pack wait their turn.
SIDECAR_MAX_BYTES = 20 << 20


@dataclass(frozen=True)
class FileInfo:
    index: int
    path: str
    size: int
    is_video: bool
    have: int = 0  # bytes of it in verified pieces


def default_file(entries: list[tuple[int, str, int, int]]) -> int:
    """The file a stream opens when none is named: the largest video, else the largest file."""
    videos = [e for e in entries if media.is_video(e[1])] or entries
    return max(videos, key=lambda e: e[2])[0]


def piece_priorities(ti: Any, header_bytes: int, waiting: bool = False) -> list[int]:
    """Per piece: background, or 0 when it holds only files that wait their turn (other videos
    of a pack; the default video and small side files come along, the video not while
    `waiting`: a torrent added for a prefetch, whose reader raises what it reads).

    The default video's header comes first and its last piece next (a moov-at-end MP4's index),
    as for a reader at its start before the header is read (pieces.open_plan): peers are
    dialled at the add, before a player's first request, and what they are asked first they
    send first. With the background asked first, the header queued behind it at the seeders
    (own swarm, faststart, quick runs: startup 0.34-0.43 s against 0.32-0.34 s).

    Waiting is said with piece priorities, never file priority 0: libtorrent keeps a skipped
    file's share of a boundary piece in a part file and moves it out when the file is raised,
    and blocks arriving during the move fail it ("partfile_write … file too short"), stopping
    the stream. A stream raises a file's pieces as it opens.
    """
    entries = lt.file_entries(ti)
    default = default_file(entries)
    length = ti.piece_length()
    priorities = [0] * ti.num_pieces()
    for index, path, size, offset in entries:
        if (index == default and not waiting) or (size <= SIDECAR_MAX_BYTES
                                                  and not media.is_video(path)):
            for piece in FileSpan(offset, size, length).pieces(0, size or 1):
                priorities[piece] = BACKGROUND_PRIORITY
    _, _, size, offset = next(e for e in entries if e[0] == default)
    video = FileSpan(offset, size, length)
    priorities[video.last_piece] = GUESS_NEXT[0]
    for piece in header_pieces(video, header_bytes):
        priorities[piece] = TOP_PRIORITY
    return priorities


class Torrent:
    """A torrent in the session, with everything the engine knows about it."""

    def __init__(self, info_hash: str, handle: Any, source: str, config: Config,
                 on_seeking: Callable[[Any, bool], None], meta: dict[Any, Any] | None = None,
                 bitrate: float | None = None, save_path: str | None = None,
                 waiting: bool = False) -> None:
        self.info_hash = info_hash
        self.waiting = waiting  # added for a prefetch: piece_priorities(waiting=True)
        self.save_path = save_path  # its own data folder, when not in the cache
        self.handle = handle
        self.source = source
        self.config = config
        self.scheduler = StreamScheduler(handle, config.window_seconds, config.header_bytes,
                                         on_seeking=functools.partial(on_seeking, handle))
        self.meta = meta  # the bdecoded .torrent/.tstream, when added from one
        self.bitrate = bitrate  # from the .tstream or the store
        ti = handle.torrent_file()
        if bitrate is None and meta is not None and ti is not None:
            # Only a single-video .tstream's playtime tells a bitrate for the whole torrent.
            self.bitrate = tstream.bitrate(meta, None, ti.total_size())
        self.files_open: dict[int, StreamFile] = {}
        self.error: str | None = None
        self.disk_full = False  # a write failed with ENOSPC: libtorrent stopped downloading it
        # Why the torrent is paused, by reason ("no_room", "seeding", "governor", …) with a
        # message in words: it runs again only when no reason is left.
        self.holds: dict[str, str] = {}
        self.capped = False
        self.removed = False  # set when the engine lets it go: its readers stop
        self._last_resume_save = 0.0
        # Peers were given while the torrent checked its data: dial them once it is checked.
        self._dial_when_checked = False

    # ---- holds and limits --------------------------------------------------------------------
    def hold(self, reason: str, message: str | None) -> None:
        """Pause for `reason`, saying why in `message`, or lift that reason (None). Several
        components pause torrents; counting reasons keeps one from resuming what another
        paused."""
        was_held = bool(self.holds)
        if message is None:
            self.holds.pop(reason, None)
        else:
            self.holds[reason] = message
        if self.holds and not was_held:
            self.handle.pause()
        elif was_held and not self.holds:
            self.handle.resume()

    def download_all(self) -> None:
        """The whole torrent downloads (for later); a playing window keeps its priorities."""
        ti = self.handle.torrent_file()
        if ti is not None:
            self.scheduler.download_all(ti.num_pieces())

    def set_upload_limit(self, rate: int) -> None:
        self.handle.set_upload_limit(rate if rate > 0 else -1)

    def clear_disk_full(self) -> None:
        """Room is back: leave the upload-only mode libtorrent entered when a write failed."""
        self.disk_full = False
        self.error = None
        self.handle.clear_error()
        self.handle.unset_flags(lt.FLAG_UPLOAD_MODE)
        if not self.holds:  # libtorrent 2.0 pauses it when a later write fails otherwise
            self.handle.resume()

    def apply_buffer_cap(self) -> None:
        """Cap the download rate while the stream has enough buffered ahead (buffer_cap_*)."""
        buffered = self.scheduler.buffered_seconds()
        lead = self.scheduler.lead()
        capped = buffered is not None and buffered >= self.config.buffer_cap_seconds
        if capped == self.capped:
            return
        self.capped = capped
        rate = self.config.buffer_cap_rate or int(lead.file.bitrate * 1.5) if lead else 0
        self.handle.set_download_limit(rate if capped else -1)

    def connect(self, addresses: list[tuple[str, int]]) -> None:
        """Give libtorrent these peers and have them dialled at once when nothing else is
        connected yet (a torrent's first peers: its origins, the peers of an add)."""
        if not addresses:
            return
        for address in addresses:
            self.handle.connect_peer(address)
        self._dial_when_checked = False
        self._dial()

    def checked(self) -> None:
        """Its data is checked (torrent_checked_alert): dial the peers given meanwhile."""
        if self._dial_when_checked:
            self._dial_when_checked = False
            self._dial()
        self.scheduler.reassert()

    def _dial(self) -> None:
        """Dial the torrent's peers now (lt.dial_now), unless that would close connections or
        resume what a hold paused; while it checks, once it is checked."""
        s = self.handle.status()
        # num_connections counts those still being made too (num_peers does not): a pause
        # would close them.
        if self.holds or s.paused or s.num_connections:
            return
        if lt.is_checking(s):
            self._dial_when_checked = True
            return
        lt.dial_now(self.handle)

    # ---- resume data -------------------------------------------------------------------------
    def save_resume(self) -> None:
        """Ask libtorrent for resume data (with the info dict); it comes as an alert."""
        self.handle.save_resume_data(lt.SAVE_INFO_DICT)

    def save_resume_if_due(self, now: float) -> None:
        if (now - self._last_resume_save >= self.config.resume_save_interval
                and self.handle.need_save_resume_data()):
            self._last_resume_save = now
            self.handle.save_resume_data(lt.SAVE_INFO_DICT | lt.SAVE_IF_NEEDED)

    # ---- events ------------------------------------------------------------------------------
    def metadata_arrived(self) -> bytes:
        """A magnet's metadata came: which files download in the background; the metainfo to
        keep beside the resume data."""
        ti = self.handle.torrent_file()
        self.handle.prioritize_pieces(piece_priorities(ti, self.config.header_bytes,
                                                       self.waiting))
        self.scheduler.reassert()
        self.save_resume()
        return lt.metainfo(ti)

    def failed(self, message: str, disk_full: bool) -> None:
        if self.disk_full:
            # Known already: libtorrent reports every write that fails, and 2.0's memory-mapped
            # writes to a full disk fail on as "Bad address" (EFAULT).
            return
        self.error = message
        if disk_full:
            # libtorrent keeps what is verified and only stops downloading this one.
            self.disk_full = True
            self.error = f"disk full, downloading stopped until there is room: {message}"
        log.error("torrent %s: %s", self.info_hash, self.error)

    # ---- files -------------------------------------------------------------------------------
    def files(self) -> list[FileInfo]:
        ti = self.handle.torrent_file()
        if ti is None:
            return []
        have = lt.file_bytes_on_disk(self.handle)
        return [FileInfo(i, path, size, media.is_video(path), have[i])
                for i, path, size, _ in lt.file_entries(ti)]

    def default_file(self) -> int:
        ti = self.handle.torrent_file()
        if ti is None:
            raise Unavailable("the torrent's metadata has not arrived yet")
        return default_file(lt.file_entries(ti))

    def stream_file(self, index: int) -> StreamFile:
        """The file as the streaming side sees it (made once, then kept: what a stream learns
        of its container stays for the next)."""
        file = self.files_open.get(index)
        if file is not None:
            return file
        ti = self.handle.torrent_file()
        entries = lt.file_entries(ti)
        entry = next((e for e in entries if e[0] == index), None)
        if entry is None:
            raise NotFound(f"torrent {self.info_hash} has no file {index}")
        _, path, size, offset = entry
        bitrate = tstream.bitrate(self.meta, index, size) if self.meta else None
        if bitrate is None and len(entries) == 1:
            bitrate = self.bitrate
        file = StreamFile(index, path, FileSpan(offset, size, ti.piece_length()),
                          bitrate or float(self.config.default_bitrate),
                          bitrate_known=bitrate is not None)
        self.files_open[index] = file
        return file

    # ---- status ------------------------------------------------------------------------------
    def status(self, origins: tuple[str, ...], spared: bool) -> TorrentStatus:
        s = self.handle.status()
        files = self.files()
        size, have = sum(f.size for f in files), sum(f.have for f in files)
        buffered = self.scheduler.buffered_seconds()
        lead = self.scheduler.lead()
        return TorrentStatus(
            info_hash=self.info_hash,
            name=s.name or self.info_hash,
            source=self.source,
            state=DISK_FULL if self.disk_full else state_name(s),
            holds=dict(self.holds),
            has_metadata=s.has_metadata,
            complete=s.is_finished,
            # Of the whole torrent: libtorrent's counts only what is wanted now, and a
            # prefetched head or a pack with one episode played would show as 100 %.
            progress=round(have / size, 4) if size else 0.0,
            size=size,
            have=have,
            total_wanted=s.total_wanted,
            total_done=s.total_wanted_done,
            download_rate=s.download_payload_rate,
            upload_rate=s.upload_payload_rate,
            total_downloaded=s.all_time_download,
            total_uploaded=s.all_time_upload,
            upload_limit=max(self.handle.upload_limit(), 0),
            seeding_seconds=int(s.seeding_duration.total_seconds()),
            peers=s.num_peers,
            seeds=s.num_seeds,
            pieces_done=s.num_pieces,
            bitrate=round(self.bitrate) if self.bitrate else None,
            origins=origins,
            origins_spared=spared,
            save_path=self.save_path,
            error=self.error or (str(s.errc.message()) if s.errc.value() else None),
            stream=None if lead is None else StreamStatus(
                file_index=lead.file.index,
                position=lead.position,
                bitrate=round(lead.file.bitrate),
                buffered_seconds=round(buffered or 0.0, 1),
                readers=len(self.scheduler.readers),
            ),
        )
