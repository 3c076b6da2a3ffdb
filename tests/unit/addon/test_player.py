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

    def player_state(self, **state: Any) -> None:
        self.reports.append(("now", state))

    def told(self) -> list[dict[str, Any]]:
        return [r[1] for r in self.reports if r[0] == "now"]

    def progress(self) -> list[tuple[Any, ...]]:
        return [r for r in self.reports if r[0] != "now"]


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
    assert recorder.progress()[-1] == ("episode", 3, {"position": 61.5, "duration": 100.0,
                                                      "state": "stopped"})
    reporter.onPlayBackStopped()  # reported once: nothing of ours plays any more
    assert len([r for r in recorder.progress() if r[2]["state"] == "stopped"]) == 1
    assert recorder.told()[-1] == {"state": "idle", "volume": 100}

def test_ignores_what_it_did_not_start(kodi: fakekodi.Kodi, recorder: Recorder) -> None:
    kodiutils.set_shared("playing", {"kind": "file", "ih": "a" * 40, "file": 0, "url": URL})
    fakekodi.Player.playing_file, fakekodi.Player.total = "/home/me/other.mkv", 10.0
    reporter = player.Reporter()
    reporter.onAVStarted()
    reporter.tick()
    reporter.onPlayBackEnded()
    assert recorder.progress() == []
    assert all(t["state"] == "idle" for t in recorder.told())


def test_a_file_reports_end(kodi: fakekodi.Kodi, recorder: Recorder) -> None:
    kodiutils.set_shared("playing", {"kind": "file", "ih": "a" * 40, "file": 0, "url": URL,
                                     "resume": 0})
    fakekodi.Player.playing_file, fakekodi.Player.total, fakekodi.Player.time = URL, 10.0, 9.9
    reporter = player.Reporter()
    reporter.onAVStarted()
    reporter.tick()
    reporter.onPlayBackEnded()
    assert recorder.progress()[-1][:3] == ("file", "a" * 40, 0)
    assert recorder.progress()[-1][3]["state"] == "ended"
    assert kodi.called("seekTime") == []


def test_tells_the_service_what_plays(kodi: fakekodi.Kodi, recorder: Recorder) -> None:
    """Now playing: what, where and whether paused, at start, pause, seek and stop."""
    kodiutils.set_shared("playing", {"kind": "episode", "id": 7, "url": URL, "resume": 0,
                                     "title": "S01E02 The Second"})
    fakekodi.Player.playing_file, fakekodi.Player.total, fakekodi.Player.time = URL, 600.0, 3.0
    kodi.audio_streams = [{"index": 0, "language": "eng", "name": ""},
                          {"index": 1, "language": "fre", "name": "Commentary"}]
    kodi.subtitles = [{"index": 0, "language": "eng", "name": "English"},
                      {"index": 1, "language": "", "name": ""}]
    kodi.audio, kodi.subtitle, kodi.subtitle_enabled = 0, 1, True
    reporter = player.Reporter()
    reporter.onAVStarted()
    assert recorder.told()[-1] == {
        "state": "playing", "title": "S01E02 The Second", "episode_id": 7, "info_hash": None,
        "file_index": None, "position": 3.0, "duration": 600.0, "volume": 100,
        # Kodi's languages in words (xbmc.convertLanguage), titles kept, a bare stream numbered.
        "audio_streams": [{"index": 0, "name": "English"},
                          {"index": 1, "name": "Commentary (French)"}],
        "audio": 0, "subtitles": [{"index": 0, "name": "English"},
                                  {"index": 1, "name": "Track 2"}], "subtitle": 1}
    kodi.subtitle_enabled = False  # shown or not is Kodi's subtitleenabled
    reporter.tell()
    assert recorder.told()[-1]["subtitle"] is None
    reporter.onPlayBackPaused()
    assert recorder.told()[-1]["state"] == "paused"
    fakekodi.Player.time = 120.0
    reporter.onPlayBackSeek(120000, 117000)
    assert recorder.told()[-1]["position"] == 120.0
    assert recorder.told()[-1]["state"] == "paused"
    reporter.onPlayBackResumed()
    assert recorder.told()[-1]["state"] == "playing"
    fakekodi.Player.playing_file = ""
    reporter.onPlayBackStopped()
    assert recorder.told()[-1] == {"state": "idle", "volume": 100}


def test_a_torrent_file_is_told_by_hash_and_index(kodi: fakekodi.Kodi,
                                                  recorder: Recorder) -> None:
    kodiutils.set_shared("playing", {"kind": "file", "ih": "b" * 40, "file": 2, "url": URL,
                                     "title": "clip.mp4"})
    fakekodi.Player.playing_file, fakekodi.Player.total = URL, 30.0
    player.Reporter().onAVStarted()
    told = recorder.told()[-1]
    assert (told["info_hash"], told["file_index"], told["episode_id"]) == ("b" * 40, 2, None)
    assert told["title"] == "clip.mp4"
