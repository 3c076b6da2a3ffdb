"""Resume files: one per torrent, written atomically so a crash never leaves half of one."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".resume"


class ResumeStore:
    """`<dir>/<info-hash>.resume` files holding libtorrent's bencoded resume data."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, info_hash: str) -> Path:
        return self.directory / f"{info_hash}{SUFFIX}"

    def save(self, info_hash: str, data: bytes) -> None:
        """tmp + fsync + rename (+ fsync of the folder): the old file or the new, never a mix."""
        target = self.path(info_hash)
        tmp = target.with_suffix(SUFFIX + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def remove(self, info_hash: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(info_hash).unlink()

    def load_all(self) -> Iterator[tuple[str, bytes]]:
        """(info-hash, data) for every resume file; leftover .tmp files from a crash are removed."""
        for tmp in self.directory.glob(f"*{SUFFIX}.tmp"):
            tmp.unlink(missing_ok=True)
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            try:
                yield path.stem, path.read_bytes()
            except OSError as exc:
                log.warning("cannot read resume file %s: %s", path, exc)
