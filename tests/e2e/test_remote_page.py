"""The phone remote in real headless Chromium at a phone's viewport, against a real service, a
real seeder and the TV stand-in (test_tv_remote.py drives the real Kodi): a pasted magnet's
live download progress, Play on TV from Downloads, ±30 s, the seek bar, the devices on the
Status screen, a revoked phone. Screenshots: screens.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from devices_support import pair
from phone import readable, shot, until
from support import wait_until
from tv_standin import TvStandIn

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.supervisor import Service

pytestmark = pytest.mark.e2e

def test_pair_download_and_drive_the_tv(page: Any, make_service: Callable[..., Service],
                                        video: Callable[..., Path], tmp_path: Path) -> None:
    service = make_service(trust_localhost=False)
    # An unpaired page sees only the pairing screen, and the API tells it nothing.
    page.goto(service.url + "/")
    page.wait_for_selector("#pair-screen:not([hidden])")
    assert page.is_hidden("#app")
    readable(page)
    shot(page, "pair")

    code = service.app.shared.pairing.new_code().code
    page.goto(service.url + f"/pair#code={code}")
    assert page.input_value("#pair-code") == code  # from the QR code's link
    page.fill("#pair-name", "Test phone")
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    assert page.is_hidden("#pair-screen")
    assert [d.name for d in service.app.shared.devices.list()] == [
        "Test phone"]

    # The TV: the add-on's stand-in, paired like any device.
    _, tv_token = pair(service, "Living-room TV")
    tv = TvStandIn(service.url, tv_token).start()
    try:
        until(page, "document.getElementById('tv-state').textContent"
                               " === 'Nothing plays'")
        readable(page)

        # Paste a magnet: the download's progress goes up live, without a reload.
        source = video("Big Buck Test.mp4", seconds=20, bitrate="2M")
        torrent = lt.bencode(lt.make_torrent(str(source), piece_size=64 << 10))
        seeder = Peer(torrent, source.parent, upload_rate=600 << 10)
        try:
            info_hash = str(lt.torrent_info(torrent).info_hash())
            page.click("nav button[data-screen=add]")
            page.fill("#source", f"magnet:?xt=urn:btih:{info_hash}&dn=Big+Buck+Test.mp4")
            shot(page, "add")
            page.click("#add-download")
            wait_until(lambda: info_hash in {t.info_hash
                                             for t in service.engine.statuses()},
                       30, "the magnet to be added")
            # No DHT or tracker in a test: the seeder is introduced directly.
            service.engine.connect_peers(info_hash, [seeder.address])
            bar = f"#p-{info_hash}"
            page.wait_for_selector(bar)
            until(page, f"(() => {{ const v = +document.querySelector('{bar}')"
                                   ".value; return v > 0 && v < 100; })()", 60)
            partial = int(page.get_attribute(bar, "value"))
            shot(page, "downloads")
            until(page, f"+document.querySelector('{bar}').value > {partial}",
                                   timeout=60_000)

            # Play on TV from the list: the stand-in gets the command, Now playing follows.
            page.click(f"li[data-info-hash='{info_hash}'] >> text=Play on TV")
            assert tv.wait_for(lambda s: s.commands and s.commands[-1]["command"] == "play")
            assert tv.commands[-1]["info_hash"] == info_hash
            until(page, "document.getElementById('tv-state').textContent"
                                   " === 'Playing'")
            assert page.text_content("#now-name") == "Big Buck Test.mp4"
            tv.report(position=42.0)
            until(page, "document.getElementById('now-time').textContent"
                                   ".startsWith('0:42')")
            readable(page)

            page.click("#toggle")  # pause
            assert tv.wait_for(lambda s: s.commands[-1]["command"] == "pause")
            until(page, "document.getElementById('toggle').textContent === 'Play'")
            page.click("#fwd30")
            assert tv.wait_for(lambda s: s.commands[-1] == {
                **s.commands[-1], "command": "seek", "offset": 30.0})
            page.fill("#seek", "90")  # dragging the seek bar
            assert tv.wait_for(lambda s: s.commands[-1].get("position") == 90.0)
            until(page, "document.getElementById('now-time').textContent"
                                   ".startsWith('1:30')")

            page.click("nav button[data-screen=status]")
            page.wait_for_selector("#devices li")
            assert "Living-room TV" in page.text_content("#devices")
            shot(page, "status")
        finally:
            seeder.close()
    finally:
        tv.stop()
    assert page.problems == []


def test_a_revoked_phone_is_back_on_the_pairing_screen(page: Any,
                                                       make_service: Callable[..., Service]
                                                       ) -> None:
    service = make_service(trust_localhost=False)
    device_id, token = pair(service, "Lost phone")
    page.goto(service.url + "/")
    page.evaluate(f"localStorage.setItem('swarmplayer.token', '{token}')")
    page.reload()
    page.wait_for_selector("#app:not([hidden])")
    service.app.shared.devices.revoke(device_id)
    page.reload()
    page.wait_for_selector("#pair-screen:not([hidden])")
    assert page.is_hidden("#app")
    assert page.evaluate("localStorage.getItem('swarmplayer.token')") is None


def test_a_late_401_keeps_a_token_paired_since(page: Any,
                                              make_service: Callable[..., Service]) -> None:
    """A request sent without a token is answered 401 after another tab has paired: the page
    shows the pairing screen but keeps the new token (it used to remove whatever was stored,
    which raced a test's own token in CI)."""
    service = make_service(trust_localhost=False)
    _, token = pair(service, "Second tab")
    page.goto(service.url + "/")
    page.wait_for_selector("#pair-screen:not([hidden])")
    page.evaluate(f"localStorage.setItem('swarmplayer.token', '{token}')")
    page.evaluate("api('GET', '/pairing/me').catch(() => null)")  # sent with no token: a 401
    assert page.evaluate("localStorage.getItem('swarmplayer.token')") == token
    page.reload()
    page.wait_for_selector("#app:not([hidden])")
    assert page.problems == []


def test_boxes_screen_320_px_and_box_offline(page: Any,
                                             make_service: Callable[..., Service]) -> None:
    """The Boxes screen lists this box; every screen is readable 320 px wide; a box that stops
    answering is shown offline by the page itself (no service worker on a LAN address)."""
    service = make_service(trust_localhost=False)
    _, token = pair(service, "Small phone")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(service.url + "/")
    page.evaluate(f"localStorage.setItem('swarmplayer.token', '{token}')")
    page.reload()
    page.wait_for_selector("#app:not([hidden])")
    assert page.is_hidden("#offline")
    page.click("#boxes-open")
    page.wait_for_selector("#box-list li[data-box]")
    assert page.text_content("#box-list li[data-box]").startswith(
        service.app.shared.config.friendly_name or "")
    assert "This box" in page.text_content("#box-list")
    assert "Discovery is off" in page.text_content("#box-list")  # tests announce nothing
    readable(page)
    shot(page, "boxes")
    for screen in ("now", "library", "add", "downloads", "status"):
        page.click(f"nav button[data-screen={screen}]")
        page.wait_for_selector(f"#{screen}:not([hidden])")
        readable(page)

    service.stop()
    page.wait_for_selector("#offline:not([hidden])", timeout=60_000)
    assert "Box offline" in page.text_content("#offline")
    page.click("#boxes-open")  # a fetch now fails too: said, not thrown
    page.wait_for_selector("#box-list li.error")
    assert page.text_content("#box-list li.error") == "Box offline: it does not answer"
    assert page.problems == []
