"""A stand-in for the Kodi add-on's service part: the same protocol (docs/api.md, "Play on
TV"), with a pretend player, so the service side is tested over real HTTP and SSE."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

# What the pretend player's video has: two audio tracks and two subtitles.
AUDIO = [{"index": 0, "name": "English (eng)"}, {"index": 1, "name": "Français (fra)"}]
SUBTITLES = [{"index": 0, "name": "English (eng)"}, {"index": 1, "name": "Deutsch (ger)"}]


class TvStandIn:
    """Holds `GET /api/v1/player/commands` open, does what it is told to a pretend player and
    reports each change with `PUT /api/v1/player/state`."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "", parts.port or 80
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.commands: list[dict[str, Any]] = []
        self.hello: dict[str, Any] | None = None
        self.player: dict[str, Any] = {"state": "idle", "position": 0.0, "volume": 100.0}
        self.changed = threading.Condition()
        self.ended = threading.Event()
        self._sock: socket.socket | None = None
        self._thread = threading.Thread(target=self._run, name="tv-standin", daemon=True)

    def start(self) -> TvStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):  # the service ended the stream already
                self._sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)

    def report(self, **values: Any) -> dict[str, Any]:
        """What the add-on sends when Kodi's player changes."""
        self.player.update(values)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request("PUT", "/api/v1/player/state", json.dumps(values).encode(),
                         {**self.headers, "Content-Type": "application/json"})
            response = conn.getresponse()
            body = json.loads(response.read())
            assert response.status == 200, body
            return body
        finally:
            conn.close()

    # ---- the command stream ----
    def _run(self) -> None:
        try:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            conn.connect()
            # Kept apart: http.client hands the socket to a response that ends by closing.
            self._sock = conn.sock
            conn.request("GET", "/api/v1/player/commands",
                         headers={**self.headers, "Accept": "text/event-stream"})
            response = conn.getresponse()
            if response.status != 200:
                return
            name, data = "message", []
            for raw in response:
                line = raw.decode().rstrip("\r\n")
                if not line:
                    if data:
                        self._on_event(name, json.loads("\n".join(data)))
                    name, data = "message", []
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
        except OSError:
            pass  # stopped, or the service went away
        finally:
            self.ended.set()
            with self.changed:
                self.changed.notify_all()

    def _on_event(self, name: str, data: dict[str, Any]) -> None:
        if name == "hello":
            self.hello = data
        elif name == "command":
            self._carry_out(data)
            self.commands.append(data)
        with self.changed:
            self.changed.notify_all()

    def _carry_out(self, command: dict[str, Any]) -> None:
        what = command["command"]
        if what == "play":
            self.report(state="playing", title=command.get("title") or "Episode",
                        info_hash=command.get("info_hash"),
                        episode_id=command.get("episode_id"),
                        file_index=command.get("file_index"),
                        position=command.get("start", 0.0), duration=120.0,
                        audio_streams=AUDIO, audio=0, subtitles=SUBTITLES, subtitle=None)
        elif what in ("pause", "resume"):
            self.report(state="paused" if what == "pause" else "playing")
        elif what == "seek":
            position = command.get("position")
            if position is None:
                position = max(0.0, self.player["position"] + command["offset"])
            self.report(position=position)
        elif what == "stop":
            self.report(state="idle")
        elif what == "volume":
            self.report(volume=command["volume"])
        elif what in ("audio", "subtitle"):
            self.report(**{what: command["index"]})
