"""`/api/v1/episodes`: Next up, Continue watching, play an episode, its progress and cache."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from ..feeds.library import subtitles_for
from .body import invalid, json_body, optional_int, page, paged, progress_report
from .context import engine, library, plays
from .limits import fetch_slots
from .shows import episode_json
from .torrents import _detail

bp = Blueprint("episodes", __name__, url_prefix="/api/v1/episodes")

LISTS = ("next_up", "continue", "recent")


@bp.get("")
def list_episodes() -> ResponseReturnValue:
    which = request.args.get("list", "recent")
    if which not in LISTS:
        raise invalid("list", f"is one of {', '.join(LISTS)}")
    limit, offset = page()
    found = library().feeds.episode_list(which, limit, offset)
    return jsonify(paged("episodes", [episode_json(e) for e in found.rows], found.total,
                         limit, offset))


@bp.get("/<int:episode_id>")
def show(episode_id: int) -> ResponseReturnValue:
    return jsonify(episode_json(library().feeds.episode(episode_id)))


@bp.post("/<int:episode_id>/play")
def play(episode_id: int) -> ResponseReturnValue:
    """Add the episode's release and answer where to stream it from."""
    body = json_body()
    release_id, file_index = optional_int(body, "release_id"), optional_int(body, "file_index")
    lib = library()
    info_hash, file_index = lib.play(episode_id, release_id, file_index, fetch_slots())
    files = engine().files(info_hash)
    video = next((f for f in files if f.index == file_index), None)
    stream_url = (url_for("stream.stream", info_hash=info_hash, file_index=file_index,
                          _external=True) if file_index is not None else
                  url_for("stream.stream_default", info_hash=info_hash, _external=True))
    subtitles = [{"file_index": f.index, "path": f.path,
                  "stream_url": url_for("stream.stream", info_hash=info_hash,
                                        file_index=f.index, _external=True)}
                 for f in (subtitles_for(files, video) if video else [])]
    return jsonify(episode=episode_json(lib.feeds.episode(episode_id)),
                   torrent=_detail(info_hash), file_index=file_index, stream_url=stream_url,
                   subtitles=subtitles)


@bp.put("/<int:episode_id>/progress")
def progress(episode_id: int) -> ResponseReturnValue:
    """`{"position": s, "duration": s, "state": "stopped", "watched": bool}`: past 90 %, or
    ended, the episode is watched."""
    plays().report_episode(episode_id, *progress_report())
    return jsonify(episode_json(library().feeds.episode(episode_id)))


@bp.delete("/<int:episode_id>/cache")
def delete_cache(episode_id: int) -> ResponseReturnValue:
    library().delete_cache(episode_id)
    return "", 204


@bp.post("/<int:episode_id>/download")
def download(episode_id: int) -> ResponseReturnValue:
    """`{"release_id"?: n}`: download the episode whole, for later."""
    body = json_body()
    lib = library()
    lib.download_episode(episode_id, optional_int(body, "release_id"), fetch_slots())
    return jsonify(episode_json(lib.feeds.episode(episode_id))), 202
