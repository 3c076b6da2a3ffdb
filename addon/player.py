"""The add-on's xbmc.service part: watch Kodi's player and report position, duration, pauses,
stop and end of what the plugin started to the service, which keeps the resume points, and
tell the service what plays now (its "now playing", for the phone)."""

from __future__ import annotations

import threading
import time
from typing import Any

from addon import kodiutils
from addon.client import ClientError
from addon.connection import client

TICK_S = 1.0  # how often the monitor loop samples the player's time
REPORT_S = 10.0  # how often a playing position goes to the service
NOW_PLAYING_S = 5.0  # how often "now playing" is told while something plays
RESUME_MIN_S = 5.0  # a resume point nearer the start than this plays from the start


class Reporter(kodiutils.Player):
    """What plays (from the plugin's shared note), its last known times, and the reports."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.current: dict[str, Any] | None = None
        self.times_seen: tuple[float, float] | None = None
        self.state = "idle"  # playing, paused or idle: what the TV shows now
        self.reported_at = 0.0
        self.told_at = 0.0

    def on_started(self) -> None:
        playing = kodiutils.shared("playing")
        url = self.playing_url()
        if not playing or playing.get("url") != url:
            with self.lock:
                self.current, self.state = None, "idle"  # something else plays: not ours
            self.tell()
            return
        with self.lock:
            self.current, self.times_seen, self.state = playing, self.times(), "playing"
        resume = float(playing.get("resume") or 0)
        if resume >= RESUME_MIN_S:
            kodiutils.set_shared("playing", dict(playing, resume=0))
            self.seek(resume)
            self.sample()
        self.report("playing")
        self.tell()

    def on_paused(self, paused: bool) -> None:
        with self.lock:
            if self.current is not None:
                self.state = "paused" if paused else "playing"
        self.report("paused" if paused else "playing")
        self.tell()

    def on_seeked(self) -> None:
        self.sample()
        self.tell()

    def on_stopped(self) -> None:
        self.report("stopped", final=True)
        self.tell()

    def on_ended(self) -> None:
        self.report("ended", final=True)
        self.tell()

    def sample(self) -> None:
        times = self.times()
        if times is not None and times[1] > 0:
            with self.lock:
                self.times_seen = times

    def tick(self) -> None:
        """The monitor loop's sample: remember the times, report every REPORT_S, tell the
        service what plays every NOW_PLAYING_S."""
        with self.lock:
            if self.current is None:
                return
            state = self.state
        self.sample()
        now = time.monotonic()
        if now - self.reported_at >= REPORT_S:
            self.report(state)
        if now - self.told_at >= NOW_PLAYING_S:
            self.tell()

    def report(self, state: str, final: bool = False) -> None:
        with self.lock:
            current, times = self.current, self.times_seen
            if final:
                self.current, self.state = None, "idle"
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

    def now_playing(self) -> dict[str, Any]:
        """The TV's player as the service's PUT /player/state wants it."""
        with self.lock:
            current, times, state = self.current, self.times_seen, self.state
        told: dict[str, Any] = {"state": state, "volume": kodiutils.volume()}
        if current is None or state == "idle":
            return dict(told, state="idle")
        position, duration = times or (0.0, 0.0)
        episode = current["kind"] == "episode"
        told.update(title=current.get("title"), position=round(max(position, 0.0), 1),
                    duration=round(duration, 1) if duration > 0 else None,
                    episode_id=current["id"] if episode else None,
                    info_hash=None if episode else current["ih"],
                    file_index=None if episode else current["file"], **kodiutils.tracks())
        return told

    def tell(self) -> None:
        """Tell the service what plays now (a failure only logs: the next tick tells again)."""
        self.told_at = time.monotonic()
        try:
            client().player_state(**self.now_playing())
        except ClientError as error:
            kodiutils.log(f"now playing not told: {error.message}", error=True)

