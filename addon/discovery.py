"""Finding SwarmPlayer services on the LAN with zeroconf (mDNS), where a zeroconf module exists.

Kodi ships no zeroconf module for Python add-ons; when none can be imported, available() says so
and the settings button tells the user to type the address instead.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from typing import Any

SERVICE_TYPE = "_swarmplayer._tcp.local."


@dataclass(frozen=True)
class Found:
    name: str
    host: str
    port: int


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
        with lock:
            found[name] = Found(name.replace("." + SERVICE_TYPE, ""), host, info.port)

    browser = zc_module.ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
    try:
        threading.Event().wait(timeout)  # mDNS answers come when they come: a bounded wait
    finally:
        browser.cancel()
        zc.close()
    with lock:
        return sorted(found.values(), key=lambda f: f.name)
