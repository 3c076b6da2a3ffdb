"""The phone remote in real headless Chromium at a phone's viewport, against a real service, a
real seeder and the TV stand-in: pairing, live download progress, Now playing following the
TV, pause and seek reaching the TV. Screenshots of the main screens go to docs/."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from devices_support import pair
from support import REPO, wait_until
from tv_standin import TvStandIn

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.supervisor import Service

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 360, "height": 740}
SHOTS = REPO / "docs" / "screenshots"


@pytest.fixture
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="SKIPPED LOUDLY: pip install playwright")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"SKIPPED LOUDLY: no Chromium at {CHROMIUM} (tools/bootstrap.sh installs it)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    opened = context.new_page()
    opened.problems = []  # script errors and CSP violations: none wanted
    # (Chromium also logs each 4xx answer, e.g. an unpaired page's 401: those are answers.)
    opened.on("console", lambda m: m.type == "error"
              and not m.text.startswith("Failed to load resource")
              and opened.problems.append(m.text))
    opened.on("pageerror", lambda e: opened.problems.append(str(e)))
    yield opened
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def until(page: Any, script: str, timeout: float = 30) -> None:
    """Wait for a JS condition. (Playwright's wait_for_function evaluates strings with eval,
    which the page's CSP rightly forbids; page.evaluate goes through the debugger.)"""
    wait_until(lambda: page.evaluate(script), timeout, script)


def _readable(page: Any) -> None:
    """No text under 16 px, nothing wider than the screen."""
    small = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.offsetParent !== null && [...e.childNodes].some(
            n => n.nodeType === 3 && n.textContent.trim()))
        .filter(e => parseFloat(getComputedStyle(e).fontSize) < 16)
        .map(e => e.tagName + ':' + e.textContent.trim().slice(0, 30))""")
    assert small == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_pair_download_and_drive_the_tv(page: Any, make_service: Callable[..., Service],
                                        video: Callable[..., Path], tmp_path: Path) -> None:
    service = make_service(trust_localhost=False)
    # An unpaired page sees only the pairing screen, and the API tells it nothing.
    page.goto(service.url + "/")
    page.wait_for_selector("#pair-screen:not([hidden])")
    assert page.is_hidden("#app")
    _readable(page)
    shot(page, "pair")

    code = service.app.extensions["swarmplayer"]["pairing"].new_code().code
    page.goto(service.url + f"/pair#code={code}")
    assert page.input_value("#pair-code") == code  # from the QR code's link
    page.fill("#pair-name", "Test phone")
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    assert page.is_hidden("#pair-screen")
    assert [d.name for d in service.app.extensions["swarmplayer"]["devices"].list()] == [
        "Test phone"]

    # The TV: the add-on's stand-in, paired like any device.
    _, tv_token = pair(service, "Living-room TV")
    tv = TvStandIn(service.url, tv_token).start()
    try:
        until(page, "document.getElementById('tv-state').textContent"
                               " === 'Nothing plays'")
        _readable(page)

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
            shot(page, "now-playing")
            _readable(page)

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
    service.app.extensions["swarmplayer"]["devices"].revoke(device_id)
    page.reload()
    page.wait_for_selector("#pair-screen:not([hidden])")
    assert page.is_hidden("#app")
    assert page.evaluate("localStorage.getItem('swarmplayer.token')") is None
