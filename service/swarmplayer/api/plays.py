"""A torrent's own play side: `POST …/prefetch` (its head, ahead of play), `POST …/download`
(all of it, kept), `PUT …/files/<n>/progress` (where playback stands)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ..errors import NotFound
from .body import invalid, json_body, optional_int, optional_number, progress_report
from .context import engine, library, plays, prefetcher
from .torrents import _detail

bp = Blueprint("plays", __name__, url_prefix="/api/v1/torrents/<info_hash>")



@bp.post("/prefetch")
def prefetch(info_hash: str) -> ResponseReturnValue:
    """`{"file_index"?: n, "seconds"?: s}`: fetch that file's head; poll the torrent's
    `prefetch` until it is ready."""
    body = json_body()
    seconds = optional_number(body, "seconds")
    if seconds is not None and not 1 <= seconds <= 600:
        raise invalid("seconds", "is 1 to 600 seconds of playback")
    file_index = optional_int(body, "file_index")
    _check_file(info_hash, file_index)
    prefetcher().prefetch(info_hash, file_index, seconds)
    return jsonify(_detail(info_hash)), 202


@bp.post("/download")
def download(info_hash: str) -> ResponseReturnValue:
    """Download the whole torrent and keep it (not evicted before it is complete)."""
    library().download(info_hash.lower())
    return jsonify(_detail(info_hash)), 202


@bp.put("/files/<int:file_index>/progress")
def progress(info_hash: str, file_index: int) -> ResponseReturnValue:
    """`{"position": s, "duration"?: s, "state"?: …, "watched"?: bool}`."""
    report = progress_report()
    _check_file(info_hash, file_index)
    play = plays().report(info_hash.lower(), file_index, *report)
    return jsonify(asdict(play))


def _check_file(info_hash: str, file_index: int | None) -> None:
    files = engine().files(info_hash)  # NotFound for an unknown torrent
    if file_index is not None and files and file_index not in {f.index for f in files}:
        raise NotFound(f"torrent {info_hash[:64]} has no file {file_index}")
