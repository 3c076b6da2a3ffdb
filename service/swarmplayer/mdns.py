"""python-zeroconf in-process: announce the box (where no avahi-daemon does) and browse for
boxes. Imported only when used: the stack costs the service ~3 MB, loaded from its Python
sources (sources_first.py).

Both services are registered at once on zeroconf's event loop (each registration announces for
~1.7 s), off the service's start path; a goodbye goes out on stop, and the records are
re-announced when the box's addresses change (DHCP, Wi-Fi roaming).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import urllib.request
from concurrent.futures import Future
from dataclasses import dataclass

from .discovery import HTTP_TYPE, SERVICE_TYPE, txt_records
from .netaddrs import lan_addresses
from .sources_first import sources_first

sources_first("zeroconf")  # its compiled modules cost the service 2.3 MB: sources_first.py
from zeroconf import (  # noqa: E402
    IPVersion,
    ServiceBrowser,
    ServiceInfo,
    ServiceListener,
    Zeroconf,
)

log = logging.getLogger(__name__)

ADDRESS_CHECK_S = 10.0


class Advertiser:
    """Announces the box while started; `stop()` says goodbye (safe to call twice)."""

    def __init__(self, name: str, box: str, port: int) -> None:
        self.name, self.box, self.port = name, box, port
        self._zc: Zeroconf | None = None
        self._infos: list[ServiceInfo] = []
        self._addresses: list[str] = []
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None
        self._registered: Future[object] | None = None

    def _make_infos(self) -> list[ServiceInfo]:
        packed = [socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)
                  for a in self._addresses]
        host = f"{socket.gethostname().split('.')[0]}-{self.box[:6]}.local."
        return [ServiceInfo(kind, f"{self.name}.{kind}", port=self.port,
                            properties=txt_records(self.box), addresses=packed, server=host)
                for kind in (SERVICE_TYPE, HTTP_TYPE)]

    def start(self) -> Advertiser:
        self._addresses = lan_addresses()
        self._zc = Zeroconf(ip_version=IPVersion.All)
        self._infos = self._make_infos()
        self._registered = asyncio.run_coroutine_threadsafe(self._register(), self._zc.loop)
        self._watch = threading.Thread(target=self._watch_addresses, daemon=True,
                                       name="swarmplayer-mdns")
        self._watch.start()
        log.info("announcing %r (id %s) on %s", self.name, self.box,
                 ", ".join(self._addresses) or "no LAN address yet")
        return self

    async def _register(self) -> None:
        assert self._zc is not None
        # Both at once: each waits out its own announcement round.
        waits = [await self._zc.async_register_service(info, allow_name_change=True)
                 for info in self._infos]
        await asyncio.gather(*waits)

    def _watch_addresses(self) -> None:
        while not self._stop.wait(ADDRESS_CHECK_S):
            now = lan_addresses()
            if now != self._addresses and self._zc is not None:
                log.info("addresses changed to %s: announcing again", ", ".join(now))
                self._addresses = now
                fresh = self._make_infos()
                for old, new in zip(self._infos, fresh, strict=True):
                    new.name = old.name  # keep a name changed by a conflict
                    self._zc.update_service(new)
                self._infos = fresh

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._watch is not None:
            self._watch.join(timeout=10)
        if self._zc is not None:
            if self._registered is not None:
                try:
                    self._registered.result(timeout=5)
                except Exception:  # a failed registration still needs the socket closed
                    log.warning("mDNS registration had failed", exc_info=True)
            # Goodbye packets: phones drop the box now, not when their cache times out.
            self._zc.unregister_all_services()
            self._zc.close()


@dataclass(frozen=True)
class Box:
    name: str
    id: str
    url: str
    version: str
    online: bool


class _Found(ServiceListener):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.add(name)

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.add(name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.discard(name)


def discover(seconds: float = 3.0) -> list[Box]:
    """The boxes announcing themselves on the LAN, each asked `GET /api/v1/info` before it
    counts as online (mDNS caches keep a crashed box listed for minutes)."""
    zc = Zeroconf(ip_version=IPVersion.All)
    try:
        found = _Found()
        browser = ServiceBrowser(zc, SERVICE_TYPE, found)
        threading.Event().wait(seconds)  # the browse window: answers arrive during it
        browser.cancel()
        boxes = []
        for name in sorted(found.names):
            info = zc.get_service_info(SERVICE_TYPE, name, timeout=2000)
            if info is None or not info.port:
                continue
            boxes.append(_confirm(info))
        return boxes
    finally:
        zc.close()


def _confirm(info: ServiceInfo) -> Box:
    props = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
    label = info.name.removesuffix("." + SERVICE_TYPE)
    for address in info.parsed_scoped_addresses():
        host = f"[{address}]" if ":" in address else address
        url = f"http://{host}:{info.port}"
        try:
            with urllib.request.urlopen(url + props.get("api", "/api/v1") + "/info",
                                        timeout=2) as reply:
                answer = json.load(reply)
        except (OSError, ValueError):
            continue
        if answer.get("id") == props.get("id"):
            return Box(label, props.get("id", ""), url, answer.get("version", ""), True)
    return Box(label, props.get("id", ""), "", props.get("ver", ""), False)
