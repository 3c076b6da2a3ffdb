"""What the engine writes about its torrents: resume files and store rows, as the jobs the
persistence worker runs (never on the alert thread, never under an engine lock)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time

from ..store import Store
from .resume import ResumeStore

log = logging.getLogger(__name__)


class TorrentState:
    """The resume folder and the store, written together."""

    def __init__(self, resume: ResumeStore, store: Store) -> None:
        self.resume = resume
        self.store = store

    def remember(self, info_hash: str, name: str, source: str, bitrate: float | None,
                 origins: list[str], resume: bytes, metainfo: bytes | None,
                 save_path: str | None = None) -> None:
        """A new torrent: its row, and a resume file from the first moment (a crash before the
        first save still remembers it, with its metadata when we have it)."""
        self.store.add_torrent(info_hash, name, source, bitrate, origins=origins,
                               save_path=save_path)
        self.resume.save(info_hash, resume)
        if metainfo is not None:
            self.resume.save_metainfo(info_hash, metainfo)

    def forget(self, info_hash: str) -> None:
        """Everything written about a torrent goes (what cannot be removed now, the orphan
        scan of a later start finds)."""
        with contextlib.suppress(OSError):
            self.resume.remove(info_hash)
        with contextlib.suppress(sqlite3.Error):
            self.store.remove_torrent(info_hash)

    def save_resume(self, info_hash: str, data: bytes) -> None:
        try:
            self.resume.save(info_hash, data)
        except OSError as exc:  # disk full: keep the old file, say so, keep going
            log.error("cannot save resume data of %s: %s", info_hash, exc)

    def metadata(self, info_hash: str, name: str, metainfo: bytes) -> None:
        """A magnet's metadata came: keep it (with it, a torrent whose resume files are lost is
        added again), and the torrent's real name."""
        self.resume.save_metainfo(info_hash, metainfo)
        self.store.update_torrent(info_hash, name=name)

    def played(self, info_hash: str) -> None:
        try:
            self.store.update_torrent(info_hash, last_played_at=time.time())
        except sqlite3.Error as exc:  # e.g. a full disk: the stream matters more than the date
            log.warning("cannot record that %s was played: %s", info_hash, exc)
