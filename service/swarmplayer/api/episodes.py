"""`/api/v1/episodes`: Next up, Continue watching, play an episode, its progress and cache."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..feeds.library import subtitles_for
from .body import invalid, json_body, optional_int, page, paged, progress_report
from .http import Request, Route, json_response, no_content
from .limits import fetch_slots
from .shows import episode_json
from .torrents import _detail

LISTS = ("next_up", "continue", "recent")


def list_episodes(request: Request) -> Response:
    which = request.args.get("list", "recent")
    if which not in LISTS:
        raise invalid("list", f"is one of {', '.join(LISTS)}")
    limit, offset = page(request)
    found = request.shared.library.feeds.episode_list(which, limit, offset)
    return json_response(paged("episodes", [episode_json(request, e) for e in found.rows],
                               found.total, limit, offset))


def show(request: Request, episode_id: int) -> Response:
    return json_response(episode_json(request, request.shared.library.feeds.episode(episode_id)))


def play(request: Request, episode_id: int) -> Response:
    """Add the episode's release and answer where to stream it from."""
    body = json_body(request)
    release_id, file_index = optional_int(body, "release_id"), optional_int(body, "file_index")
    lib = request.shared.library
    info_hash, file_index = lib.play(episode_id, release_id, file_index, fetch_slots(request))
    files = request.shared.engine.files(info_hash)
    video = next((f for f in files if f.index == file_index), None)
    stream_url = (request.url_for("stream.stream", info_hash=info_hash, file_index=file_index,
                                  external=True) if file_index is not None else
                  request.url_for("stream.stream_default", info_hash=info_hash, external=True))
    subtitles = [{"file_index": f.index, "path": f.path,
                  "stream_url": request.url_for("stream.stream", info_hash=info_hash,
                                                file_index=f.index, external=True)}
                 for f in (subtitles_for(files, video) if video else [])]
    return json_response({"episode": episode_json(request, lib.feeds.episode(episode_id)),
                          "torrent": _detail(request, info_hash), "file_index": file_index,
                          "stream_url": stream_url, "subtitles": subtitles})


def progress(request: Request, episode_id: int) -> Response:
    """`{"position": s, "duration": s, "state": "stopped", "watched": bool}`: past 90 %, or
    ended, the episode is watched."""
    request.shared.plays.report_episode(episode_id, *progress_report(request))
    return json_response(episode_json(request, request.shared.library.feeds.episode(episode_id)))


def delete_cache(request: Request, episode_id: int) -> Response:
    request.shared.library.delete_cache(episode_id)
    return no_content()


def download(request: Request, episode_id: int) -> Response:
    """`{"release_id"?: n}`: download the episode whole, for later."""
    body = json_body(request)
    lib = request.shared.library
    lib.download_episode(episode_id, optional_int(body, "release_id"), fetch_slots(request))
    return json_response(episode_json(request, lib.feeds.episode(episode_id)), 202)


_AT = "/api/v1/episodes/<int:episode_id>"
def routes() -> list[Route]:
    return [
        Route("/api/v1/episodes", list_episodes, "GET", group="episodes"),
        Route(_AT, show, "GET", group="episodes"),
        Route(f"{_AT}/play", play, "POST", group="episodes"),
        Route(f"{_AT}/progress", progress, "PUT", group="episodes"),
        Route(f"{_AT}/cache", delete_cache, "DELETE", group="episodes"),
        Route(f"{_AT}/download", download, "POST", group="episodes"),
    ]
