"""Streaming: one open stream of a file yields its bytes as its pieces arrive, telling the
scheduler where it reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .scheduler import StreamFile, StreamScheduler

CHUNK = 64 * 1024

PieceReader = Callable[[int, float, Callable[[], bool]], bytes]


class FileStream:
    """One open stream of a file (an HTTP request): yields its bytes as verified pieces arrive."""

    def __init__(self, scheduler: StreamScheduler, file: StreamFile, read_piece: PieceReader,
                 timeout: float, on_open: Callable[[], Any] | None = None,
                 on_bytes: Callable[[], Any] | None = None, own: bool = False,
                 window: float | None = None) -> None:
        self.file = file
        self.size = file.span.size
        self._scheduler = scheduler
        self._read_piece = read_piece
        self._timeout = timeout
        self._on_open = on_open
        self._on_bytes = on_bytes  # told once, when the first body bytes go out
        self._own, self._window = own, window  # the service's own reader: StreamScheduler.open
        self._rid: int | None = None

    def iter_range(self, start: int, stop: int,
                   cancelled: Callable[[], bool] = lambda: False) -> Iterator[bytes]:
        """Bytes [start, stop) of the file, waiting for each piece at most the read timeout.

        Raises Unavailable (timeout) or StreamClosed; callers close the connection then.
        """
        span = self.file.span
        self._rid = self._scheduler.open(self.file, start, own=self._own, window=self._window)
        if self._on_open is not None:
            self._on_open()
        position = start
        for piece in span.pieces(start, stop):
            self._scheduler.move(self._rid, position)
            data = self._read_piece(piece, self._timeout, cancelled)
            self._scheduler.arrived(self._rid)
            lo, hi = span.bytes_of(piece)
            # The file position of the piece's first byte (negative when the file starts
            # inside the piece).
            base = piece * span.piece_length - span.offset
            if lo == 0 and not self.file.header_seen:
                self._scheduler.learn_header(self.file, data[-base:])
            index = self.file.index_range
            if index and lo <= index[0] < hi and not self.file.bitrate_known:
                self._scheduler.learn_index(self.file, data[index[0] - base:])
            begin, end = max(position, lo), min(stop, hi)
            if self._on_bytes is not None and begin < end:
                self._on_bytes()
                self._on_bytes = None
            for at in range(begin, end, CHUNK):
                yield data[at - base: min(at + CHUNK, end) - base]
            position = end

    def close(self) -> None:
        if self._rid is not None:
            self._scheduler.close(self._rid)
            self._rid = None
