"""The phone on the Wi-Fi: real Chromium in a network namespace of its own, two boxes in two
others, all on one bridge (tests/lan.py). The phone opens the link a TV's QR code carries, pairs,
finds the other box on the Boxes screen (the box's own mDNS browse, each box confirmed) and
opens it: the other box shows its own pairing screen, since tokens are per box."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lan import PORT, SUBNET, Lan, ns_request, serve_box
from phone import CHROMIUM, phone_page, readable

from swarmplayer.identity import box_id

pytestmark = pytest.mark.e2e


def test_the_phone_pairs_finds_the_other_box_and_opens_it(
        lan: Lan, launch: Callable[..., Any], tmp_path: Path) -> None:
    lan.add_host("box", 1)
    lan.add_host("other", 3)
    phone = lan.add_host("phone", 2)
    box = serve_box(lan, tmp_path / "box", name="Living Room")
    other = serve_box(lan, tmp_path / "other", host="other", name="Bedroom")
    # Playwright talks to Chromium over inherited pipes, which `ip netns exec` keeps.
    wrapper = tmp_path / "chromium-on-the-phone"
    wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {phone} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    try:
        page = phone_page(launch(str(wrapper)))
        # What the TV shows: asked from the box itself, the link names its LAN address.
        code = ns_request(lan.hosts["box"], "POST",
                          f"http://127.0.0.1:{PORT}/api/v1/pairing/codes")
        assert code["url"] == f"http://{SUBNET}.1:{PORT}/pair#code={code['code']}"
        page.goto(code["url"])
        assert page.input_value("#pair-code") == code["code"]
        page.fill("#pair-name", "Phone on the Wi-Fi")
        page.click("#pair-form button[type=submit]")
        page.wait_for_selector("#app:not([hidden])")

        page.click("#boxes-open")
        found = f"#box-list li[data-box='{box_id(str(tmp_path / 'other'))}']"
        page.wait_for_selector(found, timeout=30_000)
        assert "Online" in page.text_content(found)
        listed = page.text_content("#box-list")
        assert listed.startswith("Living RoomThis box"), listed
        readable(page)

        page.click(f"{found} >> text=Open Bedroom")
        page.wait_for_url(f"http://{SUBNET}.3:{PORT}/")
        page.wait_for_selector("#pair-screen:not([hidden])")  # not paired with this one
        assert page.is_hidden("#app")
        assert page.problems == []
        page.context.close()
    finally:
        other.stop()
        box.stop()
