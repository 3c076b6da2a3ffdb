"""The engine: owns the libtorrent session (lifecycle, add/remove, alert wiring); a thread-safe
facade for the API, CLI and demo. A torrent is a Torrent (torrent.py); sparing origins is
Origins (origin.py); piece reads are PieceReader (reader.py); writes go to the Persister.

Lock order (take them only in this order; none is held across disk or database I/O, which the
persistence worker does, or across a DNS lookup):
    Engine._cond (the torrent table and every Torrent's fields)
      → a StreamScheduler's lock → Origins' lock → Seeks' lock.
    PieceReader's condition, the Persister's lock and the Store's lock are leaves: nothing is
    taken under them, and PieceReader's is never taken under another.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..addresses import host_port, peer_address
from ..config import Config
from ..errors import BadInput, NoRoom, NotFound, Unavailable
from ..periodic import Periodic
from ..store import Store
from . import lt, tstream
from .alerts import AlertLoop
from .origin import Origins, resolve_origins
from .persist import Persister
from .reader import PieceReader
from .recovery import BROKEN_WHY, recover
from .resume import ResumeStore
from .seeks import Seeks, urgent_seconds
from .settings import settings_pack
from .state import TorrentState
from .status import TorrentStatus
from .stream import FileStream
from .torrent import FileInfo, Torrent, piece_priorities

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 15.0
# How long remove() waits for libtorrent to have deleted a torrent's files.
DELETE_TIMEOUT = 10.0

__all__ = ["Engine", "FileInfo"]


class Engine:
    """Adds, lists, removes and streams torrents. Every public method is thread-safe."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.resume = ResumeStore(config.resume_dir)
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        self._marker = Path(config.data_dir) / "running"
        self._cond = threading.Condition(threading.RLock())
        self._torrents: dict[str, Torrent] = {}
        # Torrents whose resume data, backup and metainfo are all unreadable: their folder and
        # store row are kept, and the API reports them (info-hash → source).
        self._broken: dict[str, str] = {}
        self._saving: set[str] = set()
        self._deleted: set[str] = set()
        self.state = TorrentState(self.resume, store)
        self.persist = Persister(self.state.save_resume)
        self.pieces = PieceReader()
        self.session = lt.new_session(settings_pack(config))
        if config.local_peers_rate_limited:
            lt.classify_peers(self.session, local_limited=True)
        self.origins = Origins(self.session, config)
        self.alerts = AlertLoop(self.session)
        self._register_handlers()
        self._upkeep = Periodic("engine", 1.0, self.tick)
        self.seeks = Seeks(self.session, config, self.origins)
        self._playing_listeners: list[Callable[[str], None]] = []
        self._removed_listeners: list[Callable[[str], None]] = []
        self._metadata_listeners: list[Callable[[str], None]] = []

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Bring back every torrent (recovery.py), then start the worker, alert and upkeep
        threads.

        After an unclean stop (kill -9, power cut) the resume files can be older than the data:
        unfinished torrents are re-checked so pieces verified since are found, not downloaded again.
        """
        unclean = self._marker.exists()
        self._marker.write_text(str(os.getpid()))
        rows = {r.info_hash: r for r in self.store.torrents()}
        for info_hash in sorted(set(self.resume.known()) | set(rows)):
            row = rows.get(info_hash)
            params = recover(self.resume, info_hash, row.source if row else None, unclean)
            if params is None:
                self._broken[info_hash] = row.source if row else ""
                continue
            t = self._add_params(params, source=row.source if row else "resume",
                                 bitrate=row.bitrate if row else None,
                                 save_path=row.save_path if row else None)
            if params.ti is not None and self.resume.metainfo(t.info_hash) is None:
                # Added before metainfo was kept beside the resume data: keep it from now on.
                data = lt.metainfo(params.ti)
                self.persist.submit(lambda ih=t.info_hash, d=data: self.resume.save_metainfo(ih, d))
            origins = resolve_origins(self.store.origins(info_hash))  # DNS: under no lock
            with self._cond:
                self.origins.use(t, origins)
                t.connect(origins)
        self.persist.start()
        self.alerts.start()
        self._upkeep.start()

    def stop(self) -> None:
        """Save every torrent's resume data, then close; a clean stop leaves no marker."""
        self._upkeep.stop()
        self.session.pause()
        with self._cond:
            for t in self._torrents.values():
                self._saving.add(t.info_hash)
                t.save_resume()
            end = time.monotonic() + SHUTDOWN_TIMEOUT
            while self._saving and time.monotonic() < end:
                self._cond.wait(end - time.monotonic())
            if self._saving:
                log.warning("resume data not saved in time for %s", sorted(self._saving))
            for t in self._torrents.values():
                t.removed = True
            self._torrents.clear()
            self._cond.notify_all()
        self.alerts.stop()
        self.persist.stop()  # after the alert thread: the last saves are queued by then
        self._marker.unlink(missing_ok=True)

    # ---- adding ----------------------------------------------------------------------------
    def add_magnet(self, uri: str, peers: Sequence[tuple[str, int]] = (),
                   waiting: bool = False) -> tuple[str, bool]:
        """Add a magnet link and connect it to `peers` (ip, port); returns (info-hash,
        created). Metadata arrives from peers later. `waiting`: as for add_torrent_data."""
        try:
            params = lt.parse_magnet(uri.strip())
        except lt.TorrentError as exc:
            raise BadInput(str(exc), code="invalid_magnet") from None
        # x.pe: the peers the link's publisher gives, its own seeders.
        origins = [host_port(host, port) for host, port in params.peers]
        return self._add_new(params, source=uri.strip(), origins=origins, peers=peers,
                             waiting=waiting)

    def add_torrent_data(self, data: bytes, source: str, save_path: str | None = None,
                         peers: Sequence[tuple[str, int]] = (),
                         waiting: bool = False) -> tuple[str, bool]:
        """Add a .torrent or .tstream from its bytes and connect it to `peers` (ip, port);
        returns (info-hash, created).

        `waiting`: added for a prefetch, its video's pieces wait at priority 0 from the start,
        until a reader raises them: its peers are dialled at once, and what they would send
        before the prefetch's reader opens is not the whole file.

        `save_path`: a folder that already holds the complete data (a published video): it is
        seeded from there, without a check (it was just hashed: libtorrent verifies each piece
        as it first sends it), is never deleted by remove(), and is kept across restarts."""
        try:
            meta = lt.bdecode(data)
        except lt.TorrentError as exc:
            raise BadInput(f"not a torrent file: {exc}", code="invalid_torrent") from None
        tstream.check_not_live(meta)
        try:
            ti = lt.torrent_info(data)
        except lt.TorrentError as exc:
            raise BadInput(f"invalid torrent file: {exc}", code="invalid_torrent") from None
        params = lt.AddTorrentParams()
        params.ti = ti
        if save_path is not None:
            params.flags |= lt.FLAG_SEED_MODE
        origins = tstream.origins(meta)
        return self._add_new(params, source=source, meta=meta, origins=origins, metainfo=data,
                             save_path=save_path, peers=peers, waiting=waiting)

    def _add_new(self, params: Any, source: str, meta: dict[Any, Any] | None = None,
                 origins: Sequence[str] = (), metainfo: bytes | None = None,
                 save_path: str | None = None, peers: Sequence[tuple[str, int]] = (),
                 waiting: bool = False) -> tuple[str, bool]:
        info_hash = lt.hash_hex(params.ti.info_hashes() if params.ti else params.info_hashes)
        resolved = resolve_origins(origins)  # before any lock: a host name may need DNS
        with self._cond:
            if info_hash in self._torrents:
                self._torrents[info_hash].connect(list(peers))
                return info_hash, False
            t = self._add_params(params, source=source, meta=meta, save_path=save_path,
                                 waiting=waiting)
            if t.info_hash != info_hash:  # one we have, known to libtorrent by its other hash
                t.connect(list(peers))
                return t.info_hash, False
            self._broken.pop(info_hash, None)  # added again: repaired
            # Origins and the add's peers in one go: the first connect dials at once only the
            # peers libtorrent knows by then (Torrent.connect). Dropped with the torrent below
            # should it not be remembered.
            self.origins.use(t, resolved)
            t.connect([*resolved, *peers])
            name = t.handle.status().name or info_hash
            resume = lt.write_resume(params)
        addresses = [host_port(*a) for a in resolved]
        try:  # no lock held: the disk may be slow
            self.persist.call(lambda: self.state.remember(info_hash, name, source, t.bitrate,
                                                          addresses, resume, metainfo,
                                                          save_path))
        except (OSError, sqlite3.Error) as exc:
            # All or nothing: a torrent we cannot remember must not run half-added.
            with self._cond:
                self._drop(t, delete_files=False)
            self.persist.call(lambda: self.state.forget(info_hash))
            reason = getattr(exc, "strerror", None) or exc
            raise NoRoom(f"cannot add {name}: the service cannot save its state "
                         f"({reason})") from None
        return info_hash, True

    def _add_params(self, params: Any, source: str, meta: dict[Any, Any] | None = None,
                    bitrate: float | None = None, save_path: str | None = None,
                    waiting: bool = False) -> Torrent:
        hashes = params.ti.info_hashes() if params.ti else params.info_hashes
        info_hash = lt.hash_hex(hashes)
        # A resume file names a save path too, but the cache folder may have moved since.
        params.save_path = save_path or str(self.config.cache_dir / info_hash)
        # We schedule by deadlines ourselves: libtorrent's queueing must never pause a stream.
        params.flags &= ~lt.FLAG_AUTO_MANAGED & ~lt.FLAG_PAUSED
        if params.ti is not None and not params.piece_priorities:
            # A resume file brings its own, which may have been raised since.
            params.piece_priorities = piece_priorities(params.ti, self.config.header_bytes,
                                                       waiting)
        with self._cond:
            handle = self.session.add_torrent(params)
            # libtorrent answers a torrent it already has (the same by its v1 or its v2 hash)
            # with that torrent's handle: it must stay one torrent here too, not two sharing it.
            same = self._torrents.get(lt.hash_hex(handle.info_hashes()))
            if same is not None:
                return same
            t = Torrent(info_hash, handle, source, self.config, self.seeks.changed, meta=meta,
                        bitrate=bitrate, save_path=save_path, waiting=waiting)
            self._torrents[info_hash] = t
            return t

    def apply_settings(self, settings: dict[str, Any]) -> None:
        """Change session settings at run time (names as in libtorrent's settings_pack)."""
        self.session.apply_settings(settings)

    def session_settings(self) -> dict[str, Any]:
        return dict(self.session.get_settings())

    def listen_port(self) -> int:
        """The port peers reach this box's BitTorrent side on."""
        return int(self.session.listen_port())

    # ---- holds and limits (cache janitor, seeding policy, governor) --------------------------
    def hold(self, info_hash: str, reason: str, message: str | None) -> None:
        """Pause a torrent for `reason`, saying why in `message`, or lift that reason (None)."""
        with self._cond:
            self._get(info_hash).hold(reason, message)

    def set_upload_limit(self, info_hash: str, rate: int) -> None:
        """Cap one torrent's upload in bytes/s (0: no cap of its own)."""
        with self._cond:
            self._get(info_hash).set_upload_limit(rate)

    def clear_disk_full(self, info_hash: str) -> None:
        """Room is back: leave the upload-only mode libtorrent entered when a write failed."""
        with self._cond:
            self._get(info_hash).clear_disk_full()

    def connect_peers(self, info_hash: str, peers: list[str]) -> None:
        """Connect to known peers ("host:port"), e.g. a local swarm with no tracker or DHT."""
        addresses = [peer_address(p) for p in peers]
        with self._cond:
            self._get(info_hash).connect(addresses)

    # ---- queries ---------------------------------------------------------------------------
    def _get(self, info_hash: str) -> Torrent:
        t = self._torrents.get(info_hash.lower())
        if t is None and info_hash.lower() in self._broken:
            raise Unavailable(f"torrent {info_hash} is broken: {BROKEN_WHY}", code="broken")
        if t is None:
            raise NotFound(f"no torrent with info-hash {info_hash}")
        return t

    def info_hashes(self) -> list[str]:
        """The torrents that run (not the broken ones)."""
        with self._cond:
            return list(self._torrents)

    def broken(self) -> list[str]:
        """Torrents that could not be brought back at start; their data is kept until the user
        adds them again or removes them."""
        with self._cond:
            return list(self._broken)

    def files(self, info_hash: str) -> list[FileInfo]:
        with self._cond:
            if info_hash.lower() in self._broken:
                return []
            return self._get(info_hash).files()

    def default_file(self, info_hash: str) -> int:
        with self._cond:
            return self._get(info_hash).default_file()

    def status(self, info_hash: str) -> TorrentStatus:
        """A frozen snapshot: state, progress, rates, peers, buffer health (api/ makes JSON)."""
        with self._cond:
            source = self._broken.get(info_hash.lower())
            if source is not None:
                return TorrentStatus.of_broken(info_hash.lower(), source, BROKEN_WHY)
            t = self._get(info_hash)
            return t.status(*self.origins.of(t.info_hash))

    def statuses(self) -> list[TorrentStatus]:
        with self._cond:  # one snapshot: no torrent can vanish between listing and reading it
            return [self.status(ih) for ih in [*self._torrents, *self._broken]]

    # ---- removing --------------------------------------------------------------------------
    def remove(self, info_hash: str, delete_files: bool = True) -> None:
        """Forget a torrent: its resume file and state always, its data unless told to keep it
        (or it is not the cache's: a published video's folder is the user's)."""
        info_hash = info_hash.lower()
        with self._cond:
            if self._broken.pop(info_hash, None) is None:
                t = self._get(info_hash)
                info_hash = t.info_hash
                delete_files = delete_files and t.save_path is None
                self._drop(t, delete_files)
                # libtorrent deletes the files and its .parts file on its disk thread: wait for
                # it, or a block still queued for writing could bring a file back after rmtree.
                end = time.monotonic() + DELETE_TIMEOUT
                while delete_files and info_hash not in self._deleted \
                        and time.monotonic() < end:
                    self._cond.wait(end - time.monotonic())
                self._deleted.discard(info_hash)
            self.persist.forget(info_hash)  # a save still queued must not bring it back
        self.persist.call(lambda: self.state.forget(info_hash))
        for listener in self._removed_listeners:
            listener(info_hash)
        if delete_files:
            # libtorrent deletes the files it knows; the per-torrent folder itself goes too.
            shutil.rmtree(self.config.cache_dir / info_hash, ignore_errors=True)

    def _drop(self, t: Torrent, delete_files: bool) -> None:
        """Take a torrent out of the session and the table (under _cond); its readers stop."""
        t.removed = True
        self._torrents.pop(t.info_hash, None)
        self.origins.forget(t.info_hash)
        self._deleted.discard(t.info_hash)
        self._saving.discard(t.info_hash)
        self.session.remove_torrent(t.handle, lt.DELETE_FILES if delete_files else 0)
        self.pieces.drop(t.info_hash)
        self._cond.notify_all()

    # ---- streaming -------------------------------------------------------------------------
    def open_stream(self, info_hash: str, file_index: int | None = None,
                    timeout: float | None = None, played: bool = True,
                    window: float | None = None) -> FileStream:
        """A stream of one file (default: the largest video), waiting for metadata if needed.
        `played` False: a reader of the service's own (a prefetch), which neither counts as
        playing nor wakes the components that make room for a player; its window is `window`
        seconds of playback."""
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
            file = t.stream_file(t.default_file() if file_index is None else file_index)

        def read_piece(piece: int, wait: float, cancelled: Callable[[], bool]) -> bytes:
            return self.pieces.read(t, piece, wait, cancelled)

        if not played:
            return FileStream(t.scheduler, file, read_piece, self.config.read_timeout, own=True,
                              window=window)
        return FileStream(t.scheduler, file, read_piece, self.config.read_timeout,
                          on_open=lambda: self._playing(t),
                          # Only a reader that gets body bytes counts (not a HEAD).
                          on_bytes=lambda: self.persist.submit(
                              lambda: self.state.played(t.info_hash)))

    def download_all(self, info_hash: str) -> None:
        """The whole torrent downloads, every file of it, whatever waited before."""
        with self._cond:
            self._get(info_hash).download_all()

    def on_playing(self, listener: Callable[[str], None]) -> None:
        """Call `listener(info_hash)` whenever a reader starts on a torrent: components that
        pause torrents (seeding, governor, cache) look again at once, not at their next tick."""
        self._playing_listeners.append(listener)

    def on_removed(self, listener: Callable[[str], None]) -> None:
        """Call `listener(info_hash)` once a torrent is removed (what components keep of it
        goes too: a torrent added again starts afresh)."""
        self._removed_listeners.append(listener)

    def on_metadata(self, listener: Callable[[str], None]) -> None:
        """Call `listener(info_hash)` when a magnet's metadata arrives (on the alert thread:
        it must return at once)."""
        self._metadata_listeners.append(listener)

    def _playing(self, t: Torrent) -> None:
        self.origins.reader_opened(t)
        for listener in self._playing_listeners:
            listener(t.info_hash)

    # ---- alerts: handlers copy what they need, hand writes to the worker, never wait --------
    def _register_handlers(self) -> None:
        on = self.alerts.register
        on("piece_finished_alert", lambda _alert: self.pieces.piece_finished())
        on("read_piece_alert", self._on_read_piece)
        on("metadata_received_alert", self._on_metadata)
        on("save_resume_data_alert", self._on_resume_data)
        on("torrent_checked_alert", self._each(lambda t, _a: t.checked()))
        on("torrent_finished_alert", self._each(lambda t, _a: t.save_resume()))
        on("save_resume_data_failed_alert",
           self._each(lambda t, _a: self._saving.discard(t.info_hash)))
        failed = self._each(lambda t, a: t.failed(a.message(), lt.is_disk_full(a.error)))
        on("torrent_error_alert", failed)
        on("file_error_alert", failed)
        on("torrent_deleted_alert", self._on_deleted)
        on("torrent_delete_failed_alert", self._on_deleted)

    def _each(self, act: Callable[[Torrent, Any], Any]) -> Callable[[Any], None]:
        """A handler doing `act(torrent, alert)` under the lock, for an alert of a torrent we
        have; waiting callers look again after it."""

        def handle(alert: Any) -> None:
            with self._cond:
                t = self._torrent_of(alert)
                if t is not None:
                    act(t, alert)
                self._cond.notify_all()

        return handle

    def _torrent_of(self, alert: Any) -> Torrent | None:
        try:
            return self._torrents.get(lt.hash_hex(alert.handle.info_hashes()))
        except RuntimeError:  # the handle died with its torrent
            return None

    def _on_read_piece(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
        if t is None:
            return
        if alert.error.value():
            self.pieces.piece_read(t.info_hash, alert.piece, None, alert.error.message())
        else:
            self.pieces.piece_read(t.info_hash, alert.piece, bytes(alert.buffer), None)

    def _on_metadata(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is None:
                return
            metainfo = t.metadata_arrived()
            name = t.handle.status().name
            self._cond.notify_all()
        self.persist.submit(lambda: self.state.metadata(t.info_hash, name, metainfo))
        for listener in self._metadata_listeners:
            listener(t.info_hash)

    def _on_resume_data(self, alert: Any) -> None:
        with self._cond:
            t = self._torrent_of(alert)
            if t is None:
                # Removed while its save was on the way: writing it would bring it back.
                return
            self.persist.save_resume(t.info_hash, lt.write_resume(alert.params))
            self._saving.discard(t.info_hash)
            self._cond.notify_all()

    def _on_deleted(self, alert: Any) -> None:
        with self._cond:
            self._deleted.add(lt.hash_hex(alert.info_hashes))
            self._cond.notify_all()

    # ---- upkeep ----------------------------------------------------------------------------
    def tick(self) -> None:
        """Save resume data that changed (not more often than configured); cap the download rate
        of torrents that have enough buffered ahead; spare origins or not."""
        now = time.monotonic()
        with self._cond:
            for t in self._torrents.values():
                t.save_resume_if_due(now)
                if self.config.buffer_cap_seconds > 0:
                    t.apply_buffer_cap()
                t.scheduler.expire_seeks()
                if t.scheduler.readers:  # peers come and go: who sends decides the deadlines
                    t.scheduler.set_urgent_seconds(urgent_seconds(lt.sender_ids(t.handle)))
            self.origins.tick(dict(self._torrents))
