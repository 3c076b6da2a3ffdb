"""`/api/v1/player`: Play on TV. The phone sends commands; the add-on's service part fetches
them from `/player/commands` (server-sent events) and reports `PUT /player/state`."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..errors import BadInput
from . import sse
from .auth import stream_link
from .body import invalid, optional_int
from .http import Request, Route, json_response


def _body(request: Request) -> dict[str, Any]:
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise BadInput("send a JSON object")
    return body


def _sent(request: Request, command: str, **args: Any) -> Response:
    tv = request.shared.tv
    sent = tv.send(command, **args)
    return json_response({"command": sent, "player": tv.snapshot()}, 202)


def player(request: Request) -> Response:
    return json_response(request.shared.tv.snapshot())


def report(request: Request) -> Response:
    """The add-on's player, as it is now (any subset of the player's fields)."""
    return json_response(request.shared.tv.report(_body(request)))


def commands(request: Request) -> Response:
    """The add-on's command stream; a newer one replaces this one (which then ends)."""
    link = request.shared.tv
    listener = link.listen()

    def next_events(timeout: float) -> list[bytes] | None:
        found = link.commands(listener, timeout)
        if found is None:
            return None
        return [sse.event("command", c, c["id"]) for c in found]

    hello = sse.event("hello", {"state_url": request.url_for("player.report")})
    return sse.stream(request, next_events, [hello], lambda: link.leave(listener))


def play(request: Request) -> Response:
    """`{"episode_id": n}` or `{"info_hash": ih, "file_index"?: n}`, optional `"start": s`."""
    body = _body(request)
    args: dict[str, Any] = {}
    start = body.get("start")
    if start is not None:
        if isinstance(start, bool) or not isinstance(start, (int, float)) or start < 0:
            raise BadInput("start is a position in seconds", code="invalid_field")
        args["start"] = float(start)
    if "episode_id" in body:
        episode_id = body["episode_id"]
        if isinstance(episode_id, bool) or not isinstance(episode_id, int):
            raise BadInput("episode_id is a whole number", code="invalid_field")
        return _sent(request, "play", episode_id=episode_id, **args)
    info_hash = body.get("info_hash")
    if not isinstance(info_hash, str):
        raise BadInput('give "episode_id" or "info_hash"', code="invalid_field")
    file_index = body.get("file_index")
    if file_index is not None and (isinstance(file_index, bool)
                                   or not isinstance(file_index, int)):
        raise BadInput("file_index is a whole number", code="invalid_field")
    # NotFound for a torrent the box does not have
    status = request.shared.engine.status(info_hash)
    return _sent(request, "play", info_hash=status.info_hash, file_index=file_index,
                 title=status.name, stream_url=stream_link(request, info_hash, file_index),
                 **args)


def pause(request: Request) -> Response:
    return _sent(request, "pause")


def resume(request: Request) -> Response:
    return _sent(request, "resume")


def stop(request: Request) -> Response:
    return _sent(request, "stop")


def seek(request: Request) -> Response:
    """`{"position": s}` (from the start) or `{"offset": ±s}` (from where the TV is)."""
    body = _body(request)
    given = [k for k in ("position", "offset") if k in body]
    if len(given) != 1:
        raise BadInput('give one of "position" or "offset" (seconds)', code="invalid_field")
    value = body[given[0]]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            given[0] == "position" and value < 0):
        raise BadInput(f"{given[0]} is a number of seconds", code="invalid_field")
    return _sent(request, "seek", **{given[0]: float(value)})


def audio(request: Request) -> Response:
    """`{"index": n}`: one of the audio tracks the TV reported (`audio_streams`)."""
    return _track(request, "audio", "audio_streams", off=False)


def subtitle(request: Request) -> Response:
    """`{"index": n}`: one of the subtitles the TV reported (`subtitles`); `null`: none."""
    return _track(request, "subtitle", "subtitles", off=True)


def _track(request: Request, command: str, listed: str, off: bool) -> Response:
    body = _body(request)
    index = optional_int(body, "index")
    if index is None and not (off and "index" in body):
        raise invalid("index", "is the number of one of the tracks the TV listed"
                      + (" (null: off)" if off else ""))
    tracks = request.shared.tv.snapshot()[listed]
    if index is not None and index not in [t["index"] for t in tracks]:
        raise invalid("index", f"{index}: what plays on the TV has no such {command} track "
                               f"({_listed(tracks)})")
    return _sent(request, command, index=index)


def _listed(tracks: list[dict[str, Any]]) -> str:
    return "it has " + ", ".join(str(t["index"]) for t in tracks) if tracks else "it lists none"


def volume(request: Request) -> Response:
    """`{"volume": 0–100}`."""
    value = _body(request).get("volume")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise BadInput("volume is a number from 0 to 100", code="invalid_field")
    return _sent(request, "volume", volume=float(value))


_AT = "/api/v1/player"
def routes() -> list[Route]:
    return [
        Route(_AT, player, "GET", group="player"),
        Route(f"{_AT}/state", report, "PUT", group="player"),
        Route(f"{_AT}/commands", commands, "GET", group="player"),
        *(Route(f"{_AT}/{view.__name__}", view, "POST", group="player")
          for view in (play, pause, resume, stop, seek, volume, audio, subtitle)),
    ]
