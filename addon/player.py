"""The add-on's xbmc.service part: watch Kodi's player and report position, duration, pauses,
stop and end of what the plugin started to the service, which keeps the resume points."""

from __future__ import annotations

import threading
import time
from typing import Any

from addon import kodiutils
from addon.client import ClientError
from addon.connection import client

TICK_S = 1.0  # how often the monitor loop samples the player's time
REPORT_S = 10.0  # how often a playing position goes to the service
RESUME_MIN_S = 5.0  # a resume point nearer the start than this plays from the start


class Reporter(kodiutils.Player):
    """What plays (from the plugin's shared note), its last known times, and the reports."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.current: dict[str, Any] | None = None
        self.times_seen: tuple[float, float] | None = None
        self.reported_at = 0.0

    def on_started(self) -> None:
        playing = kodiutils.shared("playing")
        url = self.playing_url()
        if not playing or playing.get("url") != url:
            with self.lock:
                self.current = None  # something else plays: not ours to report
            return
        with self.lock:
            self.current, self.times_seen = playing, self.times()
        resume = float(playing.get("resume") or 0)
        if resume >= RESUME_MIN_S:
            kodiutils.set_shared("playing", dict(playing, resume=0))
            self.seek(resume)
        self.report("playing")

    def on_paused(self, paused: bool) -> None:
        self.report("paused" if paused else "playing")

    def on_stopped(self) -> None:
        self.report("stopped", final=True)

    def on_ended(self) -> None:
        self.report("ended", final=True)

    def tick(self) -> None:
        """The monitor loop's sample: remember the times, report every REPORT_S."""
        with self.lock:
            if self.current is None:
                return
        times = self.times()
        if times is not None and times[1] > 0:
            with self.lock:
                self.times_seen = times
        if time.monotonic() - self.reported_at >= REPORT_S:
            self.report("playing")

    def report(self, state: str, final: bool = False) -> None:
        with self.lock:
            current, times = self.current, self.times_seen
            if final:
                self.current = None
        if current is None or times is None:
            return
        self.reported_at = time.monotonic()
        position, duration = times
        progress: dict[str, Any] = {"position": round(position, 1), "state": state}
        if duration > 0:
            progress["duration"] = round(duration, 1)
        try:
            if current["kind"] == "episode":
                client().episode_progress(current["id"], **progress)
            else:
                client().file_progress(current["ih"], current["file"], **progress)
        except ClientError as error:
            kodiutils.log(f"progress not reported: {error.message}", error=True)


def run() -> None:
    """Until Kodi exits: the player's callbacks report events, this loop samples times."""
    monitor = kodiutils.Monitor()
    reporter = Reporter()
    while not monitor.wait(TICK_S):
        reporter.tick()
    reporter.report("stopped", final=True)
