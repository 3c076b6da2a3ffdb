"""The TV side of "Play on TV": commands for the add-on's service part, and the player state
it reports back.

The add-on holds one long-lived command stream open; only the newest one is kept (a Kodi that
restarts reconnects before the old connection times out), so the TV costs one server thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .errors import BadInput, ServiceError

STATES = ("idle", "playing", "paused", "buffering")
QUEUE_LENGTH = 32  # commands the TV has not fetched yet; older ones are dropped
TRACKS_MAX = 64  # audio or subtitle tracks a report may list (a film has a dozen at most)
TRACK_NAME_MAX = 200
# What plays has these tracks: [{"index", "name"}], and the one in use (subtitle None: off).
TRACK_LISTS = {"audio_streams": "audio", "subtitles": "subtitle"}


class TvNotConnected(ServiceError):
    status = 409
    code = "tv_not_connected"


def _idle() -> dict[str, Any]:
    return {"state": "idle", "title": None, "episode_id": None, "info_hash": None,
            "file_index": None, "position": 0.0, "duration": None, "volume": None,
            "artwork": None, "audio_streams": [], "audio": None, "subtitles": [],
            "subtitle": None, "updated_at": None}


class TvLink:
    """Commands out, state in; `changed` wakes whoever follows either (streams, tests)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.changed = threading.Condition()
        self._state = _idle()
        self._commands: deque[dict[str, Any]] = deque(maxlen=QUEUE_LENGTH)
        self._next_id = 1
        self._listener = 0  # the number of the command stream in charge, 0: none
        self._listeners = 0
        self.version = 0  # bumped on every state change

    # ---- the add-on's side ----
    def listen(self) -> int:
        """A new command stream takes over; its number, for `commands()` and `leave()`."""
        with self.changed:
            self._listeners += 1
            self._listener = self._listeners
            self._commands.clear()  # commands sent to a TV that went away are stale
            self.version += 1
            self.changed.notify_all()
            return self._listener

    def leave(self, listener: int) -> None:
        with self.changed:
            if self._listener == listener:
                self._listener = 0
                self._state = {**self._state, "state": "idle"} if self._state["state"] in (
                    "playing", "buffering") else self._state
                self.version += 1
                self.changed.notify_all()

    def commands(self, listener: int, timeout: float) -> list[dict[str, Any]] | None:
        """The commands waiting for this stream (after at most `timeout` s; [] if none),
        or None once a newer stream has taken over."""
        with self.changed:
            self.changed.wait_for(lambda: self._commands or self._listener != listener,
                                  timeout)
            if self._listener != listener:
                return None
            taken = list(self._commands)
            self._commands.clear()
            return taken

    def report(self, values: dict[str, Any]) -> dict[str, Any]:
        """The add-on's report of its player; the new state."""
        state = _checked_state(values)
        with self.changed:
            self._state = {**self._state, **state, "updated_at": self._clock()}
            self.version += 1
            self.changed.notify_all()
            return self.snapshot_locked()

    # ---- the phone's side ----
    @property
    def connected(self) -> bool:
        return self._listener != 0

    def send(self, command: str, **args: Any) -> dict[str, Any]:
        """Queue a command for the TV; TvNotConnected when no add-on listens."""
        with self.changed:
            if not self._listener:
                raise TvNotConnected("the TV is not connected: start Kodi with the SwarmPlayer "
                                     "add-on on the box")
            sent = {"id": self._next_id, "command": command, **args}
            self._next_id += 1
            self._commands.append(sent)
            self.changed.notify_all()
            return sent

    def snapshot(self) -> dict[str, Any]:
        with self.changed:
            return self.snapshot_locked()

    def snapshot_locked(self) -> dict[str, Any]:
        return {"connected": self.connected, **self._state}


def _number(values: dict[str, Any], name: str, low: float, high: float | None) -> float | None:
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            low <= value and (high is None or value <= high)):
        raise BadInput(f"{name} must be a number from {low}" + (f" to {high}" if high else ""),
                       code="invalid_field")
    return float(value)


def whole(value: object) -> bool:
    """A JSON whole number from 0 (true and false are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _tracks(value: object, name: str) -> list[dict[str, Any]]:
    """A list of tracks, checked: `[{"index": n, "name": text}]`."""
    if not isinstance(value, list) or len(value) > TRACKS_MAX or not all(
            isinstance(t, dict) and set(t) == {"index", "name"} and whole(t["index"])
            and isinstance(t["name"], str) and len(t["name"]) <= TRACK_NAME_MAX
            for t in value):
        raise BadInput(f'{name} is a list of at most {TRACKS_MAX} {{"index": n, "name": text}}',
                       code="invalid_field")
    return [{"index": t["index"], "name": t["name"]} for t in value]


def _checked_state(values: object) -> dict[str, Any]:
    """The fields of a player report, checked; unknown fields are refused."""
    if not isinstance(values, dict):
        raise BadInput('send JSON like {"state": "playing", "position": 12.5}')
    unknown = set(values) - set(_idle()) - {"connected"}
    if unknown:
        raise BadInput(f"unknown fields: {', '.join(sorted(unknown))}", code="invalid_field")
    out: dict[str, Any] = {}
    if "state" in values:
        if values["state"] not in STATES:
            raise BadInput(f"state is one of {', '.join(STATES)}", code="invalid_field")
        out["state"] = values["state"]
    for name, high in (("position", None), ("duration", None), ("volume", 100)):
        if name in values:
            out[name] = _number(values, name, 0, high)
    for name in ("title", "info_hash", "artwork"):
        if name in values:
            if values[name] is not None and not isinstance(values[name], str):
                raise BadInput(f"{name} is a text or null", code="invalid_field")
            out[name] = values[name]
    for name in ("episode_id", "file_index", *TRACK_LISTS.values()):
        if name in values:
            value = values[name]
            if value is not None and not whole(value):
                raise BadInput(f"{name} is a whole number or null", code="invalid_field")
            out[name] = value
    for name in TRACK_LISTS:
        if name in values:
            out[name] = _tracks(values[name], name)
    if out.get("state") == "idle":
        out = {**_idle(), "volume": out.get("volume"), **out}
        out.pop("updated_at")
    return out
