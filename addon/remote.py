"""The TV side of "Play on TV": one long-lived command stream from the service (server-sent
events, docs/api.md), each command carried out in Kodi; reconnects with backoff and, when the
service stopped answering, looks for the same box on the LAN (it may have a new address)."""

from __future__ import annotations

import http.client
import threading
from typing import Any

from addon import connection, kodiutils, sse
from addon.client import ClientError, ServiceUnavailable
from addon.player import Reporter
from addon.plugin import url

READ_TIMEOUT_S = 30.0  # the service sends a keep-alive every 15 s: silence this long is a loss
BACKOFF_S = (1.0, 30.0)  # the first wait before reconnecting, doubling up to the last
REFIND_AFTER = 3  # failed connections in a row before looking for the box on the LAN


class Remote:
    """The command stream's thread: start() after Kodi's service starts, stop() when it exits."""

    def __init__(self, reporter: Reporter, monitor: kodiutils.Monitor) -> None:
        self.reporter = reporter
        self.monitor = monitor
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._stream: Any = None
        self._thread = threading.Thread(target=self._run, name="swarmplayer-remote",
                                        daemon=True)

    def start(self) -> Remote:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            if self._stream is not None:
                self._stream.interrupt()
        self._thread.join(5)

    def _run(self) -> None:
        wait, failures = BACKOFF_S[0], 0
        while not self._stopping.is_set():
            try:
                if self._listen():
                    wait, failures = BACKOFF_S[0], 0
            except ServiceUnavailable as error:
                failures += 1
                if failures == 1:
                    kodiutils.log(f"remote: {error.message}; trying again", error=True)
                if failures % REFIND_AFTER == 0 and connection.refind():
                    wait = 0.0
            except ClientError as error:  # e.g. 401: this box needs pairing with the service
                kodiutils.log(f"remote: {error.message}", error=True)
            if self._stopping.wait(wait) or self.monitor.stopping():
                return
            wait = min(max(wait * 2, BACKOFF_S[0]), BACKOFF_S[1])

    def _listen(self) -> bool:
        """Hold the stream until it ends; True when the service answered with its hello."""
        api = connection.client()
        stream = api.commands(READ_TIMEOUT_S)
        with self._lock:
            self._stream = stream
        if self._stopping.is_set():
            stream.interrupt()
        greeted = False
        try:
            for name, data in sse.events(stream):
                if name == "hello":
                    greeted = True
                    kodiutils.log(f"remote: listening to {api.base}")
                    connection.remember(api.info())
                    self.reporter.tell()  # the service forgot what plays when we left
                elif name == "command" and isinstance(data, dict):
                    self.carry_out(data)
        except (OSError, http.client.HTTPException):
            pass  # silence (a timeout), a reset, or stop(): the caller reconnects (or ends)
        finally:
            with self._lock:
                self._stream = None
            stream.close()
        return greeted

    def carry_out(self, command: dict[str, Any]) -> None:
        """One command from the phone; a malformed one is logged and skipped."""
        try:
            self._do(command)
        except (KeyError, TypeError, ValueError) as error:
            kodiutils.log(f"remote: skipped command {command!r} ({error!r})", error=True)

    def _do(self, command: dict[str, Any]) -> None:
        what = command.get("command")
        player = self.reporter
        if what == "play":
            kodiutils.play(plugin_url(command))  # the plugin's route: resume, watched marks
        elif what in ("pause", "resume"):
            player.set_paused(what == "pause")
        elif what == "stop":
            player.stop_playing()
        elif what == "seek":
            player.seek(seek_target(command, player.times()))
        elif what == "volume":
            kodiutils.set_volume(float(command["volume"]))
            player.tell()
        elif what == "audio":
            kodiutils.set_audio(int(command["index"]))
            player.tell()
        elif what == "subtitle":
            index = command["index"]
            kodiutils.set_subtitle(None if index is None else int(index))
            player.tell()
        else:
            kodiutils.log(f"remote: unknown command {what!r}")


def plugin_url(command: dict[str, Any]) -> str:
    """The plugin URL that plays a `play` command's episode or torrent file."""
    start = command.get("start")
    start = None if start is None else f"{float(start):g}"
    if command.get("episode_id") is not None:
        return url("episode/play", id=int(command["episode_id"]), start=start)
    file_index = command.get("file_index")
    return url("torrent/play", ih=str(command["info_hash"]),
               file=None if file_index is None else int(file_index), start=start)


def seek_target(command: dict[str, Any], times: tuple[float, float] | None) -> float:
    """Where a seek command goes: a position, or an offset from where the player is, kept
    inside what plays (a seek past the end would end it)."""
    position, duration = times or (0.0, 0.0)
    if command.get("position") is not None:
        target = float(command["position"])
    else:
        target = position + float(command["offset"])
    if duration > 0:
        target = min(target, max(duration - 1.0, 0.0))
    return max(target, 0.0)
