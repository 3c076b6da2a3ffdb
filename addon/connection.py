"""The client of the service the settings point at (shared by the plugin and the service part)."""

from __future__ import annotations

from typing import Any

from addon import discovery, kodiutils
from addon.client import Client, base_url


def client() -> Client:
    host = kodiutils.setting("host") or "127.0.0.1"
    return Client(base_url(host, kodiutils.setting_int("port", 8642)),
                  timeout=kodiutils.setting_int("timeout", 10),
                  token=kodiutils.setting("token"))


def remember(info: dict[str, Any]) -> None:
    """Keep the id of the box the settings point at, to find it again if its address changes."""
    box = str(info.get("id") or "")
    if box and box != kodiutils.setting("box_id"):
        kodiutils.set_setting("box_id", box)


def refind() -> bool:
    """Look for the remembered box on the LAN (zeroconf, each answer confirmed by its
    /api/v1/info); True when the settings now point at its new address."""
    wanted = kodiutils.setting("box_id")
    if not wanted:
        return False
    for box in discovery.online():
        if box.id == wanted:
            kodiutils.set_setting("host", box.host)
            kodiutils.set_setting("port", str(box.port))
            kodiutils.log(f"the service moved: now at {box.host}:{box.port}")
            return True
    return False
