"""Finding SwarmPlayer services on the LAN with zeroconf (mDNS), where a zeroconf module exists.

Kodi ships no zeroconf module for Python add-ons; when none can be imported, available() says so
and the settings button tells the user to type the address instead. mDNS caches outlive a
crashed box: online() lists only the boxes whose GET /api/v1/info answers, with the same id.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from typing import Any

from addon.client import Client, ClientError, base_url

SERVICE_TYPE = "_swarmplayer._tcp.local."


CONFIRM_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Found:
    name: str
    host: str
    port: int
    id: str = ""  # the box's stable id (TXT record "id")


def _module() -> Any:
    try:
        import zeroconf
    except ImportError:
        return None
    return zeroconf


def available() -> bool:
    return _module() is not None


def browse(timeout: float = 3.0) -> list[Found]:
    """The services that answer within `timeout` seconds, sorted by name."""
    zc_module = _module()
    if zc_module is None:
        return []
    found: dict[str, Found] = {}
    lock = threading.Lock()
    zc = zc_module.Zeroconf()

    def on_change(zeroconf: Any, service_type: str, name: str, state_change: Any) -> None:
        if state_change is not zc_module.ServiceStateChange.Added:
            return
        info = zeroconf.get_service_info(service_type, name, timeout=int(timeout * 1000))
        if info is None or not info.addresses:
            return
        host = socket.inet_ntoa(info.addresses[0]) if len(info.addresses[0]) == 4 \
            else socket.inet_ntop(socket.AF_INET6, info.addresses[0])
        box = (info.properties or {}).get(b"id") or b""
        with lock:
            found[name] = Found(name.replace("." + SERVICE_TYPE, ""), host, info.port,
                                box.decode("ascii", "replace"))

    browser = zc_module.ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
    try:
        threading.Event().wait(timeout)  # mDNS answers come when they come: a bounded wait
    finally:
        browser.cancel()
        zc.close()
    with lock:
        return sorted(found.values(), key=lambda f: f.name)


def confirmed(box: Found) -> Found | None:
    """The box as its own GET /api/v1/info describes it, None when it does not answer as a
    SwarmPlayer service (gone, another program) or answers with another id."""
    try:
        info = Client(base_url(box.host, box.port), timeout=CONFIRM_TIMEOUT_S).info()
    except ClientError:
        return None
    if not isinstance(info, dict) or info.get("name") != "SwarmPlayer":
        return None
    box_id = str(info.get("id") or "")
    if box.id and box_id != box.id:
        return None
    return Found(str(info.get("friendly_name") or box.name), box.host, box.port, box_id)


def online(timeout: float = 3.0) -> list[Found]:
    """The boxes on the LAN that zeroconf finds and that confirm themselves."""
    return [box for box in (confirmed(b) for b in browse(timeout)) if box is not None]
