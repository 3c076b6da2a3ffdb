"""`/api/v1/player`: Play on TV. The phone sends commands; the add-on's service part fetches
them from `/player/commands` (server-sent events) and reports `PUT /player/state`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from ..errors import BadInput
from ..tv import TvLink
from . import sse
from .auth import stream_link
from .context import engine

bp = Blueprint("player", __name__, url_prefix="/api/v1/player")


def register(app: Flask) -> None:
    app.extensions["swarmplayer"]["tv"] = TvLink()
    app.register_blueprint(bp)


def tv() -> TvLink:
    return current_app.extensions["swarmplayer"]["tv"]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise BadInput("send a JSON object")
    return body


def _sent(command: str, **args: Any) -> ResponseReturnValue:
    sent = tv().send(command, **args)
    return jsonify(command=sent, player=tv().snapshot()), 202


@bp.get("")
def player() -> ResponseReturnValue:
    return jsonify(tv().snapshot())


@bp.put("/state")
def report() -> ResponseReturnValue:
    """The add-on's player, as it is now (any subset of the player's fields)."""
    return jsonify(tv().report(_body()))


@bp.get("/commands")
def commands() -> ResponseReturnValue:
    """The add-on's command stream; a newer one replaces this one (which then ends)."""
    link = tv()
    listener = link.listen()

    def next_events(timeout: float) -> list[bytes] | None:
        found = link.commands(listener, timeout)
        if found is None:
            return None
        return [sse.event("command", c, c["id"]) for c in found]

    hello = sse.event("hello", {"state_url": url_for("player.report")})
    return sse.stream(next_events, [hello], lambda: link.leave(listener))


@bp.post("/play")
def play() -> ResponseReturnValue:
    """`{"episode_id": n}` or `{"info_hash": ih, "file_index"?: n}`, optional `"start": s`."""
    body = _body()
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
        return _sent("play", episode_id=episode_id, **args)
    info_hash = body.get("info_hash")
    if not isinstance(info_hash, str):
        raise BadInput('give "episode_id" or "info_hash"', code="invalid_field")
    file_index = body.get("file_index")
    if file_index is not None and (isinstance(file_index, bool)
                                   or not isinstance(file_index, int)):
        raise BadInput("file_index is a whole number", code="invalid_field")
    status = engine().status(info_hash)  # NotFound for a torrent the box does not have
    return _sent("play", info_hash=status.info_hash, file_index=file_index,
                 title=status.name, stream_url=stream_link(info_hash, file_index),
                 **args)


@bp.post("/pause")
def pause() -> ResponseReturnValue:
    return _sent("pause")


@bp.post("/resume")
def resume() -> ResponseReturnValue:
    return _sent("resume")


@bp.post("/stop")
def stop() -> ResponseReturnValue:
    return _sent("stop")


@bp.post("/seek")
def seek() -> ResponseReturnValue:
    """`{"position": s}` (from the start) or `{"offset": ±s}` (from where the TV is)."""
    body = _body()
    given = [k for k in ("position", "offset") if k in body]
    if len(given) != 1:
        raise BadInput('give one of "position" or "offset" (seconds)', code="invalid_field")
    value = body[given[0]]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            given[0] == "position" and value < 0):
        raise BadInput(f"{given[0]} is a number of seconds", code="invalid_field")
    return _sent("seek", **{given[0]: float(value)})


@bp.post("/volume")
def volume() -> ResponseReturnValue:
    """`{"volume": 0–100}`."""
    value = _body().get("volume")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise BadInput("volume is a number from 0 to 100", code="invalid_field")
    return _sent("volume", volume=float(value))
