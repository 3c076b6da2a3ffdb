"""Play on TV end to end: real Chromium at a phone's viewport, on the LAN as far as the service
can tell (phone.LanRelay), pairs with the code the real Kodi shows ("Pair a phone"), browses a
show, presses Play on TV; the real Kodi plays the episode through the add-on's command stream,
and the page's Now playing follows what Kodi's player does; pause, seek, volume, the audio track,
subtitles and stop from the page reach Kodi's player (asserted through Kodi's JSON-RPC)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from kodi import Kodi, wait_for
from phone import LanRelay, readable, shot, until
from screens import folder
from support import api

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PLUGIN = "plugin://plugin.video.swarmplayer/"
FIRST_FRAME_S = 120  # generous: a loaded 2-core machine decodes in software
PYTHON_WINDOWS = 13000  # Kodi numbers the windows that add-ons draw from here


def speed(kodi: Kodi) -> int | None:
    player = kodi.player_id()
    if player is None:
        return None
    return kodi.call("Player.GetProperties", playerid=player, properties=["speed"])["speed"]


def volume(kodi: Kodi) -> int:
    return kodi.call("Application.GetProperties", properties=["volume"])["volume"]


def add_on_window(kodi: Kodi) -> bool:
    """An add-on's own window (the pairing dialog) is on top."""
    window = kodi.call("GUI.GetProperties", properties=["currentwindow"])["currentwindow"]
    return window["id"] >= PYTHON_WINDOWS


def paired_devices(kodi: Kodi) -> list[str]:
    """The labels of the add-on's Paired devices (where Kodi revokes one); [] while Kodi is
    still busy with the pairing dialog's plugin call."""
    try:
        found = kodi.call("Files.GetDirectory", directory=PLUGIN + "devices", media="video",
                          timeout=60)
    except RuntimeError:
        return []
    return [f["label"] for f in found.get("files") or []]


def tracks_in_use(kodi: Kodi) -> tuple[int | None, int | None]:
    """(the audio track, the subtitle shown or None) of Kodi's player."""
    found = kodi.call("Player.GetProperties", playerid=kodi.player_id(), properties=[
        "currentaudiostream", "currentsubtitle", "subtitleenabled"])
    subtitle = found["currentsubtitle"].get("index") if found["subtitleenabled"] else None
    return found["currentaudiostream"].get("index"), subtitle


def options(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector(selector, "s => [...s.options].map(o => o.textContent)")


def text(page: Any, selector: str) -> str:
    return page.text_content(selector) or ""


def test_phone_pairs_and_drives_the_real_kodi(kodi: Kodi, kodi_service, feed_show,
                                              page: Any) -> None:
    base = kodi_service.url
    wait_for(lambda: api(base, "GET", "/api/v1/player").json()["connected"], 60,
             "the add-on's service part to hold the command stream", kodi.log_tail)
    show, _ = feed_show("Remote.Test.Show", tracks=True)
    reply = api(base, "POST", "/api/v1/subscriptions", {"show_id": show["id"]})
    assert reply.status in (200, 201), reply.body

    relay = LanRelay(int(base.rsplit(":", 1)[1]))
    try:
        # Unpaired, the page shows only the pairing screen (the API answers it 401).
        page.goto(relay.url + "/")
        page.wait_for_selector("#pair-screen:not([hidden])")
        assert page.is_hidden("#app")
        readable(page)

        # "Pair a phone" on the TV: the code and its QR code, until the phone pairs.
        logged = len(kodi_service.log)
        kodi.call("Addons.ExecuteAddon", addonid="plugin.video.swarmplayer", params="/pair")

        def code() -> str | None:
            found = re.search(r"pairing code (\d{6})", "".join(kodi_service.log[logged:]))
            return found.group(1) if found else None
        the_code = wait_for(code, 60, "Kodi to ask the service for a code", kodi.log_tail)
        wait_for(lambda: add_on_window(kodi), 60, "the pairing dialog", kodi.log_tail)
        kodi.screenshot(folder("images") / "kodi-pair.png")

        page.goto(relay.url + f"/pair#code={the_code}")
        assert page.input_value("#pair-code") == the_code  # from the QR code's link
        page.fill("#pair-name", "Anna's phone")
        page.click("#pair-form button[type=submit]")
        page.wait_for_selector("#app:not([hidden])")
        wait_for(lambda: not add_on_window(kodi), 30, "the pairing dialog to close once paired",
                 kodi.log_tail)
        wait_for(lambda: "Anna's phone" in paired_devices(kodi), 60,
                 "Kodi's Paired devices to list the phone", kodi.log_tail)
        until(page, "document.getElementById('tv-state').textContent === 'Nothing plays'")

        # Shows -> the show -> season 1 -> S01E01 -> Play on TV.
        page.click("nav button[data-screen=library]")
        page.click("#shows li:has-text('Remote Test Show') >> text=Seasons")
        page.click("#shows button:has-text('Season 1')")
        episode = page.locator("#shows li", has_text="S01E01")
        episode.wait_for()
        readable(page)
        episode.scroll_into_view_if_needed()
        shot(page, "episodes", full_page=False)  # the screen as the phone shows it
        episode.locator("text=Play on TV").click()

        wait_for(lambda: (kodi.times() or (0, 0))[0] > 1, FIRST_FRAME_S,
                 "the real Kodi to play the episode", kodi.log_tail)
        until(page, "document.getElementById('tv-state').textContent === 'Playing'", 30)
        assert text(page, "#now-name").startswith("S01E01")
        # The position follows Kodi's (the add-on reports every few seconds while playing).
        until(page, "!document.getElementById('now-time').textContent.startsWith('0:00')", 30)
        shot(page, "now-playing")
        readable(page)

        page.click("#toggle")  # Pause
        wait_for(lambda: speed(kodi) == 0, 30, "Kodi to pause", kodi.log_tail)
        until(page, "document.getElementById('toggle').textContent === 'Play'")
        assert text(page, "#tv-state") == "Paused"

        page.fill("#seek", "25")  # dragging the seek bar
        wait_for(lambda: 24 <= (kodi.times() or (0, 0))[0] <= 27, 30, "Kodi to seek to 0:25",
                 kodi.log_tail)
        until(page, "document.getElementById('now-time').textContent.startsWith('0:2')")

        page.click("#toggle")  # Play
        wait_for(lambda: speed(kodi) == 1, 30, "Kodi to play on", kodi.log_tail)
        until(page, "document.getElementById('toggle').textContent === 'Pause'")

        page.fill("#volume", "40")
        wait_for(lambda: volume(kodi) == 40, 30, "Kodi's volume to be 40", kodi.log_tail)

        # The episode's audio tracks and subtitles, as Kodi lists them; a choice on the phone
        # switches Kodi's player.
        until(page, "!document.getElementById('subtitle-row').hidden", 30)
        # Kodi names a stream by its codec ("AAC mono"); the add-on adds its language in words.
        audio, subtitles = options(page, "#audio"), options(page, "#subtitle")
        assert len(audio) == 2 and "English" in audio[0] and "French" in audio[1], audio
        assert len(subtitles) == 2 and subtitles[0] == "Off" and "English" in subtitles[1], \
            subtitles
        readable(page)
        page.select_option("#audio", label=audio[1])
        wait_for(lambda: tracks_in_use(kodi)[0] == 1, 30, "Kodi to play the French track",
                 kodi.log_tail)
        page.select_option("#subtitle", label=subtitles[1])
        wait_for(lambda: tracks_in_use(kodi) == (1, 0), 30, "Kodi to show the subtitles",
                 kodi.log_tail)
        until(page, "document.getElementById('subtitle').value === '0'", 30)
        shot(page, "now-playing-tracks")
        page.select_option("#subtitle", label="Off")
        wait_for(lambda: tracks_in_use(kodi)[1] is None, 30, "Kodi to hide the subtitles",
                 kodi.log_tail)

        page.click("#stop")
        wait_for(lambda: kodi.player_id() is None and kodi.player_closed(), 60,
                 "Kodi to stop", kodi.log_tail)
        until(page, "document.getElementById('tv-state').textContent === 'Nothing plays'")

        # Back in the episodes: where the TV stopped, then marked watched from the phone.
        page.click("nav button[data-screen=library]")
        page.click("#shows li:has-text('Remote Test Show') >> text=Seasons")
        page.click("#shows button:has-text('Season 1')")
        episode = page.locator("#shows li", has_text="S01E01")
        episode.wait_for()
        assert "Stopped at 0:2" in episode.text_content()
        episode.locator("text=Mark watched").click()
        page.locator("#shows li", has_text="Mark unwatched").wait_for()
        assert "Watched" in page.locator("#shows li", has_text="S01E01").text_content()
        listed = api(base, "GET", f"/api/v1/shows/{show['id']}/episodes").json()["episodes"]
        assert [e["watched"] for e in listed if e["episode"] == 1] == [True]
        readable(page)
    finally:
        relay.close()
    assert page.problems == []
