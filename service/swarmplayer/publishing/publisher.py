"""The publisher (a periodic component): looks at the registered folders, makes a .tstream of
each video once it has stopped changing, seeds it from the folder itself, and takes away what
is gone or changed. The state is in SQLite, so a restarted box goes on where it was.

Each .tstream is kept as made, without origins: the engine seeds that one (a box is not its
own origin); what other boxes get names the folder's origins (catalog.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..engine.engine import Engine
from ..errors import NotFound, ServiceError
from ..periodic import Periodic
from ..store import Store
from ..tstream_maker import tstream_bytes
from .catalog import Catalog
from .feed import magnet_link
from .folder import videos_in
from .links import FEED_PATH, tstream_url
from .store import PublishStore

log = logging.getLogger(__name__)


class _Stopped(Exception):
    """Raised from the hashing's progress callback when the service stops."""


@dataclass
class Pending:
    """A video not (yet) in the feed: waiting for its copy to end, being hashed, or failed
    (not tried again until the file changes)."""

    name: str
    size: int
    mtime_ns: int
    state: str  # waiting | hashing | failed
    why: str | None = None
    hashed: int = 0  # pieces
    pieces: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "state": self.state, "why": self.why,
                "hashed": self.hashed, "pieces": self.pieces}


@dataclass
class _FolderState:
    scanned_at: float | None = None
    error: str | None = None
    pending: dict[str, Pending] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    # name → (size, mtime_ns, when that version was first seen): a copy has ended when these
    # have not changed for publish_settle_seconds.
    seen: dict[str, tuple[int, int, float]] = field(default_factory=dict)


class Publisher:
    """Registered folders → seeded .tstreams and the feed; `tick()` scans every folder."""

    def __init__(self, config: Config, engine: Engine, store: Store,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.engine = engine
        self.published = PublishStore(store)
        self.catalog = Catalog(config, self.published)
        self._clock = clock
        self._states: dict[int, _FolderState] = {}
        self._lock = threading.Lock()  # _states, for the API's reads
        self._scanning = threading.Lock()  # one scan at a time: the timer's, a test's
        self._stopping = threading.Event()
        self._periodic = Periodic("publish", config.publish_scan_seconds, self.tick)

    def start(self) -> None:
        self._stopping.clear()
        self._periodic.start()
        self._periodic.wake()

    def stop(self) -> None:
        self._stopping.set()  # a hashing in progress ends at its next piece
        self._periodic.stop()

    def wake(self) -> None:
        self._periodic.wake()

    # ---- folders ---------------------------------------------------------------------------
    def register(self, folder: Path, base_url: str, origins: list[str]) -> tuple[int, bool]:
        """Publish a folder (checked by folder.folder_path; base_url and origins by links.py):
        (id, created). It is scanned at once, in the background."""
        folder_id, created = self.published.add_folder(str(folder), base_url, origins)
        with self._lock:
            self._states.setdefault(folder_id, _FolderState()).scanned_at = None
        self.wake()
        return folder_id, created

    def remove(self, folder_id: int) -> None:
        """Stop publishing a folder: its videos leave the feed and stop seeding (the files
        stay, they are the user's)."""
        items = self.published.items(folder_id)
        self.published.remove_folder(folder_id)
        with self._lock:
            self._states.pop(folder_id, None)  # a hashing of one of its videos ends
        for item in items:
            self._stop_seeding(item["info_hash"])

    def report(self, folder_id: int) -> dict[str, Any]:
        """The folder as the API shows it: its videos, those pending, those left out."""
        folder = self.published.folder(folder_id)
        running = set(self.engine.info_hashes())
        origins = json.loads(folder["origins"])
        with self._lock:
            state = self._states.get(folder_id) or _FolderState()
            pending = [p.to_json() for p in sorted(state.pending.values(),
                                                   key=lambda p: p.name)]
            scanned_at, error, skipped = state.scanned_at, state.error, list(state.skipped)
        videos = [{"name": i["name"], "size": i["size"], "info_hash": i["info_hash"],
                   "published_at": i["published_at"],
                   "tstream_url": tstream_url(folder["base_url"], i["info_hash"]),
                   "magnet": magnet_link(i["info_hash"], i["name"], i["size"], origins),
                   "seeding": i["info_hash"] in running}
                  for i in self.published.items(folder_id)]
        return {"id": folder["id"], "path": folder["path"], "base_url": folder["base_url"],
                "origins": origins, "added_at": folder["added_at"],
                "feed_url": folder["base_url"] + FEED_PATH, "scanned_at": scanned_at,
                "error": error, "videos": videos, "pending": pending, "skipped": skipped}

    # ---- scanning --------------------------------------------------------------------------
    def tick(self) -> None:
        with self._scanning:
            for folder in self.published.folders():
                if self._stopping.is_set():
                    return
                self._scan(folder)

    def _scan(self, folder: sqlite3.Row) -> None:
        with self._lock:
            state = self._states.setdefault(folder["id"], _FolderState())
        path = Path(folder["path"])
        try:
            videos, skipped = videos_in(path)
        except OSError as exc:
            # An unmounted disk, say: what was published stays listed until it is back.
            with self._lock:
                state.error = f"cannot read the folder: {exc.strerror or exc}"
                state.scanned_at = self._clock()
            return
        with self._lock:
            state.error, state.skipped = None, skipped
            for name in set(state.pending) - set(videos):
                del state.pending[name]
        running = set(self.engine.info_hashes())
        published = set()
        for item in self.published.items(folder["id"]):
            st = videos.get(item["name"])
            if st is None or (st.st_size, st.st_mtime_ns) != (item["size"], item["mtime_ns"]):
                log.info("%s is gone or changed: no longer published", path / item["name"])
                self.published.remove_item(item["id"])
                self._stop_seeding(item["info_hash"])
                continue
            published.add(item["name"])
            if item["info_hash"] not in running:  # removed through the API: seeded again
                try:
                    self._seed(bytes(item["tstream"]), path, item["name"])
                except ServiceError as exc:
                    log.warning("cannot seed %s again: %s", path / item["name"], exc.message)
        for name in sorted(set(videos) - published):
            if self._stopping.is_set():
                return
            self._consider(folder, state, name, videos[name])
        with self._lock:
            state.scanned_at = self._clock()

    def _consider(self, folder: sqlite3.Row, state: _FolderState, name: str,
                  st: os.stat_result) -> None:
        """Hash a video that has settled; note one still being written."""
        size, mtime_ns = st.st_size, st.st_mtime_ns
        pending = state.pending.get(name)
        if pending is not None and pending.state == "failed" \
                and (pending.size, pending.mtime_ns) == (size, mtime_ns):
            return  # tried as it is: again when it changes
        now = self._clock()
        seen = state.seen.get(name)
        if seen is None or seen[:2] != (size, mtime_ns):
            seen = state.seen[name] = (size, mtime_ns, now)
        settle = self.config.publish_settle_seconds
        if now - st.st_mtime < settle and now - seen[2] < settle:
            with self._lock:
                state.pending[name] = Pending(
                    name, size, mtime_ns, "waiting",
                    f"still being written: published once it has not changed for {settle:g} s")
            return
        self._publish(folder, state, Pending(name, size, mtime_ns, "hashing"))

    def _publish(self, folder: sqlite3.Row, state: _FolderState, job: Pending) -> None:
        path = Path(folder["path"]) / job.name
        with self._lock:
            state.pending[job.name] = job

        def progress(done: int, total: int) -> None:
            if self._stopping.is_set() or self._states.get(folder["id"]) is not state:
                raise _Stopped  # the service stops, or the folder was removed
            job.hashed, job.pieces = done, total

        try:
            data = tstream_bytes(path, progress=progress)
            after = os.stat(path, follow_symlinks=False)
            if (after.st_size, after.st_mtime_ns) != (job.size, job.mtime_ns):
                job.state = "waiting"
                job.why = "it changed while it was hashed: hashed again once it stops changing"
                state.seen.pop(job.name, None)
                return
            info_hash = self._seed(data, path.parent, job.name)
            try:
                self.published.add_item(folder["id"], job.name, job.size, job.mtime_ns,
                                        info_hash, data)
            except sqlite3.Error as exc:  # all or nothing: not seeded unless listed
                self._stop_seeding(info_hash)
                raise ServiceError(f"cannot save the published video: {exc}") from None
        except _Stopped:
            with self._lock:
                state.pending.pop(job.name, None)
            return
        except FileNotFoundError:  # gone while hashed: the next scan forgets it
            return
        except (ServiceError, OSError) as exc:
            message = exc.message if isinstance(exc, ServiceError) else \
                f"cannot read it: {exc.strerror or exc}"
            job.state, job.why = "failed", message
            log.warning("cannot publish %s: %s", path, message)
            return
        with self._lock:
            state.pending.pop(job.name, None)
            state.seen.pop(job.name, None)
        log.info("published %s (%s)", path, info_hash)

    def _seed(self, data: bytes, folder: Path, name: str) -> str:
        info_hash, _ = self.engine.add_torrent_data(data, str(folder / name),
                                                    save_path=str(folder))
        return info_hash

    def _stop_seeding(self, info_hash: str) -> None:
        """Stop seeding a torrent no published video names any more (the data stays)."""
        if self.published.item_by_hash(info_hash) is None:
            with contextlib.suppress(NotFound):
                self.engine.remove(info_hash, delete_files=False)
