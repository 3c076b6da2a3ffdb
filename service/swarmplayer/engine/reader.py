"""Piece reads for stream readers: libtorrent's read_piece, a small shared cache, and readers
waiting for a piece to be verified and read.

Never read straight from disk: a piece can pass its hash check while its blocks still sit in
libtorrent 2's write buffer (zeros on disk). The reader's condition is its own, notified by
piece alerts; no other lock is taken under it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from ..errors import ReadFailed, StreamClosed, Unavailable
from .torrent import Torrent

# Pieces read for streams, kept for readers that come back to them (a player's second
# connection, a small seek back); each reader also holds its current piece. 1 MiB (was 4):
# re-reading a piece from libtorrent costs milliseconds, and on a small box every MB counts.
PIECE_CACHE_BYTES = 1 << 20
# How often a waiting reader looks whether its client went away.
CANCEL_CHECK_SECONDS = 1.0


class PieceCache:
    """The last few pieces read from libtorrent, bounded in bytes (readers share them)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._size = 0

    def get(self, key: tuple[str, int]) -> bytes | None:
        data = self._items.get(key)
        if data is not None:
            self._items.move_to_end(key)
        return data

    def put(self, key: tuple[str, int], data: bytes) -> None:
        if key in self._items:
            return
        self._items[key] = data
        self._size += len(data)
        # Keep at least two pieces whatever their size: a reader straddles a piece boundary.
        while self._size > self.max_bytes and len(self._items) > 2:
            _, old = self._items.popitem(last=False)
            self._size -= len(old)

    def drop(self, info_hash: str) -> None:
        for key in [k for k in self._items if k[0] == info_hash]:
            self._size -= len(self._items.pop(key))



class PieceReader:
    """Verified pieces' bytes for the streams of every torrent."""

    def __init__(self, cache_bytes: int = PIECE_CACHE_BYTES) -> None:
        self._cond = threading.Condition()
        self._cache = PieceCache(cache_bytes)
        self._requested: set[tuple[str, int]] = set()
        self._errors: dict[tuple[str, int], str] = {}

    def read(self, t: Torrent, piece: int, timeout: float,
             cancelled: Callable[[], bool]) -> bytes:
        """The piece's bytes, once verified and read; Unavailable after `timeout`, StreamClosed
        when the torrent goes or the client does, ReadFailed when libtorrent cannot read it."""
        key = (t.info_hash, piece)
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                if t.removed:
                    raise StreamClosed("the torrent was removed")
                data = self._cache.get(key)
                if data is not None:
                    return data
                if key in self._errors:
                    raise ReadFailed(f"cannot read piece {piece}: {self._errors.pop(key)}")
                try:
                    if key not in self._requested and t.handle.have_piece(piece):
                        self._requested.add(key)
                        t.handle.read_piece(piece)
                except RuntimeError:  # the handle died with its torrent, just now
                    raise StreamClosed("the torrent was removed") from None
                left = end - time.monotonic()
                if left <= 0:
                    raise Unavailable(f"piece {piece} did not arrive within {timeout:g} s")
                if cancelled():
                    raise StreamClosed("the client went away")
                # Woken by piece alerts; the cap only bounds how late a disconnect is noticed.
                self._cond.wait(min(left, CANCEL_CHECK_SECONDS))

    def piece_finished(self) -> None:
        """A piece passed its hash check: waiting readers may ask for it now."""
        with self._cond:
            self._cond.notify_all()

    def piece_read(self, info_hash: str, piece: int, data: bytes | None,
                   error: str | None) -> None:
        """libtorrent answered a read_piece (with the bytes, or why not)."""
        key = (info_hash, piece)
        with self._cond:
            self._requested.discard(key)
            if error is not None:
                self._errors[key] = error
            elif data is not None:
                self._cache.put(key, data)
            self._cond.notify_all()

    def drop(self, info_hash: str) -> None:
        """The torrent is gone: forget its pieces, and wake its readers to see it."""
        with self._cond:
            self._cache.drop(info_hash)
            self._requested = {k for k in self._requested if k[0] != info_hash}
            self._errors = {k: v for k, v in self._errors.items() if k[0] != info_hash}
            self._cond.notify_all()
