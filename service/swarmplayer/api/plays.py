"""A torrent's own play side: `POST …/prefetch` (its head, ahead of play), `POST …/download`
(all of it, kept), `PUT …/files/<n>/progress` (where playback stands)."""

from __future__ import annotations

from dataclasses import asdict

from werkzeug.wrappers import Response

from ..errors import NotFound
from .body import invalid, json_body, optional_int, optional_number, progress_report
from .http import Request, Route, json_response
from .torrents import _detail


def prefetch(request: Request, info_hash: str) -> Response:
    """`{"file_index"?: n, "seconds"?: s}`: fetch that file's head; poll the torrent's
    `prefetch` until it is ready."""
    body = json_body(request)
    seconds = optional_number(body, "seconds")
    if seconds is not None and not 1 <= seconds <= 600:
        raise invalid("seconds", "is 1 to 600 seconds of playback")
    file_index = optional_int(body, "file_index")
    _check_file(request, info_hash, file_index)
    request.shared.prefetcher.prefetch(info_hash, file_index, seconds)
    return json_response(_detail(request, info_hash), 202)


def download(request: Request, info_hash: str) -> Response:
    """Download the whole torrent and keep it (not evicted before it is complete)."""
    request.shared.library.download(info_hash.lower())
    return json_response(_detail(request, info_hash), 202)


def progress(request: Request, info_hash: str, file_index: int) -> Response:
    """`{"position": s, "duration"?: s, "state"?: …, "watched"?: bool}`."""
    report = progress_report(request)
    _check_file(request, info_hash, file_index)
    play = request.shared.plays.report(info_hash.lower(), file_index, *report)
    return json_response(asdict(play))


def _check_file(request: Request, info_hash: str, file_index: int | None) -> None:
    files = request.shared.engine.files(info_hash)  # NotFound for an unknown torrent
    if file_index is not None and files and file_index not in {f.index for f in files}:
        raise NotFound(f"torrent {info_hash[:64]} has no file {file_index}")


_AT = "/api/v1/torrents/<info_hash>"
def routes() -> list[Route]:
    return [
        Route(f"{_AT}/prefetch", prefetch, "POST", group="plays"),
        Route(f"{_AT}/download", download, "POST", group="plays"),
        Route(f"{_AT}/files/<int:file_index>/progress", progress, "PUT", group="plays"),
    ]
