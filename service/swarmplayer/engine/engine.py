"""The engine: owns the libtorrent session; a thread-safe facade for the API, CLI and demo.

Lock order (take them only in this order; none is held across disk or database I/O, which the
persistence worker does):
    _cond (the torrent table) → a scheduler's lock → _origin_lock → _seeks_lock;
    the persistence worker's and the store's locks are leaves.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..addresses import host_port, peer_address, resolve
from ..config import Config
from ..errors import (
    BadInput,
    NoRoom,
    NotFound,
    ReadFailed,
    StreamClosed,
    Unavailable,
    Unsupported,
)
from ..periodic import Periodic
from ..store import Store
from . import lt, media, tstream
from .alerts import AlertLoop
from .origin import TRICKLE, needs_origin
from .persist import Persister
from .pieces import BACKGROUND_PRIORITY, FileSpan
from .resume import ResumeStore
from .settings import seek_settings, settings_pack
from .stream import FileStream, PieceCache, StreamFile, StreamScheduler

log = logging.getLogger(__name__)

# Pieces read for streams, kept for readers that come back to them (a player's second
# connection, a small seek back); each reader also holds its current piece. 1 MiB (was 4):
# re-reading a piece from libtorrent costs milliseconds, and on a small box every MB counts.
PIECE_CACHE_BYTES = 1 << 20
# Small files beside a video (subtitles, .nfo) come along; other videos of a pack wait their turn.
SIDECAR_MAX_BYTES = 20 << 20
SHUTDOWN_TIMEOUT = 15.0
# How long remove() waits for libtorrent to have deleted a torrent's files.
DELETE_TIMEOUT = 10.0


@dataclass(frozen=True)
class FileInfo:
    index: int
    path: str
    size: int
    is_video: bool


@dataclass
class _Torrent:
    info_hash: str
    handle: Any
    source: str
    scheduler: StreamScheduler
    meta: dict[Any, Any] | None = None  # the bdecoded .torrent/.tstream, when added from one
    bitrate: float | None = None  # from the .tstream or the store
    files: dict[int, StreamFile] = field(default_factory=dict)
    error: str | None = None
    last_resume_save: float = 0.0
    capped: bool = False
    # Why the torrent is paused, by reason ("no_room", "seed_limit", "governor", …) with a message
    # in words: it runs again only when no reason is left.
    holds: dict[str, str] = field(default_factory=dict)
    disk_full: bool = False  # a write failed with ENOSPC: libtorrent stopped downloading it


class Engine:
    """Adds, lists, removes and streams torrents. Every public method is thread-safe."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.resume = ResumeStore(config.resume_dir)
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        self._marker = Path(config.data_dir) / "running"
        self._cond = threading.Condition(threading.RLock())
        self._torrents: dict[str, _Torrent] = {}
        self._pieces = PieceCache(PIECE_CACHE_BYTES)
        self._requested: set[tuple[str, int]] = set()
        self._read_errors: dict[tuple[str, int], str] = {}
        self._saving: set[str] = set()
        self._deleted: set[str] = set()
        # Torrents whose resume data, backup and metainfo are all unreadable: their folder and
        # store row are kept, and the API reports them (info-hash → why).
        self._broken: dict[str, str] = {}
        self.persist = Persister(self._write_resume)
        self.session = lt.new_session(settings_pack(config))
        if config.local_peers_rate_limited:
            lt.classify_peers(self.session, local_limited=True)
        # Origin peers (see origin.py): a peer class whose download limit spares them.
        self._origin_class = lt.new_peer_class(self.session, "origin")
        self._origins: dict[str, list[tuple[str, int]]] = {}  # info-hash → (ip, port)
        self._origin_lock = threading.Lock()  # a leaf: no other lock is taken under it
        self._needing: set[str] = set()  # torrents whose stream needs its origin now
        self._sparing = False
        self.alerts = AlertLoop(self.session)
        self._register_handlers()
        self._upkeep = Periodic("engine", 1.0, self.tick)
        self._seeks = 0  # torrents with a seek under way (stream.StreamScheduler.seeking)
        self._seeks_lock = threading.Lock()  # not _cond: schedulers call in holding their own
        self._playing_listeners: list[Callable[[str], None]] = []

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Bring back every torrent from its resume file, then start the alert and upkeep threads.

        After an unclean stop (kill -9, power cut) the resume files can be older than the data:
        unfinished torrents are re-checked so pieces verified since are found, not downloaded again.
        """
        unclean = self._marker.exists()
        self._marker.write_text(str(os.getpid()))
        rows = {r.info_hash: r for r in self.store.torrents()}
        for info_hash in sorted(set(self.resume.known()) | set(rows)):
            row = rows.get(info_hash)
            params = self._recover(info_hash, row, unclean)
            if params is None:
                continue
            t = self._add_params(params, source=row.source if row else "resume",
                                 bitrate=row.bitrate if row else None)
            if params.ti is not None and self.resume.metainfo(t.info_hash) is None:
                # Added before metainfo was kept beside the resume data: keep it from now on.
                data = lt.metainfo(params.ti)
                self.persist.submit(lambda ih=t.info_hash, d=data: self.resume.save_metainfo(ih, d))
            self._use_origins(t, _resolved(self.store.origins(info_hash)))
        self.persist.start()
        self.alerts.start()
        self._upkeep.start()

    def _recover(self, info_hash: str, row: Any, unclean: bool) -> Any:
        """add_torrent_params to bring a torrent back, from the first of these that reads: its
        resume file, the backup, its metainfo (its data is then re-checked), its magnet link;
        None when none does (the torrent is reported broken, its folder and row kept)."""
        for number, (path, data) in enumerate(self.resume.versions(info_hash)):
            try:
                params = lt.read_resume(data)
            except lt.TorrentError as exc:
                log.error("cannot use resume file %s: %s", path.name, exc)
                if number == 0:
                    self.resume.set_aside(info_hash)
                continue
            if unclean and params.ti is not None and not all(params.have_pieces):
                # Without a piece list libtorrent checks the files it finds. (force_recheck()
                # after adding is silently ignored while it is still checking resume data.)
                params.have_pieces = []
                params.verified_pieces = []
            if number:
                log.warning("%s: back from the backup of its resume file", info_hash)
            return params
        params = lt.AddTorrentParams()
        metainfo = self.resume.metainfo(info_hash)
        try:
            if metainfo is not None:
                params.ti = lt.torrent_info(metainfo)  # no piece list: the data is re-checked
                log.warning("%s: no usable resume data, re-checking its data", info_hash)
                return params
        except lt.TorrentError as exc:
            log.error("cannot use the metainfo of %s: %s", info_hash, exc)
        if row is not None and row.source.startswith("magnet:"):
            try:
                return lt.parse_magnet(row.source)
            except lt.TorrentError as exc:
                log.error("cannot use the magnet link of %s: %s", info_hash, exc)
        why = "its resume data and metainfo are unreadable: add it again to repair it"
        log.error("%s is broken: %s (its data is kept)", info_hash, why)
        self._broken[info_hash] = why
        return None

    def stop(self) -> None:
        """Save every torrent's resume data, then close; a clean stop leaves no marker."""
        self._upkeep.stop()
        self.session.pause()
        with self._cond:
            for t in self._torrents.values():
                self._saving.add(t.info_hash)
                t.handle.save_resume_data(lt.SAVE_INFO_DICT)
            end = time.monotonic() + SHUTDOWN_TIMEOUT
            while self._saving and time.monotonic() < end:
                self._cond.wait(end - time.monotonic())
            if self._saving:
                log.warning("resume data not saved in time for %s", sorted(self._saving))
            self._torrents.clear()
            self._cond.notify_all()
        self.alerts.stop()
        self.persist.stop()  # after the alert thread: the last saves are queued by then
        self._marker.unlink(missing_ok=True)

    # ---- adding ----------------------------------------------------------------------------
    def add_magnet(self, uri: str) -> tuple[str, bool]:
        """Add a magnet link; returns (info-hash, created). Metadata arrives from peers later."""
        try:
            params = lt.parse_magnet(uri.strip())
        except lt.TorrentError as exc:
            raise BadInput(str(exc), code="invalid_magnet") from None
        # x.pe: the peers the link's publisher gives, its own seeders.
        origins = [host_port(host, port) for host, port in params.peers]
        return self._add_new(params, source=uri.strip(), origins=origins)

    def add_torrent_data(self, data: bytes, source: str) -> tuple[str, bool]:
        """Add a .torrent or .tstream from its bytes; returns (info-hash, created)."""
        try:
            meta = lt.bdecode(data)
        except lt.TorrentError as exc:
            raise BadInput(f"not a torrent file: {exc}", code="invalid_torrent") from None
        if isinstance(meta, dict) and tstream.is_live(meta):
            raise Unsupported("live streams are not supported yet", code="live_unsupported")
        try:
            ti = lt.torrent_info(data)
        except lt.TorrentError as exc:
            raise BadInput(f"invalid torrent file: {exc}", code="invalid_torrent") from None
        params = lt.AddTorrentParams()
        params.ti = ti
        origins = tstream.origins(meta)
        return self._add_new(params, source=source, meta=meta, origins=origins, metainfo=data)

    def _add_new(self, params: Any, source: str, meta: dict[Any, Any] | None = None,
                 origins: Sequence[str] = (), metainfo: bytes | None = None) -> tuple[str, bool]:
        info_hash = lt.hash_hex(params.ti.info_hashes() if params.ti else params.info_hashes)
        resolved = _resolved(origins)  # before any lock: a host name may need a DNS lookup
        with self._cond:
            if info_hash in self._torrents:
                return info_hash, False
            t = self._add_params(params, source=source, meta=meta)
            if t.info_hash != info_hash:  # one we have, known to libtorrent by its other hash
                return t.info_hash, False
            self._broken.pop(info_hash, None)  # added again: repaired
            name = t.handle.status().name or info_hash
            resume = lt.write_resume(params)

        def remember() -> None:
            self.store.add_torrent(info_hash, name, source, t.bitrate,
                                   origins=[host_port(*a) for a in resolved])
            # A resume file from the first moment: a crash before the first save still
            # remembers the torrent (with its metadata, when we have it).
            self.resume.save(info_hash, resume)
            if metainfo is not None:
                self.resume.save_metainfo(info_hash, metainfo)

        def forget() -> None:
            with contextlib.suppress(OSError):
                self.resume.remove(info_hash)
            with contextlib.suppress(sqlite3.Error):
                self.store.remove_torrent(info_hash)

        try:
            self.persist.call(remember)  # no lock held: the disk may be slow
        except (OSError, sqlite3.Error) as exc:
            # All or nothing: a torrent we cannot remember must not run half-added.
            with self._cond:
                self.session.remove_torrent(t.handle)
                self._torrents.pop(info_hash, None)
                self._cond.notify_all()
            self.persist.call(forget)
            reason = getattr(exc, "strerror", None) or exc
            raise NoRoom(f"cannot add {name}: the service cannot save its state "
                         f"({reason})") from None
        self._use_origins(t, resolved)
        return info_hash, True

    def _write_resume(self, info_hash: str, data: bytes) -> None:
        """On the persistence worker: one torrent's resume data to its file."""
        try:
            self.resume.save(info_hash, data)
        except OSError as exc:  # disk full: keep the old file, say so, keep going
            log.error("cannot save resume data of %s: %s", info_hash, exc)

    def _use_origins(self, t: _Torrent, origins: list[tuple[str, int]]) -> None:
        """Put a torrent's origin peers in the origin class and connect to them."""
        if not origins:
            return
        with self._cond:
            self._origins[t.info_hash] = origins
            self._classify()
            for address in origins:
                t.handle.connect_peer(address)

    def _classify(self) -> None:
        lt.classify_peers(self.session, local_limited=self.config.local_peers_rate_limited,
                          extra=dict.fromkeys(self._origin_ips(), self._origin_class))

    def _origin_ips(self) -> set[str]:
        return {ip for origins in self._origins.values() for ip, _ in origins}

    def _add_params(self, params: Any, source: str, meta: dict[Any, Any] | None = None,
                    bitrate: float | None = None) -> _Torrent:
        hashes = params.ti.info_hashes() if params.ti else params.info_hashes
        info_hash = lt.hash_hex(hashes)
        params.save_path = str(self.config.cache_dir / info_hash)
        # We schedule by deadlines ourselves: libtorrent's queueing must never pause a stream.
        params.flags &= ~lt.FLAG_AUTO_MANAGED & ~lt.FLAG_PAUSED
        if params.ti is not None and not params.piece_priorities:
            # A resume file brings its own, which may have been raised since.
            params.piece_priorities = self._piece_priorities(params.ti)
        handle = self.session.add_torrent(params)
        # libtorrent answers a torrent it already has (the same by its v1 or its v2 hash) with
        # that torrent's handle: it must stay one torrent here too, not two sharing a handle.
        same = self._torrents.get(lt.hash_hex(handle.info_hashes()))
        if same is not None:
            return same
        scheduler = StreamScheduler(handle, self.config.window_seconds, self.config.header_bytes,
                                    on_seeking=functools.partial(self._on_seeking, handle))
        t = _Torrent(info_hash, handle, source, scheduler, meta=meta, bitrate=bitrate)
        if bitrate is None and meta is not None and params.ti is not None:
            # Only a single-video .tstream's playtime tells a bitrate for the whole torrent.
            t.bitrate = tstream.bitrate(meta, None, params.ti.total_size())
        with self._cond:
            self._torrents[info_hash] = t
        return t

    def _init_files(self, t: _Torrent) -> None:
        """Once a magnet's metadata is known: which files download in the background."""
        priorities = self._piece_priorities(t.handle.torrent_file())
        if priorities:
            t.handle.prioritize_pieces(priorities)

    def _piece_priorities(self, ti: Any) -> list[int]:
        """Per piece: background, or 0 when it holds only files that wait their turn (other
        videos of a pack; the default video and small side files come along); [] for a single
        file (libtorrent's default).

        Waiting is said with piece priorities, never file priority 0: libtorrent keeps a
        skipped file's share of a boundary piece in a part file and moves it out when the file
        is raised, and blocks arriving during the move fail it ("partfile_write … file too
        short"), stopping the stream. A stream raises a file's pieces as it opens.
        """
        entries = lt.file_entries(ti)
        if len(entries) < 2:
            return []
        default = self._default_file(entries)
        length = ti.piece_length()
        priorities = [0] * ti.num_pieces()
        for index, path, size, offset in entries:
            if index == default or (size <= SIDECAR_MAX_BYTES and not media.is_video(path)):
                for piece in FileSpan(offset, size, length).pieces(0, size or 1):
                    priorities[piece] = BACKGROUND_PRIORITY
        return priorities

    @staticmethod
    def _default_file(entries: list[tuple[int, str, int, int]]) -> int:
        videos = [e for e in entries if media.is_video(e[1])] or entries
        return max(videos, key=lambda e: e[2])[0]

    def _on_seeking(self, handle: Any, seeking: bool) -> None:
        """A seek started, or the last one is over (its reader has its first seconds): the
        session ticks faster meanwhile and, when several peers can send, keeps their request
        queues short (settings.seek_settings)."""
        if seeking:
            self._spare_origins(False)
        several = seeking and handle.status().num_peers > 1
        with self._seeks_lock:
            self._seeks += 1 if seeking else -1
            if self._seeks == (1 if seeking else 0):
                self.session.apply_settings(seek_settings(self.config, seeking, several))

    def apply_settings(self, settings: dict[str, Any]) -> None:
        """Change session settings at run time (names as in libtorrent's settings_pack)."""
        self.session.apply_settings(settings)

    def session_settings(self) -> dict[str, Any]:
        return dict(self.session.get_settings())

    # ---- holds and limits (cache janitor, seeding policy, governor) --------------------------
    def hold(self, info_hash: str, reason: str, message: str | None) -> None:
        """Pause a torrent for `reason`, saying why in `message`, or lift that reason (None).

        Several components pause torrents; counting reasons keeps one from resuming what
        another paused.
        """
        with self._cond:
            t = self._get(info_hash)
            was_held = bool(t.holds)
            if message is None:
                t.holds.pop(reason, None)
            else:
                t.holds[reason] = message
            if t.holds and not was_held:
                t.handle.pause()
            elif was_held and not t.holds:
                t.handle.resume()

    def set_upload_limit(self, info_hash: str, rate: int) -> None:
        """Cap one torrent's upload in bytes/s (0: no cap of its own)."""
        with self._cond:
            self._get(info_hash).handle.set_upload_limit(rate if rate > 0 else -1)

    def clear_disk_full(self, info_hash: str) -> None:
        """Room is back: leave the upload-only mode libtorrent entered when a write failed."""
        with self._cond:
            t = self._get(info_hash)
            t.disk_full = False
            t.error = None
            t.handle.clear_error()
            t.handle.unset_flags(lt.FLAG_UPLOAD_MODE)
            if not t.holds:  # libtorrent 2.0 pauses it when a later write fails otherwise
                t.handle.resume()

    def connect_peers(self, info_hash: str, peers: list[str]) -> None:
        """Connect to known peers ("host:port"), e.g. a local swarm with no tracker or DHT."""
        addresses = [peer_address(p) for p in peers]
        with self._cond:
            t = self._get(info_hash)
            for address in addresses:
                t.handle.connect_peer(address)

    # ---- queries ---------------------------------------------------------------------------
    def _get(self, info_hash: str) -> _Torrent:
        t = self._torrents.get(info_hash.lower())
        if t is None and info_hash.lower() in self._broken:
            raise Unavailable(f"torrent {info_hash} is broken: {self._broken[info_hash.lower()]}",
                              code="broken")
        if t is None:
            raise NotFound(f"no torrent with info-hash {info_hash}")
        return t

    def info_hashes(self) -> list[str]:
        """The torrents that run (not the broken ones)."""
        with self._cond:
            return list(self._torrents)

    def broken(self) -> dict[str, str]:
        """Torrents that could not be brought back at start (info-hash → why); their data is
        kept until the user adds them again or removes them."""
        with self._cond:
            return dict(self._broken)

    def files(self, info_hash: str) -> list[FileInfo]:
        with self._cond:
            if info_hash.lower() in self._broken:
                return []
            ti = self._get(info_hash).handle.torrent_file()
        if ti is None:
            return []
        return [FileInfo(i, path, size, media.is_video(path))
                for i, path, size, _ in lt.file_entries(ti)]

    def default_file(self, info_hash: str) -> int:
        with self._cond:
            ti = self._get(info_hash).handle.torrent_file()
        if ti is None:
            raise Unavailable("the torrent's metadata has not arrived yet")
        return self._default_file(lt.file_entries(ti))

    def status(self, info_hash: str) -> dict[str, Any]:
        """A JSON-ready summary: state, progress, rates, peers, buffer health."""
        with self._cond:
            why = self._broken.get(info_hash.lower())
            if why is not None:
                return _broken_status(info_hash.lower(), why)
            t = self._get(info_hash)
            s = t.handle.status()
            buffered = t.scheduler.buffered_seconds()
            lead = t.scheduler.lead()
            holds = dict(t.holds)
            origins = [host_port(*a) for a in self._origins.get(t.info_hash, ())]
        with self._origin_lock:
            spared = bool(origins) and self._sparing
        return {
            "info_hash": t.info_hash,
            "name": s.name or t.info_hash,
            "source": t.source,
            "state": "disk_full" if t.disk_full else _state_name(s),
            "holds": holds,
            "has_metadata": s.has_metadata,
            "complete": s.is_finished,  # every wanted file verified (paused or not)
            "progress": round(s.progress, 4),
            "total_wanted": s.total_wanted,
            "total_done": s.total_wanted_done,
            "download_rate": s.download_payload_rate,
            "upload_rate": s.upload_payload_rate,
            "total_downloaded": s.all_time_download,
            "total_uploaded": s.all_time_upload,
            "upload_limit": max(t.handle.upload_limit(), 0),
            "seeding_seconds": int(s.seeding_duration.total_seconds()),
            "peers": s.num_peers,
            "seeds": s.num_seeds,
            "pieces_done": s.num_pieces,
            "bitrate": round(t.bitrate) if t.bitrate else None,
            "origins": origins,
            "origins_spared": spared,
            "error": t.error or (str(s.errc.message()) if s.errc.value() else None),
            "stream": None if lead is None else {
                "file_index": lead.file.index,
                "position": lead.position,
                "bitrate": round(lead.file.bitrate),
                "buffered_seconds": round(buffered or 0.0, 1),
                "readers": len(t.scheduler.readers),
            },
        }

    def statuses(self) -> list[dict[str, Any]]:
        with self._cond:  # one snapshot: no torrent can vanish between listing and reading it
            return [self.status(ih) for ih in [*self._torrents, *self._broken]]

    # ---- removing --------------------------------------------------------------------------
    def remove(self, info_hash: str, delete_files: bool = True) -> None:
        """Forget a torrent: its resume file and state always, its data unless told to keep it."""
        with self._cond:
            info_hash = info_hash.lower()
            if self._broken.pop(info_hash, None) is None:
                t = self._get(info_hash)
                info_hash = t.info_hash
                del self._torrents[info_hash]
                if self._origins.pop(info_hash, None):
                    self._classify()
                self._deleted.discard(info_hash)
                self.session.remove_torrent(t.handle, lt.DELETE_FILES if delete_files else 0)
                self._pieces.drop(info_hash)
                self._saving.discard(info_hash)
                self._cond.notify_all()  # waiting readers see it gone
                # libtorrent deletes the files and its .parts file on its disk thread: wait for
                # it, or a block still queued for writing could bring a file back after rmtree.
                end = time.monotonic() + DELETE_TIMEOUT
                while delete_files and info_hash not in self._deleted \
                        and time.monotonic() < end:
                    self._cond.wait(end - time.monotonic())
                self._deleted.discard(info_hash)
            self.persist.forget(info_hash)  # a save still queued must not bring it back
        self.persist.call(lambda: (self.resume.remove(info_hash),
                                   self.store.remove_torrent(info_hash)))
        if delete_files:
            # libtorrent deletes the files it knows; the per-torrent folder itself goes too.
            shutil.rmtree(self.config.cache_dir / info_hash, ignore_errors=True)

    # ---- streaming -------------------------------------------------------------------------
    def open_stream(self, info_hash: str, file_index: int | None = None,
                    timeout: float | None = None) -> FileStream:
        """A stream of one file (default: the largest video), waiting for metadata if needed."""
        timeout = self.config.read_timeout if timeout is None else timeout
        end = time.monotonic() + timeout
        with self._cond:
            t = self._get(info_hash)
            while t.handle.torrent_file() is None:
                left = end - time.monotonic()
                if left <= 0:
                    raise Unavailable("the torrent's metadata did not arrive in time")
                self._cond.wait(left)
                t = self._get(info_hash)
            if file_index is None:
                file_index = self._default_file(lt.file_entries(t.handle.torrent_file()))
            file = self._stream_file(t, file_index)
        return FileStream(t.scheduler, file, lambda p, to, c: self._piece(t, p, to, c),
                          self.config.read_timeout, on_open=lambda: self._playing(t.info_hash),
                          on_bytes=lambda: self._played(t.info_hash))

    def on_playing(self, listener: Callable[[str], None]) -> None:
        """Call `listener(info_hash)` whenever a reader starts on a torrent: components that
        pause torrents (seeding, governor, cache) look again at once, not at their next tick."""
        self._playing_listeners.append(listener)

    def _playing(self, info_hash: str) -> None:
        with self._cond:
            t = self._torrents.get(info_hash)
        if t is not None and self._needs_origin(t, fresh=True):
            with self._origin_lock:
                self._needing.add(info_hash)
            self._spare_origins(False)
        for listener in self._playing_listeners:
            listener(info_hash)

    def _played(self, info_hash: str) -> None:
        """A reader got body bytes (a HEAD or a probe that read nothing does not count)."""

        def record() -> None:
            try:
                self.store.update_torrent(info_hash, last_played_at=time.time())
            except sqlite3.Error as exc:  # e.g. a full disk: the stream matters more
                log.warning("cannot record that %s was played: %s", info_hash, exc)

        self.persist.submit(record)

    def _stream_file(self, t: _Torrent, index: int) -> StreamFile:
        file = t.files.get(index)
        if file is not None:
            return file
        ti = t.handle.torrent_file()
        entry = next((e for e in lt.file_entries(ti) if e[0] == index), None)
        if entry is None:
            raise NotFound(f"torrent {t.info_hash} has no file {index}")
        _, path, size, offset = entry
        bitrate = tstream.bitrate(t.meta, index, size) if t.meta else None
        if bitrate is None and len(lt.file_entries(ti)) == 1:
            bitrate = t.bitrate
        file = StreamFile(index, path, FileSpan(offset, size, ti.piece_length()),
                          bitrate or float(self.config.default_bitrate),
                          bitrate_known=bitrate is not None)
        t.files[index] = file
        return file

    def _piece(self, t: _Torrent, piece: int, timeout: float,
               cancelled: Callable[[], bool]) -> bytes:
        """A verified piece's bytes, read through libtorrent (never straight from disk: a piece
        can pass its hash check while its blocks still sit in the write buffer)."""
        key = (t.info_hash, piece)
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                if self._torrents.get(t.info_hash) is not t:
                    raise StreamClosed("the torrent was removed")
                data = self._pieces.get(key)
                if data is not None:
                    return data
                if key in self._read_errors:
                    raise ReadFailed(f"cannot read piece {piece}: {self._read_errors.pop(key)}")
                if key not in self._requested and t.handle.have_piece(piece):
                    self._requested.add(key)
                    t.handle.read_piece(piece)
                left = end - time.monotonic()
                if left <= 0:
                    raise Unavailable(f"piece {piece} did not arrive within {timeout:g} s")
                if cancelled():
                    raise StreamClosed("the client went away")
                # Woken by piece alerts; the cap only bounds how late a disconnect is noticed.
                self._cond.wait(min(left, 1.0))

    # ---- alerts ----------------------------------------------------------------------------
    def _register_handlers(self) -> None:
        on = self.alerts.register
        on("piece_finished_alert", self._on_piece_finished)
        on("read_piece_alert", self._on_read_piece)
        on("metadata_received_alert", self._on_metadata)
        on("torrent_checked_alert", self._on_ready)
        on("save_resume_data_alert", self._on_resume_data)
        on("save_resume_data_failed_alert", self._on_resume_failed)
        on("torrent_error_alert", self._on_error)
        on("file_error_alert", self._on_error)
        on("torrent_finished_alert", self._on_finished)
        on("torrent_deleted_alert", self._on_deleted)
        on("torrent_delete_failed_alert", self._on_deleted)

    def _torrent_of(self, alert: Any) -> _Torrent | None:
        try:
            return self._torrents.get(lt.hash_hex(alert.handle.info_hashes()))
        except RuntimeError:  # the handle died with its torrent
            return None

    def _on_piece_finished(self, alert: Any) -> None:
        with self._cond:
            self._cond.notify_all()

    def _on_read_piece(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is None:
                return
            key = (t.info_hash, alert.piece)
            self._requested.discard(key)
            if alert.error.value():
                self._read_errors[key] = alert.error.message()
            else:
                self._pieces.put(key, bytes(alert.buffer))
            self._cond.notify_all()

    def _on_metadata(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is None:
                return
            self._init_files(t)
            t.scheduler.reassert()
            t.handle.save_resume_data(lt.SAVE_INFO_DICT)
            self._cond.notify_all()
            metainfo = lt.metainfo(t.handle.torrent_file())
        name = alert.handle.status().name
        ih = t.info_hash
        # Kept from now on: with it, a torrent whose resume files are lost is added again.
        self.persist.submit(lambda: (self.resume.save_metainfo(ih, metainfo),
                                     self.store.update_torrent(ih, name=name)))

    def _on_ready(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is not None:
                t.scheduler.reassert()
            self._cond.notify_all()

    def _on_finished(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is not None:
                t.handle.save_resume_data(lt.SAVE_INFO_DICT)

    def _on_resume_data(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is None:
                # Removed while its save was on the way: writing it would bring it back.
                return
            self.persist.save_resume(t.info_hash, lt.write_resume(alert.params))
            self._saving.discard(t.info_hash)
            self._cond.notify_all()

    def _on_resume_failed(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is not None:
                self._saving.discard(t.info_hash)
            self._cond.notify_all()

    def _on_error(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is not None:
                if t.disk_full:
                    # Known already: libtorrent reports every write that fails, and 2.0's
                    # memory-mapped writes to a full disk fail on as "Bad address" (EFAULT).
                    return
                t.error = alert.message()
                if lt.is_disk_full(alert.error):
                    # libtorrent keeps what is verified and only stops downloading this one.
                    t.disk_full = True
                    t.error = f"disk full, downloading stopped until there is room: {t.error}"
                log.error("torrent %s: %s", t.info_hash, t.error)
            self._cond.notify_all()

    def _on_deleted(self, alert: Any) -> None:
        with self._cond:
            self._deleted.add(lt.hash_hex(alert.info_hashes))
            self._cond.notify_all()

    # ---- upkeep ----------------------------------------------------------------------------
    def tick(self) -> None:
        """Save resume data that changed (not more often than configured); cap the download rate
        of torrents that have enough buffered ahead."""
        now = time.monotonic()
        with self._cond:
            for t in self._torrents.values():
                if (now - t.last_resume_save >= self.config.resume_save_interval
                        and t.handle.need_save_resume_data()):
                    t.last_resume_save = now
                    t.handle.save_resume_data(lt.SAVE_INFO_DICT | lt.SAVE_IF_NEEDED)
                if self.config.buffer_cap_seconds > 0:
                    self._apply_buffer_cap(t)
                t.scheduler.expire_seeks()
            if self._origins and self.config.spare_origin_seconds > 0:
                needing = {t.info_hash for t in self._torrents.values() if self._needs_origin(t)}
                with self._origin_lock:
                    self._needing = needing
                self._spare_origins(not needing)

    def _needs_origin(self, t: _Torrent, fresh: bool = False) -> bool:
        """Whether this torrent needs its origin peers at full speed (origin.py), judged
        afresh (a reader just opened) or against what was decided last time."""
        origins = self._origins.get(t.info_hash)
        if not origins:
            return False
        buffered = t.scheduler.ahead_seconds()
        if buffered is None:
            return self._fetching_alone(t, {ip for ip, _ in origins})
        with self._origin_lock:
            needed = t.info_hash in self._needing and not fresh
        return needs_origin(buffered, bool(t.scheduler.held), needed,
                            self.config.spare_origin_seconds)

    @staticmethod
    def _fetching_alone(t: _Torrent, origin_ips: set[str]) -> bool:
        """Nobody watches it, it still downloads, and no other peer has more than we do."""
        s = t.handle.status()
        if s.is_finished or s.paused:
            return False
        return not any(p.ip[0] not in origin_ips
                       and (p.flags & lt.PEER_SEED or p.num_pieces > s.num_pieces)
                       for p in t.handle.get_peer_info())

    def _spare_origins(self, spare: bool) -> None:
        """Cap what origin peers send us to a trickle, or lift the cap.

        Sparing also drops the origin connections and dials them again. What they were asked
        before the cap (about a second of their rate) had its bandwidth granted already: it
        kept coming at full rate for up to 2.5 s, and what came later held the next piece of
        the stream for seconds at the trickle (bench/NOTES.md). A fresh connection owes
        nothing; lifting the cap needs no new connection.
        """
        with self._origin_lock:
            if spare == self._sparing:
                return
            self._sparing = spare
            lt.set_class_download_limit(self.session, self._origin_class,
                                        TRICKLE if spare else 0)
        if spare:
            with self._cond:
                lt.drop_peers(self.session, self._origin_ips())
                for info_hash, origins in self._origins.items():
                    t = self._torrents.get(info_hash)
                    for address in origins if t is not None else ():
                        t.handle.connect_peer(address)

    def _apply_buffer_cap(self, t: _Torrent) -> None:
        buffered = t.scheduler.buffered_seconds()
        lead = t.scheduler.lead()
        capped = buffered is not None and buffered >= self.config.buffer_cap_seconds
        if capped == t.capped:
            return
        t.capped = capped
        rate = self.config.buffer_cap_rate or int(lead.file.bitrate * 1.5) if lead else 0
        t.handle.set_download_limit(rate if capped else -1)


def _resolved(origins: Sequence[str]) -> list[tuple[str, int]]:
    """(ip, port) of each "host:port" that is well formed and resolves; the rest are logged and
    left out (a torrent plays the same without them)."""
    resolved = []
    for text in origins:
        try:
            host, port = peer_address(text)
        except BadInput:
            log.warning("ignoring an origin that is not host:port: %r", text)
            continue
        ip = resolve(host)
        if ip is not None:
            resolved.append((ip, port))
    return resolved


def _state_name(status: Any) -> str:
    if status.errc.value():
        return "error"
    if status.paused:
        return "paused"
    return str(status.state).split(".")[-1]


def _broken_status(info_hash: str, why: str) -> dict[str, Any]:
    """The status of a torrent that could not be brought back: nothing runs, its data is kept."""
    return {
        "info_hash": info_hash, "name": info_hash, "source": "", "state": "broken",
        "holds": {}, "has_metadata": False, "complete": False, "progress": 0.0,
        "total_wanted": 0, "total_done": 0, "download_rate": 0, "upload_rate": 0,
        "total_downloaded": 0, "total_uploaded": 0, "upload_limit": 0, "seeding_seconds": 0,
        "peers": 0, "seeds": 0, "pieces_done": 0, "bitrate": None, "origins": [],
        "origins_spared": False, "error": why, "stream": None,
    }
