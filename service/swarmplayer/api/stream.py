"""`GET|HEAD /stream/<info-hash>[/<file-index>]`: a file served while it downloads, with Range."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wrappers import Response

from ..engine import media
from ..engine.stream import FileStream
from ..errors import ServiceError
from ..ranges import Unsatisfiable, byte_range
from ..slots import Slots
from .http import Request, Route
from .limits import stream_slots

log = logging.getLogger(__name__)


def stream_default(request: Request, info_hash: str) -> Response:
    return stream(request, info_hash, None)


def stream(request: Request, info_hash: str, file_index: int | None,
           name: str = "") -> Response:
    """`name` is ignored: players that guess the format from the URL's end get a real name.

    Each answer with a body holds a stream slot until it ends: when all are taken the player
    gets a 503 "busy" at once, and the API keeps threads to answer with.
    """
    slots = stream_slots(request)
    slots.take()
    try:
        fs = request.shared.engine.open_stream(info_hash, file_index)
    except BaseException:
        slots.give_back()
        raise
    try:
        return _answer(request, fs, slots)
    except BaseException:
        fs.close()
        slots.give_back()
        raise


def _answer(request: Request, fs: FileStream, slots: Slots) -> Response:
    size = fs.size
    start, stop, status = 0, size, 200
    try:
        # One range or none: several at once (multipart/byteranges) are rare in players, and
        # serving the whole file instead is what RFC 9110 allows; so is ignoring other units.
        bounds = byte_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        raise RequestedRangeNotSatisfiable(length=size) from None
    if bounds is not None:
        (start, stop), status = bounds, 206
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(stop - start),
        "Content-Type": media.content_type(fs.file.name),
        "Cache-Control": "no-store",
    }
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    if request.method == "HEAD" or start == stop:
        fs.close()
        slots.give_back()
        # No body at all: a b"" body would make werkzeug overwrite Content-Length with 0.
        return Response(status=status, headers=headers)
    disconnected = request.environ.get("waitress.client_disconnected", lambda: False)
    chunks = fs.iter_range(start, stop, disconnected)
    # Wait for the first bytes before answering: while no status line is out, a piece that
    # never comes is still a proper 503 the player can show, not a silent close.
    first = next(chunks)
    return Response(_Body(fs, slots, first, chunks), status=status, headers=headers,
                    direct_passthrough=True)


def routes() -> list[Route]:
    return [
        Route("/stream/<info_hash>", stream_default, "GET", "HEAD", group="stream"),
        Route("/stream/<info_hash>/<int:file_index>", stream, "GET", "HEAD", group="stream"),
        Route("/stream/<info_hash>/<int:file_index>/<path:name>", stream, "GET", "HEAD",
              group="stream"),
    ]


class _Body:
    """The body of a stream answer. The stream and its slot are given back in close(), which the
    server calls however the answer ends, even when the body was never read (a generator's
    `finally` would not run then, and the slot would be lost for good)."""

    def __init__(self, fs: FileStream, slots: Slots, first: bytes,
                 chunks: Iterator[bytes]) -> None:
        self._fs, self._slots, self._first, self._chunks = fs, slots, first, chunks
        self._open = True

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield self._first
            yield from self._chunks
        except ServiceError as exc:
            # The status line is gone already: end the body short, and the server closes the
            # connection because Content-Length was not met. The player sees a clean close.
            log.info("stream %s ended early: %s", self._fs.file.name, exc.message)

    def close(self) -> None:
        if self._open:
            self._open = False
            self._fs.close()
            self._slots.give_back()
