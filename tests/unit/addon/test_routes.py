"""The plugin's routes outside Kodi (fake xbmc* modules) against a real service where it has the
API today: home, the no-service dialog, open a link, play a torrent, cancel, status."""

from __future__ import annotations

import socket

import fakekodi
import pytest

from addon import plugin, text

PLUGIN = "plugin://plugin.video.swarmplayer/"


def run(path: str, query: str = "") -> None:
    plugin.run([PLUGIN + path, "1", query])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_home_lists_the_eleven_entries(kodi: fakekodi.Kodi) -> None:
    run("")
    labels = [item.label for _, item, _ in kodi.directory]
    assert labels == [kodi.strings[i] for i in (
        text.CONTINUE, text.NEXT_UP, text.SHOWS, text.SUBSCRIPTIONS, text.SEARCH,
        text.OPEN_LINK, text.DOWNLOADS, text.STATUS, text.PAIR, text.DEVICES, text.SETTINGS)]
    folders = {item.label: folder for _, item, folder in kodi.directory}
    assert not folders[kodi.strings[text.SETTINGS]] and folders[kodi.strings[text.SHOWS]]
    assert not folders[kodi.strings[text.PAIR]] and folders[kodi.strings[text.DEVICES]]
    assert kodi.called("endOfDirectory") == [((True,), {})]


def test_no_service_says_what_to_do_once(kodi: fakekodi.Kodi) -> None:
    kodi.settings["port"] = str(closed_port())
    run("downloads")
    run("shows")
    (dialog,) = kodi.called("ok")
    assert dialog[0][0] == kodi.strings[text.NO_SERVICE_TITLE]
    assert "Settings" in dialog[0][1] and "127.0.0.1" in dialog[0][1]
    assert len(kodi.called("notification")) == 1  # the second screen: a notification only
    assert kodi.called("endOfDirectory") == [((False,), {}), ((False,), {})]


@pytest.mark.integration
def test_open_a_link_and_play_a_file(kodi: fakekodi.Kodi, service, video, tmp_path,
                                     request: pytest.FixtureRequest) -> None:
    from swarmplayer.demo.swarm import Peer
    from swarmplayer.engine import lt

    path = video("clip.mp4", seconds=3)
    torrent = lt.bencode(lt.make_torrent(str(path), piece_size=32 * 1024))
    torrent_file = tmp_path / "clip.torrent"
    torrent_file.write_bytes(torrent)
    fakekodi.point_at(service.url)
    kodi.input_answers.append(str(torrent_file))
    run("open_link")
    seeder = Peer(torrent, path.parent)  # the prefetch before play needs the swarm's pieces
    request.addfinalizer(seeder.close)
    (info_hash,) = service.engine.info_hashes()
    service.engine.connect_peers(info_hash, [seeder.address])
    ((url, item, folder),) = kodi.directory
    assert item.label == "clip.mp4" and not folder and item.props["IsPlayable"] == "true"
    assert url.startswith(PLUGIN + "torrent/play?")
    query = url.split("?", 1)[1]
    run("torrent/play", "?" + query)
    succeeded, resolved = kodi.resolved
    assert succeeded and "/stream/" in resolved.path
    assert resolved.mime == "video/mp4" and resolved.content_lookup is False
    playing = fakekodi.Window().getProperty("swarmplayer.playing")
    assert resolved.path in playing and '"kind": "file"' in playing


@pytest.mark.integration
def test_links_and_downloads_list_the_services_torrents(kodi: fakekodi.Kodi, service) -> None:
    fakekodi.point_at(service.url)
    kodi.input_answers.append("magnet:?xt=urn:btih:" + "7" * 40 + "&dn=from+the+phone")
    run("open_link")
    kodi.directory.clear()
    run("links")
    labels = [item.label for _, item, _ in kodi.directory]
    assert labels == [kodi.strings[text.TYPE_LINK], "from the phone"]
    assert kodi.called("input") == [((kodi.strings[text.LINK_PROMPT],), {})]  # only when typed
    kodi.directory.clear()
    run("downloads")
    (summary, _, folder), (torrent, _, _) = kodi.directory
    assert summary.endswith("/status") and not folder
    assert kodi.directory[0][1].label.startswith("Cache: ")
    assert torrent == PLUGIN + "torrent?ih=" + "7" * 40


@pytest.mark.integration
def test_cancel_while_waiting_for_peers_refuses_cleanly(kodi: fakekodi.Kodi, service) -> None:
    fakekodi.point_at(service.url)
    magnet = "magnet:?xt=urn:btih:" + "5" * 40 + "&dn=nobody"
    kodi.input_answers.append(magnet)
    run("open_link")
    kodi.cancel_after = 2
    run("torrent/play", "?ih=" + "5" * 40)
    assert kodi.resolved[0] is False
    assert kodi.progress_updates[0][1] == kodi.strings[text.WAITING_FOR_PEERS]
    assert kodi.called("progress.close")
    assert kodi.called("notification")[-1][0][1] == kodi.strings[text.CANCELLED]


@pytest.mark.integration
def test_status_shows_the_service(kodi: fakekodi.Kodi, service) -> None:
    fakekodi.point_at(service.url)
    run("status")
    ((heading, message), _), = kodi.called("textviewer")
    assert heading == kodi.strings[text.STATUS] and service.url in message
    assert "Version: 0.1.0" in message


def test_an_unknown_route_fails_the_directory(kodi: fakekodi.Kodi) -> None:
    run("no/such/screen")
    assert kodi.called("endOfDirectory") == [((False,), {})]


@pytest.mark.integration
def test_a_silent_swarm_is_dead_after_the_setting(kodi: fakekodi.Kodi, service) -> None:
    fakekodi.point_at(service.url)
    kodi.settings["dead_after"] = "1"
    kodi.input_answers.append("magnet:?xt=urn:btih:" + "6" * 40)
    run("open_link")
    run("torrent/play", "?ih=" + "6" * 40)
    assert kodi.resolved[0] is False
    assert kodi.called("notification")[-1][0][1] == kodi.strings[text.DEAD_SWARM]
    assert kodi.called("ok") == []  # a notification, not a dialog to dismiss


def test_an_action_opened_as_a_folder_does_not_leave_kodi_waiting(kodi: fakekodi.Kodi) -> None:
    run("settings")  # handle 1: Kodi asked for a listing (RunAddon), not RunPlugin's -1
    assert kodi.called("openSettings") and kodi.called("endOfDirectory") == [((False,), {})]
    plugin.run([PLUGIN + "settings", "-1", ""])
    assert len(kodi.called("endOfDirectory")) == 1
