"""Finding boxes on the LAN over mDNS/DNS-SD (python-zeroconf): the service advertises itself,
`swarmplayer discover` lists what answers.

Two services: `_swarmplayer._tcp` for clients that know us (the add-on, the phone page) and
`_http._tcp` for the phone remote in any browser's list. TXT records say who the box is (a stable
`id` that survives address changes and restarts) and how to talk to it. On stop the records are
withdrawn with goodbye packets, so phones do not list a box that is gone; still, mDNS caches lie
for minutes after a crash, so clients confirm a box with `GET /api/v1/info` before calling it
online.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import threading
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import psutil
from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

from . import __version__
from .periodic import Periodic

log = logging.getLogger(__name__)

SERVICE_TYPE = "_swarmplayer._tcp.local."
WEB_TYPE = "_http._tcp.local."
API_PATH = "/api/v1"
STOP_TIMEOUT = 3.0  # goodbyes are three packets 250 ms apart
ADDRESS_CHECK_INTERVAL = 30.0


def txt_records(box_id: str, auth: str) -> dict[str, str]:
    return {"txtvers": "1", "id": box_id, "ver": __version__, "api": API_PATH, "path": "/",
            "auth": auth}


def lan_addresses() -> list[str]:
    """The box's IPv4 addresses a phone can reach: every interface's but loopback. (IPv4
    only: every phone has it, and older Android resolves no IPv6 mDNS answers.)"""
    return sorted(a.address for addresses in psutil.net_if_addrs().values() for a in addresses
                  if a.family == socket.AF_INET and not a.address.startswith("127."))


class Advertiser:
    """Announces the box while the service runs; re-announces when its addresses change.

    Registration runs on zeroconf's own event loop, both services at once (each takes ~1.7 s
    of probing and announcing), and the service's start does not wait for it.
    """

    def __init__(self, name: str, port: int, box_id: str, auth: str = "token",
                 addresses: Callable[[], list[str]] = lan_addresses) -> None:
        self._name = name or socket.gethostname()
        self._port = int(port)
        self._txt = txt_records(box_id, auth)
        self._addresses = addresses
        self._zc: Zeroconf | None = None
        self._infos: list[ServiceInfo] = []
        self._registered: Future[None] | None = None
        self._lock = threading.Lock()
        self._watch = Periodic("discovery", ADDRESS_CHECK_INTERVAL, self.check_addresses)

    def start(self) -> None:
        """Start announcing; a box that cannot (no multicast here) still serves, unlisted."""
        with self._lock:
            try:
                self._zc = Zeroconf(ip_version=IPVersion.V4Only)
            except OSError as exc:
                log.error("cannot advertise the box on the LAN (%s): phones must be given "
                          "its address", exc)
                return
            self._infos = self._make_infos(self._addresses())
            self._registered = asyncio.run_coroutine_threadsafe(
                self._register(self._zc, self._infos), self._zc.loop)
            self._registered.add_done_callback(self._log_registered)
        self._watch.start()

    def _make_infos(self, addresses: list[str]) -> list[ServiceInfo]:
        host = f"{socket.gethostname()}.local."
        return [ServiceInfo(kind, f"{self._name}.{kind}", port=self._port, properties=self._txt,
                            server=host, parsed_addresses=addresses or ["127.0.0.1"])
                for kind in (SERVICE_TYPE, WEB_TYPE)]

    @staticmethod
    async def _register(zc: Zeroconf, infos: list[ServiceInfo]) -> None:
        tasks = [await zc.async_register_service(info, allow_name_change=True) for info in infos]
        await asyncio.gather(*tasks)

    def _log_registered(self, done: Future[None]) -> None:
        if done.cancelled():
            return
        if done.exception() is not None:
            log.error("cannot advertise the box on the LAN: %s", done.exception())
        else:
            log.info("advertised on the LAN as %r (%s)", self._name, ", ".join(
                info.parsed_addresses()[0] for info in self._infos[:1]))

    def check_addresses(self) -> bool:
        """Re-announce with the box's current addresses if they changed (DHCP, Wi-Fi roaming);
        whether they had."""
        with self._lock:
            if self._zc is None:
                return False
            now = sorted(self._addresses())
            if now == sorted(self._infos[0].parsed_addresses()):
                return False
            fresh = self._make_infos(now)
            for old, new in zip(self._infos, fresh, strict=True):
                new.name = old.name  # keep a name that was changed for a conflict
                self._zc.update_service(new)
            self._infos = fresh
            log.info("the box's addresses changed: re-announced as %s", ", ".join(now))
            return True

    def stop(self) -> None:
        """Withdraw the records (goodbye packets), then close."""
        self._watch.stop()
        with self._lock:
            zc, self._zc = self._zc, None
            if zc is None:
                return
            if self._registered is not None:
                # A failed registration was logged by _log_registered: say goodbye anyway.
                with contextlib.suppress(Exception):
                    self._registered.result(timeout=STOP_TIMEOUT)
            try:
                asyncio.run_coroutine_threadsafe(zc.async_unregister_all_services(),
                                                 zc.loop).result(timeout=STOP_TIMEOUT)
            finally:
                zc.close()


@dataclass(frozen=True)
class Box:
    name: str
    id: str
    url: str
    version: str
    online: bool


def discover(seconds: float = 3.0, timeout: float = 2.0) -> list[Box]:
    """Boxes that answer on the LAN within `seconds`, each confirmed with GET /api/v1/info
    (an mDNS cache may still hold a box that is gone)."""
    names: set[str] = set()
    zc = Zeroconf(ip_version=IPVersion.V4Only)

    def changed(zeroconf: Zeroconf, service_type: str, name: str,
                state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Removed:
            names.discard(name)
        else:
            names.add(name)

    browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[changed])
    try:
        # Answers come in over this window; nothing says when the last one has.
        threading.Event().wait(seconds)
        browser.cancel()
        infos = []
        for name in sorted(names):
            info = ServiceInfo(SERVICE_TYPE, name)
            if info.request(zc, int(timeout * 1000)):
                infos.append(info)
    finally:
        zc.close()
    return [_confirm(info, timeout) for info in infos]


def _confirm(info: ServiceInfo, timeout: float) -> Box:
    props = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
    address = info.parsed_addresses(IPVersion.V4Only)
    host = address[0] if address else "127.0.0.1"
    url = f"http://{host}:{info.port}"
    name = info.name.removesuffix("." + SERVICE_TYPE)
    try:
        with urllib.request.urlopen(url + props.get("api", API_PATH) + "/info",
                                    timeout=timeout) as answer:
            body = json.load(answer)
        online = body.get("id") == props.get("id")
        version = str(body.get("version", props.get("ver", "")))
    except (OSError, ValueError):
        online, version = False, props.get("ver", "")
    return Box(name, props.get("id", ""), url, version, online)
