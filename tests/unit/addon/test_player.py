"""The service part's reporter: what the player does -> the progress the service is told."""

from __future__ import annotations

from typing import Any

import fakekodi
import pytest

from addon import kodiutils, player

URL = "http://127.0.0.1:8642/stream/" + "a" * 40 + "/0"


class Recorder:
    def __init__(self) -> None:
        self.reports: list[tuple[Any, ...]] = []

    def episode_progress(self, episode_id: int, **progress: Any) -> None:
        self.reports.append(("episode", episode_id, progress))

    def file_progress(self, ih: str, index: int, **progress: Any) -> None:
        self.reports.append(("file", ih, index, progress))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    made = Recorder()
    monkeypatch.setattr(player, "client", lambda: made)
    return made


def test_reports_start_resume_seek_and_stop(kodi: fakekodi.Kodi, recorder: Recorder) -> None:
    kodiutils.set_shared("playing", {"kind": "episode", "id": 3, "url": URL, "resume": 42.0})
    fakekodi.Player.playing_file, fakekodi.Player.total = URL, 100.0
    reporter = player.Reporter()
    reporter.onAVStarted()
    assert kodi.called("seekTime") == [((42.0,), {})]
    assert kodiutils.shared("playing")["resume"] == 0  # a replay does not seek again
    fakekodi.Player.time = 61.5
    reporter.tick()
    fakekodi.Player.playing_file = ""  # Kodi has stopped: the last sample counts
    reporter.onPlayBackStopped()
    assert recorder.reports[-1] == ("episode", 3, {"position": 61.5, "duration": 100.0,
                                                   "state": "stopped"})
    reporter.onPlayBackStopped()  # reported once: nothing of ours plays any more
    assert len([r for r in recorder.reports if r[2]["state"] == "stopped"]) == 1


def test_ignores_what_it_did_not_start(kodi: fakekodi.Kodi, recorder: Recorder) -> None:
    kodiutils.set_shared("playing", {"kind": "file", "ih": "a" * 40, "file": 0, "url": URL})
    fakekodi.Player.playing_file, fakekodi.Player.total = "/home/me/other.mkv", 10.0
    reporter = player.Reporter()
    reporter.onAVStarted()
    reporter.tick()
    reporter.onPlayBackEnded()
    assert recorder.reports == []


def test_a_file_reports_end(kodi: fakekodi.Kodi, recorder: Recorder) -> None:
    kodiutils.set_shared("playing", {"kind": "file", "ih": "a" * 40, "file": 0, "url": URL,
                                     "resume": 0})
    fakekodi.Player.playing_file, fakekodi.Player.total, fakekodi.Player.time = URL, 10.0, 9.9
    reporter = player.Reporter()
    reporter.onAVStarted()
    reporter.tick()
    reporter.onPlayBackEnded()
    assert recorder.reports[-1][:3] == ("file", "a" * 40, 0)
    assert recorder.reports[-1][3]["state"] == "ended"
    assert kodi.called("seekTime") == []
