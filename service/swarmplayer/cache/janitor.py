"""The cache janitor: keeps the cache within its quota and above the free-disk floor.

Every tick it measures the torrents' folders and the disk, asks the policy what must go and
which downloads cannot fit, evicts and holds accordingly, and lets a download that hit a full
disk go on once there is room for the rest of it. At start it removes what no torrent owns.
It writes nothing itself, so ticking costs the SD card nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from ..config import Config
from ..engine.engine import Engine
from ..engine.status import DISK_FULL, TorrentStatus
from ..errors import NotFound, Unavailable
from ..periodic import Periodic
from ..store import Store
from ..units import parse_amount
from .policy import Item, plan

log = logging.getLogger(__name__)

HOLD = "no_room"  # the reason the janitor holds a torrent under
FLAGS = ("pinned", "keep")


def disk_bytes(path: Path) -> int:
    """Bytes a file tree really takes (allocated blocks: sparse files count what is written)."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(folder, name))
            except FileNotFoundError:  # removed while we walked
                continue
            total += st.st_blocks * 512 if hasattr(st, "st_blocks") else st.st_size
    return total


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


class Janitor:
    """Applies the cache policy to the engine's torrents; `tick()` is what the timer runs."""

    def __init__(self, config: Config, engine: Engine, store: Store) -> None:
        self.config = config
        self.engine = engine
        self.store = store
        self.quota = parse_amount(config.cache_quota)
        self.floor = parse_amount(config.min_free_disk)
        self.evicted: deque[dict[str, Any]] = deque(maxlen=20)
        self._lock = threading.Lock()  # one tick at a time: the timer's and the API's
        self._periodic = Periodic("janitor", config.cache_interval, self.tick)
        engine.on_playing(lambda _info_hash: self._periodic.wake())
        # Look at once when a torrent is ready to download or a write failed for lack of room,
        # not at the next tick: by then a download could have crossed the floor.
        for name in ("torrent_checked_alert", "metadata_received_alert", "file_error_alert"):
            engine.alerts.register(name, lambda _alert: self._periodic.wake())

    def start(self) -> None:
        self.remove_orphans()
        self.tick()
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

    def remove_orphans(self) -> list[str]:
        """Delete what in the cache folder neither a torrent nor a store row owns (left by a
        crash, or by a removal that could not finish); returns the names removed. A broken
        torrent's folder stays: its store row owns it."""
        owned = set(self.engine.info_hashes()) | set(self.engine.broken())
        owned.update(r.info_hash for r in self.store.torrents())
        removed = []
        with os.scandir(self.config.cache_dir) as entries:
            for entry in entries:
                if entry.name in owned:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    Path(entry.path).unlink(missing_ok=True)
                removed.append(entry.name)
        if removed:
            log.info("removed from the cache what no torrent owns: %s", ", ".join(removed))
        return removed

    def tick(self) -> None:
        with self._lock:
            items, statuses = self._items()
            disk = shutil.disk_usage(self.config.cache_dir)
            quota = self.quota.of(disk.total)
            floor = self.floor.of(disk.total)
            room = sum(i.on_disk for i in items) + disk.free - floor
            decided = plan(items, quota, room)
            for info_hash in decided.evict:
                self._evict(statuses[info_hash], quota, floor)
            if decided.evict:
                disk = shutil.disk_usage(self.config.cache_dir)
            message = (f"not enough disk space: the cache may take {_mb(min(quota, room))} "
                       f"(quota {self.config.cache_quota}, keeping {_mb(floor)} free)")
            for item in items:
                if item.info_hash in decided.evict:
                    continue
                held = item.info_hash in decided.hold
                status = statuses[item.info_hash]
                if held != (HOLD in status.holds):
                    self._hold(item.info_hash, message if held else None)
                # A write failed for lack of room: go on once the rest of it fits above the floor.
                if status.state == DISK_FULL and not held \
                        and disk.free - floor >= item.remaining:
                    log.info("room again for %s: downloading resumes", item.info_hash)
                    self._call(self.engine.clear_disk_full, item.info_hash)

    def _items(self) -> tuple[list[Item], dict[str, TorrentStatus]]:
        rows = {r.info_hash: r for r in self.store.torrents()}
        flags = self.store.cache_flags()
        # A broken torrent runs nothing; its data waits for the user. A published video is
        # seeded from the user's own folder: not the cache's to count or evict.
        statuses = {s.info_hash: s for s in self.engine.statuses()
                    if not s.broken and s.save_path is None}
        items = []
        for info_hash, s in statuses.items():
            row = rows.get(info_hash)
            pinned, keep = flags.get(info_hash, (False, False))
            items.append(Item(
                info_hash, size=s.total_wanted,
                on_disk=disk_bytes(self.config.cache_dir / info_hash),
                complete=s.complete,
                added_at=row.added_at if row else 0.0,
                played_at=row.last_played_at if row else None,
                playing=s.playing, pinned=pinned, keep=keep,
            ))
        return items, statuses

    def _evict(self, status: TorrentStatus, quota: int, floor: int) -> None:
        why = (f"to keep the cache within {_mb(quota)} and {_mb(floor)} of the disk free")
        log.info("evicting %s (%s) %s", status.name, status.info_hash, why)
        if self._call(self.engine.remove, status.info_hash, delete_files=True):
            self.evicted.appendleft({"info_hash": status.info_hash, "name": status.name,
                                     "size": status.total_wanted, "at": time.time(),
                                     "why": why})

    def _hold(self, info_hash: str, message: str | None) -> None:
        if message:
            log.warning("holding %s: %s", info_hash, message)
        self._call(self.engine.hold, info_hash, HOLD, message)

    @staticmethod
    def _call(method: Any, *args: Any, **kwargs: Any) -> bool:
        """Call an engine method on a torrent that the user may have removed meanwhile."""
        try:
            method(*args, **kwargs)
        except NotFound:
            return False
        return True

    # ---- for the API -----------------------------------------------------------------------
    def set_flag(self, info_hash: str, flag: str, value: bool) -> dict[str, Any]:
        """Pin a torrent (never evicted) or keep it (not evicted before it completes)."""
        if flag not in FLAGS:
            raise ValueError(f"no cache flag {flag!r}")
        status = self.engine.status(info_hash)  # NotFound for an unknown one
        if status.broken:
            raise Unavailable(f"torrent {status.info_hash} is broken: {status.error}",
                              code="broken")
        info_hash = status.info_hash
        with self._lock:
            self.store.set_cache_flag(info_hash, flag, value)
        return next(i for i in self.report()["items"] if i["info_hash"] == info_hash)

    def report(self) -> dict[str, Any]:
        """Usage, limits and every torrent's share of the cache, with upload totals."""
        items, statuses = self._items()
        disk = shutil.disk_usage(self.config.cache_dir)
        rows = []
        for item in items:
            s = statuses[item.info_hash]
            rows.append({
                "info_hash": item.info_hash,
                "name": s.name,
                "state": s.state,
                "size": item.size,
                "on_disk": item.on_disk,
                "complete": item.complete,
                "playing": item.playing,
                "pinned": item.pinned,
                "keep": item.keep,
                "watched": item.watched,
                "added_at": item.added_at,
                "last_played_at": item.played_at,
                "uploaded": s.total_uploaded,
                "downloaded": s.total_downloaded,
                "ratio": round(s.total_uploaded / item.size, 3) if item.size else 0.0,
                "upload_rate": s.upload_rate,
                "seeding_seconds": s.seeding_seconds,
                "holds": dict(s.holds),
                "error": s.error,
            })
        return {
            "usage": sum(i.on_disk for i in items),
            "planned": sum(i.planned for i in items),
            "quota": {"setting": self.config.cache_quota, "bytes": self.quota.of(disk.total)},
            "min_free_disk": {"setting": self.config.min_free_disk,
                              "bytes": self.floor.of(disk.total)},
            "disk": {"path": str(self.config.cache_dir), "total": disk.total, "free": disk.free},
            "uploaded_total": sum(r["uploaded"] for r in rows),
            "downloaded_total": sum(r["downloaded"] for r in rows),
            "items": rows,
            "evicted": list(self.evicted),
        }
