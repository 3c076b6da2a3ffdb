"""The client of the service the settings point at (shared by the plugin and the service part)."""

from __future__ import annotations

from addon import kodiutils
from addon.client import Client, base_url


def client() -> Client:
    host = kodiutils.setting("host") or "127.0.0.1"
    return Client(base_url(host, kodiutils.setting_int("port", 8642)),
                  timeout=kodiutils.setting_int("timeout", 10),
                  token=kodiutils.setting("token"))
