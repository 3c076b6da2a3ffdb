"""Resume files: one per torrent, written atomically, with a backup and the torrent's metainfo.

Per torrent, in the resume folder:
- `<ih>.resume`: libtorrent's bencoded resume data, newest;
- `<ih>.resume.bak`: the one before it (an SD card can corrupt a file after a power cut);
- `<ih>.torrent`: the metainfo (.torrent/.tstream bytes, or the info dict once a magnet's metadata
  came), written once: with it the torrent can be added again and its data re-checked.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".resume"
BACKUP = ".resume.bak"
METAINFO = ".torrent"
SET_ASIDE = ".resume.bad"


class ResumeStore:
    """The resume folder's files, by info-hash."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, info_hash: str, suffix: str = SUFFIX) -> Path:
        return self.directory / f"{info_hash}{suffix}"

    def save(self, info_hash: str, data: bytes) -> None:
        """tmp + fsync, the current file is linked as the backup, tmp replaces current, fsync
        of the folder. The current file exists at every moment, whole, old or new."""
        target = self.path(info_hash)
        tmp = self._write_tmp(target, data)
        backup = self.path(info_hash, BACKUP)
        linked = backup.with_name(backup.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            linked.unlink(missing_ok=True)
            os.link(target, linked)
            os.replace(linked, backup)
        os.replace(tmp, target)
        self._sync_folder()

    def save_metainfo(self, info_hash: str, data: bytes) -> None:
        """Keep the torrent's metainfo beside its resume data (once: it never changes)."""
        target = self.path(info_hash, METAINFO)
        if target.exists():
            return
        os.replace(self._write_tmp(target, data), target)
        self._sync_folder()

    def metainfo(self, info_hash: str) -> bytes | None:
        try:
            return self.path(info_hash, METAINFO).read_bytes()
        except OSError:
            return None

    def versions(self, info_hash: str) -> Iterator[tuple[Path, bytes]]:
        """The resume data to try, newest first: the current file, then its backup."""
        for suffix in (SUFFIX, BACKUP):
            path = self.path(info_hash, suffix)
            try:
                yield path, path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("cannot read resume file %s: %s", path, exc)

    def set_aside(self, info_hash: str) -> None:
        """Keep an unreadable current file under another name: the next save must not turn it
        into the backup, over the good one."""
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.path(info_hash), self.path(info_hash, SET_ASIDE))

    def remove(self, info_hash: str) -> None:
        for suffix in (SUFFIX, BACKUP, METAINFO, SET_ASIDE):
            with contextlib.suppress(FileNotFoundError):
                self.path(info_hash, suffix).unlink()

    def known(self) -> list[str]:
        """Every info-hash with a resume file, a backup or metainfo; crash leftovers (.tmp) go."""
        for tmp in self.directory.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        found = set()
        for suffix in (SUFFIX, BACKUP, METAINFO):
            found.update(p.name[: -len(suffix)] for p in self.directory.glob(f"*{suffix}"))
        return sorted(found)

    def _write_tmp(self, target: Path, data: bytes) -> Path:
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return tmp

    def _sync_folder(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
