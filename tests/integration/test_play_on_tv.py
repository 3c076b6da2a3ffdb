"""Play on TV's service side over real HTTP with the add-on's stand-in (tests/tv_standin.py):
the protocol's edges the real add-on does not show — a torrent's play command and its stream
link, command ids, bad bodies, a newer stream taking over, the 409 with no TV. The add-on's own
code is tested against the service in tests/unit/addon/test_remote.py and in a real Kodi in
tests/e2e/test_tv_remote.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from devices_support import call, pair
from support import api, assert_json_error, fetch, open_response, wait_until
from tv_standin import AUDIO, SUBTITLES, TvStandIn

from swarmplayer.supervisor import Service
from swarmplayer.tstream_maker import make_tstream_file


@pytest.fixture
def tv(service: Service) -> Iterator[TvStandIn]:
    standin = TvStandIn(service.url).start()
    assert standin.wait_for(lambda s: s.hello is not None), "no hello on the command stream"
    yield standin
    standin.stop()


def test_no_tv_is_a_clear_409(service: Service) -> None:
    assert api(service.url, "GET", "/api/v1/player").json()["connected"] is False
    for path, payload in (("/pause", None), ("/seek", {"position": 3}),
                          ("/play", {"episode_id": 4})):
        reply = api(service.url, "POST", "/api/v1/player" + path, payload)
        assert assert_json_error(reply, 409)["error"] == "tv_not_connected"


def test_commands_reach_the_tv_and_its_reports_are_now_playing(
        service: Service, tv: TvStandIn, video: Callable[..., Path], tmp_path: Path) -> None:
    assert tv.hello == {"state_url": "/api/v1/player/state"}
    assert api(service.url, "GET", "/api/v1/player").json()["connected"] is True
    source = make_tstream_file(video("clip.mp4", seconds=2), tmp_path / "clip.tstream")
    ih = api(service.url, "POST", "/api/v1/torrents", {"path": str(source)}).json()["info_hash"]

    reply = api(service.url, "POST", "/api/v1/player/play", {"info_hash": ih, "start": 5})
    assert reply.status == 202, reply.body
    assert tv.wait_for(lambda s: len(s.commands) == 1)
    play = tv.commands[0]
    assert play["command"] == "play" and play["info_hash"] == ih and play["start"] == 5.0
    assert fetch(play["stream_url"], "HEAD").status == 200  # a link the player can open
    now = api(service.url, "GET", "/api/v1/player").json()
    assert now["state"] == "playing" and now["info_hash"] == ih and now["position"] == 5.0
    assert now["title"] == "clip.mp4" and now["updated_at"] > 0

    for path, payload, expect in (
            ("/pause", None, {"state": "paused"}),
            ("/seek", {"offset": 30}, {"position": 35.0}),
            ("/seek", {"position": 10.5}, {"position": 10.5}),
            ("/resume", None, {"state": "playing"}),
            ("/volume", {"volume": 40}, {"volume": 40.0}),
            ("/audio", {"index": 1}, {"audio": 1, "audio_streams": AUDIO}),
            ("/subtitle", {"index": 1}, {"subtitle": 1, "subtitles": SUBTITLES}),
            ("/subtitle", {"index": None}, {"subtitle": None}),
            ("/stop", None, {"state": "idle", "info_hash": None, "subtitles": []})):
        count = len(tv.commands)
        assert api(service.url, "POST", "/api/v1/player" + path, payload).status == 202
        assert tv.wait_for(lambda s, n=count: len(s.commands) == n + 1), path
        now = api(service.url, "GET", "/api/v1/player").json()
        assert {k: now[k] for k in expect} == expect, path
    assert [c["id"] for c in tv.commands] == sorted({c["id"] for c in tv.commands})


def test_bad_commands_and_reports_are_clear_errors(service: Service, tv: TvStandIn) -> None:
    for path, payload in (("/seek", {}), ("/seek", {"position": -1}),
                          ("/seek", {"position": "x"}), ("/volume", {"volume": 101}),
                          ("/play", {}), ("/play", {"info_hash": 5}),
                          ("/play", {"episode_id": True}), ("/play", {"episode_id": 1,
                                                                     "start": -3})):
        assert_json_error(api(service.url, "POST", "/api/v1/player" + path, payload), 400)
    assert_json_error(api(service.url, "POST", "/api/v1/player/play",
                          {"info_hash": "ab" * 20}), 404)
    # Tracks: a number the TV listed (it lists none while nothing plays); null only turns
    # subtitles off.
    for path, payload in (("/audio", {}), ("/audio", {"index": None}), ("/audio", {"index": 0}),
                          ("/audio", {"index": "1"}), ("/subtitle", {}),
                          ("/subtitle", {"index": 0}), ("/subtitle", {"index": -1}),
                          ("/subtitle", {"index": True})):
        assert_json_error(api(service.url, "POST", "/api/v1/player" + path, payload), 400)
    tracks = [{"index": n, "name": f"Track {n}"} for n in range(65)]
    for bad in ({"state": "dancing"}, {"position": "1"}, {"volume": 300}, {"colour": 1},
                {"episode_id": -1}, [1], {"audio": -1}, {"subtitle": "1"},
                {"subtitles": "English"}, {"subtitles": tracks},
                {"audio_streams": [{"index": 0}]},
                {"audio_streams": [{"index": 0, "name": "x" * 201}]},
                {"subtitles": [{"index": 0, "name": "English", "extra": 1}]}):
        assert_json_error(api(service.url, "PUT", "/api/v1/player/state", bad), 400)
    assert tv.commands == []  # nothing half-sent


def test_a_newer_tv_stream_takes_over(service: Service, tv: TvStandIn) -> None:
    second = TvStandIn(service.url).start()
    try:
        assert second.wait_for(lambda s: s.hello is not None)
        assert tv.ended.wait(10), "the older command stream did not end"
        api(service.url, "POST", "/api/v1/player/pause")
        assert second.wait_for(lambda s: s.commands)
        assert tv.commands == []
    finally:
        second.stop()
    # The TV went away: the box says so.
    assert _wait_disconnected(service)


def _wait_disconnected(service: Service) -> bool:
    return wait_until(lambda: not api(service.url, "GET", "/api/v1/player").json()["connected"],
                      10, "the TV to count as gone")


def test_the_tv_needs_a_token_like_any_device(make_service: Callable[..., Service]) -> None:
    locked = make_service(trust_localhost=False)
    assert fetch(locked.url + "/api/v1/player/commands").status == 401
    _, token = pair(locked, "Living-room Kodi")
    standin = TvStandIn(locked.url, token).start()
    try:
        assert standin.wait_for(lambda s: s.hello is not None)
        assert call(locked, "GET", "/api/v1/player", token).json()["connected"] is True
    finally:
        standin.stop()


class Events:
    """A page's /api/v1/events stream, read event by event."""

    def __init__(self, service: Service) -> None:
        self.conn, self.response = open_response(service.url + "/api/v1/events", timeout=20)

    def until(self, done: Callable[[str, Any], bool]) -> tuple[str, Any]:
        name = ""
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:") and done(name, data := json.loads(line[5:])):
                return name, data
        raise AssertionError("the event stream ended")

    def close(self) -> None:
        self.response.close()  # it holds the socket of a stream that ends by closing
        self.conn.close()


def _slot_free(service: Service) -> bool:
    conn, response = open_response(service.url + "/api/v1/events", timeout=5)
    response.close()
    conn.close()
    return response.status == 200


def test_events_follow_the_player_and_are_bounded(service: Service, tv: TvStandIn) -> None:
    from swarmplayer.api.events import MAX_STREAMS

    pages = [Events(service) for _ in range(MAX_STREAMS)]
    try:
        assert all(p.response.status == 200 for p in pages)
        assert pages[0].response.headers["Content-Type"].startswith("text/event-stream")
        _, first = pages[0].until(lambda name, _: name == "player")
        assert first["connected"] is True
        busy = fetch(service.url + "/api/v1/events")
        assert busy.status == 503 and busy.json()["error"] == "busy"
        tv.report(state="playing", title="Live", position=1.0)
        _, now = pages[0].until(lambda name, d: name == "player" and d["title"] == "Live")
        assert now["state"] == "playing" and now["position"] == 1.0
    finally:
        for page in pages:
            page.close()
    # Closed pages give their slots back.
    wait_until(lambda: _slot_free(service), 20, "event slots to be freed")


def test_events_carry_the_torrent_list(service: Service, video: Callable[..., Path],
                                       tmp_path: Path) -> None:
    page = Events(service)
    try:
        page.until(lambda name, d: name == "torrents" and d["torrents"] == [])
        source = make_tstream_file(video("clip.mp4", seconds=2), tmp_path / "clip.tstream")
        ih = api(service.url, "POST", "/api/v1/torrents", {"path": str(source)}).json()[
            "info_hash"]
        _, listed = page.until(lambda name, d: name == "torrents" and d["torrents"])
        assert listed["torrents"][0]["info_hash"] == ih
        assert {"progress", "download_rate"} <= set(listed["torrents"][0])
    finally:
        page.close()
