"""Zeroconf discovery: the box announces `_swarmplayer._tcp` (for the add-on and `swarmplayer
discover`) and `_http._tcp` (the phone remote) on the LAN — through avahi-daemon where one runs,
else with python-zeroconf (mdns.py)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from typing import Protocol

from . import __version__

log = logging.getLogger(__name__)

SERVICE_TYPE = "_swarmplayer._tcp.local."
HTTP_TYPE = "_http._tcp.local."
TXT_VERSION = "1"


class Announcer(Protocol):
    def stop(self) -> None: ...


def txt_records(box: str) -> dict[str, str]:
    return {"txtvers": TXT_VERSION, "id": box, "ver": __version__, "api": "/api/v1",
            "path": "/", "auth": "token"}


class AvahiAdvertiser:
    """The same records published by the box's avahi-daemon (Raspberry Pi OS runs one): one
    `avahi-publish` per service type holds the registration over D-Bus, so the service process
    carries no mDNS stack of its own; avahi follows address changes itself, and stopping them
    withdraws the records (goodbye packets)."""

    def __init__(self, name: str, box: str, port: int, tool: str) -> None:
        self.name, self.box, self.port, self.tool = name, box, port, tool
        self._children: list[subprocess.Popen[bytes]] = []

    def start(self) -> AvahiAdvertiser:
        txt = [f"{k}={v}" for k, v in txt_records(self.box).items()]
        for kind in (SERVICE_TYPE, HTTP_TYPE):
            self._children.append(subprocess.Popen(
                [self.tool, "--service", self.name, kind.removesuffix(".local."),
                 str(self.port), *txt],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        log.info("announcing %r (id %s) through avahi-daemon", self.name, self.box)
        return self

    def stop(self) -> None:
        for child in self._children:
            child.terminate()
        for child in self._children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
        self._children = []


def _avahi_running() -> str | None:
    """avahi-publish's path when an avahi-daemon answers on this box, else None."""
    tool, daemon = shutil.which("avahi-publish"), shutil.which("avahi-daemon")
    if tool is None or daemon is None:
        return None
    try:
        checked = subprocess.run([daemon, "--check"], capture_output=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return tool if checked.returncode == 0 else None


def advertiser(name: str, box: str, port: int, backend: str = "auto") -> Announcer:
    """Announce through avahi-daemon where one runs (one mDNS stack per box), else with
    python-zeroconf in-process. `backend` is auto, avahi or zeroconf."""
    tool = _avahi_running() if backend in ("auto", "avahi") else None
    if tool is not None:
        return AvahiAdvertiser(name, box, port, tool).start()
    if backend == "avahi":
        log.warning("avahi-daemon is not running: announcing with python-zeroconf")
    from .mdns import Advertiser

    return Advertiser(name, box, port).start()
