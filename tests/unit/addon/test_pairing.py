"""Pair a phone from Kodi (fake xbmc) against a real service: the code and its QR code on the
screen until the phone pairs; the paired devices listed and revoked."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import fakekodi
import pytest
from devices_support import call, pair
from support import api, wait_until

from addon import discovery, plugin, text

PLUGIN = "plugin://plugin.video.swarmplayer/"

pytestmark = pytest.mark.integration


def test_pair_a_phone_shows_the_code_and_its_qr_until_it_pairs(kodi: fakekodi.Kodi, service,
                                                               tmp_path: Path) -> None:
    fakekodi.point_at(service.url)
    kodi.profile = str(tmp_path)
    shown = threading.Thread(target=plugin.run, args=([PLUGIN + "pair", "-1", ""],))
    shown.start()
    try:
        wait_until(lambda: kodi.windows and kodi.windows[0].shown, 15, "the pairing dialog")
        (window,) = kodi.windows
        labels = [c.label for c in window.controls if hasattr(c, "label")]
        code = re.search(r"\d{6}", labels[0]).group(0)
        assert labels[0] == kodi.strings[text.PAIR_CODE].format(code)
        assert f"/pair#code={code}" in labels[1]
        images = {c.filename for c in window.controls if hasattr(c, "filename")}
        (image,) = images
        assert Path(image).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")  # the QR, from segno
        reply = call(service, "POST", "/api/v1/pairing/claim",
                     payload={"code": code, "name": "Anna's phone"})
        assert reply.status == 201, reply.body
        shown.join(15)
        assert not shown.is_alive() and not window.shown
    finally:
        window_closer(kodi)
        shown.join(15)
    assert not Path(image).exists()
    assert kodi.called("notification")[-1][0][1] == \
        kodi.strings[text.PAIRED].format("Anna's phone")


def window_closer(kodi: fakekodi.Kodi) -> None:
    """Back, as the user would press it (ends the dialog whatever the test's outcome)."""
    for window in kodi.windows:
        window.closed = True


def test_the_devices_list_and_revoke(kodi: fakekodi.Kodi, service) -> None:
    fakekodi.point_at(service.url)
    device_id, _ = pair(service, "Old tablet")
    plugin.run([PLUGIN + "devices", "1", ""])
    ((url, item, folder),) = kodi.directory
    assert item.label == "Old tablet" and not folder
    assert url == PLUGIN + f"device/revoke?id={device_id}"
    plugin.run([PLUGIN + "device/revoke", "-1", f"?id={device_id}"])  # "no"
    assert names(service) == ["Old tablet"]
    kodi.yesno_answers.append(True)
    plugin.run([PLUGIN + "device/revoke", "-1", f"?id={device_id}"])
    assert names(service) == []
    assert kodi.called("notification")[-1][0][1] == \
        kodi.strings[text.REVOKED].format("Old tablet")


def names(service) -> list[str]:
    return [d["name"] for d in api(service.url, "GET", "/api/v1/devices").json()["devices"]]


def test_a_qr_other_than_png_is_refused(service) -> None:
    reply = api(service.url, "POST", "/api/v1/pairing/codes?qr=svg", {})
    assert reply.status == 400 and reply.json()["error"] == "invalid_field"


def test_kodi_on_another_box_finds_the_service_and_pairs_like_a_phone(
        kodi: fakekodi.Kodi, make_service, monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_service(trust_localhost=False)  # as another box sees it
    box = api(service.url, "GET", "/api/v1/info").json()["id"]
    port = int(service.url.rsplit(":", 1)[1])
    # mDNS cannot be browsed over loopback: zeroconf's answer is given, the rest is real.
    monkeypatch.setattr(discovery, "available", lambda: True)
    monkeypatch.setattr(discovery, "browse", lambda timeout=3.0: [
        discovery.Found("Living room", "127.0.0.1", port, box)])
    kodi.select_answers.append(0)
    kodi.input_answers.append("000000")  # a wrong code: said, nothing kept
    plugin.run([PLUGIN + "discover", "-1", ""])
    assert kodi.settings["port"] == str(port) and kodi.settings["box_id"] == box
    assert kodi.settings["token"] == ""
    assert "code" in kodi.called("notification")[-1][0][1]

    code = service.app.shared.pairing.new_code().code
    kodi.select_answers.append(0)
    kodi.input_answers.append(code)
    plugin.run([PLUGIN + "discover", "-1", ""])
    token = kodi.settings["token"]
    me = call(service, "GET", "/api/v1/pairing/me", token=token)
    assert me.status == 200 and me.json()["device"]["name"] == "Kodi"
    assert kodi.called("notification")[-1][0][1] == kodi.strings[text.PAIRED].format("Kodi")
