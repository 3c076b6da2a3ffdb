"""The TV side of Play on TV outside Kodi (fake xbmc) against a real service over HTTP and
server-sent events: the phone's commands reach Kodi's player, the player's state reaches the
service, and the stream comes back after it is lost."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable, Iterator
from typing import Any

import fakekodi
import pytest
from devices_support import call, pair
from support import api, wait_until

from addon import discovery, kodiutils, remote
from addon.player import Reporter
from addon.remote import Remote
from swarmplayer.supervisor import Service

PLUGIN = "plugin://plugin.video.swarmplayer/"
URL = "http://127.0.0.1:1/stream/" + "c" * 40 + "/0"


@pytest.fixture
def tv(kodi: fakekodi.Kodi) -> Iterator[Callable[[], Remote]]:
    """Start the add-on's remote (and its reporter) the way Kodi's service part does."""
    started: list[Remote] = []

    def start() -> Remote:
        made = Remote(Reporter(), kodiutils.Monitor()).start()
        started.append(made)
        return made

    yield start
    for made in started:
        made.stop()
        assert not made._thread.is_alive()


def player(base: str) -> dict[str, Any]:
    return api(base, "GET", "/api/v1/player").json()


def command(base: str, path: str, body: dict[str, Any] | None = None) -> None:
    reply = api(base, "POST", f"/api/v1/player/{path}", body or {})
    assert reply.status == 202, reply.body


def listened(kodi: fakekodi.Kodi) -> int:
    """How many times the add-on has opened the command stream (its log says so)."""
    return len([a for a, _ in kodi.called("log") if "remote: listening to" in a[0]])


def builtins(kodi: fakekodi.Kodi) -> list[str]:
    return [args[0] for args, _ in kodi.called("executebuiltin")]


@pytest.mark.integration
def test_the_phones_commands_drive_kodi_and_its_state_comes_back(kodi: fakekodi.Kodi, service,
                                                                  tv) -> None:
    fakekodi.point_at(service.url)
    reporter = tv().reporter
    wait_until(lambda: player(service.url)["connected"], 15, "the add-on to listen")

    command(service.url, "play", {"episode_id": 5, "start": 12})
    wait_until(lambda: f"PlayMedia({PLUGIN}episode/play?id=5&start=12)" in builtins(kodi), 15,
               "Kodi to be told to play the episode through the plugin")

    # Kodi plays what the plugin resolved: the reporter tells the service.
    kodiutils.set_shared("playing", {"kind": "episode", "id": 5, "url": URL, "resume": 12.0,
                                     "title": "S01E05 Five"})
    fakekodi.Player.playing_file, fakekodi.Player.total = URL, 300.0
    reporter.onAVStarted()
    now = player(service.url)
    assert (now["state"], now["episode_id"], now["title"]) == ("playing", 5, "S01E05 Five")
    assert now["position"] == 12.0 and now["duration"] == 300.0

    command(service.url, "pause")
    wait_until(lambda: kodi.paused, 15, "Kodi to pause")
    reporter.onPlayBackPaused()  # what Kodi calls back once paused
    assert player(service.url)["state"] == "paused"
    command(service.url, "pause")  # already paused: not toggled back
    command(service.url, "seek", {"offset": 30})
    wait_until(lambda: kodi.called("seekTime")[-1] == ((42.0,), {}), 15, "the seek +30 s")
    assert kodi.called("pause") == [((), {})] and kodi.paused
    command(service.url, "resume")
    wait_until(lambda: not kodi.paused, 15, "Kodi to resume")

    command(service.url, "volume", {"volume": 40})
    wait_until(lambda: player(service.url)["volume"] == 40.0, 15, "the volume to be told")
    assert "SetVolume(40,showVolumeBar)" in builtins(kodi)

    # The tracks Kodi lists go to the phone; its choice comes back to Kodi's player.
    kodi.audio_streams = [{"index": 0, "language": "eng", "name": ""},
                          {"index": 1, "language": "ger", "name": ""}]
    kodi.subtitles = [{"index": 0, "language": "eng", "name": ""}]
    kodi.audio = 0
    reporter.tell()
    assert player(service.url)["subtitles"] == [{"index": 0, "name": "English"}]
    command(service.url, "audio", {"index": 1})
    wait_until(lambda: player(service.url)["audio"] == 1, 15, "audio track 2 to be told")
    assert kodi.called("Player.SetAudioStream") == [((), {"playerid": 1, "stream": 1})]
    command(service.url, "subtitle", {"index": 0})
    wait_until(lambda: player(service.url)["subtitle"] == 0, 15, "the subtitle to be told")
    command(service.url, "subtitle", {"index": None})
    wait_until(lambda: player(service.url)["subtitle"] is None, 15, "subtitles off")
    assert kodi.called("Player.SetSubtitle") == [
        ((), {"playerid": 1, "subtitle": 0, "enable": True}),
        ((), {"playerid": 1, "subtitle": "off"})]

    command(service.url, "stop")
    wait_until(lambda: kodi.called("stop"), 15, "Kodi to stop")
    reporter.onPlayBackStopped()
    assert player(service.url)["state"] == "idle"


@pytest.mark.integration
def test_comes_back_after_losing_the_stream(kodi: fakekodi.Kodi, service, tv) -> None:
    fakekodi.point_at(service.url)
    tv()
    wait_until(lambda: listened(kodi) == 1, 15, "the add-on to listen")
    # Another listener takes the stream over, then goes: the add-on's stream has ended.
    other = http.client.HTTPConnection("127.0.0.1", int(service.url.rsplit(":", 1)[1]),
                                       timeout=15)
    other.request("GET", "/api/v1/player/commands")
    reply = other.getresponse()
    assert reply.status == 200 and b"hello" in reply.readline() + reply.readline() + \
        reply.readline() + reply.readline()
    other.close()
    # (Not "connected": the other listener counts until the service sees it gone.)
    wait_until(lambda: listened(kodi) == 2, 30, "the add-on to listen again")
    fakekodi.Player.playing_file = URL
    command(service.url, "pause")
    wait_until(lambda: kodi.called("pause"), 15, "the command after the reconnect")


@pytest.mark.integration
def test_a_box_that_wants_a_token_gets_it_once_paired(kodi: fakekodi.Kodi, make_service,
                                                      tv) -> None:
    service = make_service(trust_localhost=False)
    fakekodi.point_at(service.url)
    made = tv()
    wait_until(lambda: any("pair this device" in args[0] for args, _ in kodi.called("log")),
               15, "the add-on to say it needs pairing")
    assert not player_as(service, None)
    _, token = pair(service, "Bedroom Kodi")
    kodi.settings["token"] = token
    wait_until(lambda: player_as(service, token), 60, "the paired add-on to listen")
    assert made._thread.is_alive()


def player_as(service: Service, token: str | None) -> bool:
    reply = call(service, "GET", "/api/v1/player", token=token)
    return reply.status == 200 and reply.json()["connected"]


def test_a_malformed_command_is_logged_and_skipped(kodi: fakekodi.Kodi) -> None:
    made = Remote(Reporter(), kodiutils.Monitor())
    made.carry_out({"command": "seek"})
    made.carry_out({"command": "play"})
    made.carry_out({"command": "volume", "volume": "loud"})
    made.carry_out({"command": "audio", "index": "second"})
    made.carry_out({"command": "subtitle"})
    made.carry_out({"command": "dance"})
    assert len([a for a, _ in kodi.called("log") if "remote:" in a[0]]) == 6
    assert kodi.called("seekTime") == [] and builtins(kodi) == []
    assert kodi.called("Player.SetAudioStream") == kodi.called("Player.SetSubtitle") == []


def test_plugin_urls_and_seek_targets() -> None:
    assert remote.plugin_url({"command": "play", "info_hash": "d" * 40, "file_index": None}) \
        == PLUGIN + "torrent/play?ih=" + "d" * 40
    assert remote.plugin_url({"info_hash": "d" * 40, "file_index": 2, "start": 5.5}) == \
        PLUGIN + f"torrent/play?file=2&ih={'d' * 40}&start=5.5"
    assert remote.seek_target({"position": 90.0}, None) == 90.0
    assert remote.seek_target({"offset": -30.0}, (10.0, 100.0)) == 0.0
    assert remote.seek_target({"offset": 30.0}, (10.0, 100.0)) == 40.0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.integration
def test_finds_the_box_again_at_its_new_address(kodi: fakekodi.Kodi, service, tv,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The box moved (a new address): after a few failed connections the add-on looks for the
    box with the id it remembered, confirms it by its /api/v1/info and follows it."""
    box = api(service.url, "GET", "/api/v1/info").json()["id"]
    port = int(service.url.rsplit(":", 1)[1])
    kodi.settings.update(host="127.0.0.1", port=str(closed_port()), box_id=box)
    # mDNS cannot be browsed over loopback: zeroconf's answers are given here, each one is
    # confirmed for real — nothing at port 1, another box's id at the service's port.
    monkeypatch.setattr(discovery, "browse", lambda timeout=3.0: [
        discovery.Found("Gone", "127.0.0.1", closed_port(), box),
        discovery.Found("Impostor", "127.0.0.1", port, "0" * 16),
        discovery.Found("Living room", "127.0.0.1", port, box)])
    monkeypatch.setattr(remote, "BACKOFF_S", (0.05, 0.2))
    tv()
    wait_until(lambda: listened(kodi) == 1, 30, "the add-on to find the box again")
    assert kodi.settings["port"] == str(port)
    assert [b.port for b in discovery.online()] == [port]
