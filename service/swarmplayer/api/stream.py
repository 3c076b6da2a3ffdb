"""`GET|HEAD /stream/<info-hash>[/<file-index>]`: a file served while it downloads, with Range."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import Blueprint, Response, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from ..engine import media
from ..engine.stream import FileStream
from ..errors import ServiceError
from .context import engine

log = logging.getLogger(__name__)

bp = Blueprint("stream", __name__)


@bp.route("/stream/<info_hash>", methods=["GET", "HEAD"])
def stream_default(info_hash: str) -> Response:
    return stream(info_hash, None)


@bp.route("/stream/<info_hash>/<int:file_index>", methods=["GET", "HEAD"])
@bp.route("/stream/<info_hash>/<int:file_index>/<path:name>", methods=["GET", "HEAD"])
def stream(info_hash: str, file_index: int | None, name: str = "") -> Response:
    """`name` is ignored: players that guess the format from the URL's end get a real name."""
    fs = engine().open_stream(info_hash, file_index)
    size = fs.size
    start, stop, status = 0, size, 200
    ranges = request.range
    # Several ranges at once (multipart/byteranges) are rare in players: serving the whole
    # file instead is what RFC 9110 allows.
    if ranges is not None and len(ranges.ranges) == 1:
        bounds = ranges.range_for_length(size)
        if bounds is None:
            raise RequestedRangeNotSatisfiable(length=size)
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
        # No body at all: a b"" body would make werkzeug overwrite Content-Length with 0.
        return Response(status=status, headers=headers)
    disconnected = request.environ.get("waitress.client_disconnected", lambda: False)
    chunks = fs.iter_range(start, stop, disconnected)
    try:
        # Wait for the first bytes before answering: while no status line is out, a piece
        # that never comes is still a proper 503 the player can show, not a silent close.
        first = next(chunks)
    except ServiceError:
        fs.close()
        raise
    return Response(_body(fs, first, chunks), status=status, headers=headers,
                    direct_passthrough=True)


def _body(fs: FileStream, first: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield first
        yield from chunks
    except ServiceError as exc:
        # The status line is gone already: end the body short, and the server closes the
        # connection because Content-Length was not met. The player sees a clean close.
        log.info("stream %s ended early: %s", fs.file.name, exc.message)
    finally:
        fs.close()
