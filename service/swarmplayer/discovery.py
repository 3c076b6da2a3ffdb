"""Zeroconf discovery: the box announces `_swarmplayer._tcp` (for the add-on and `swarmplayer
discover`) and `_http._tcp` (the phone remote) on the LAN — through avahi-daemon's D-Bus API
where one runs, else with python-zeroconf (mdns.py)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from typing import Any, Protocol

from jeepney import DBusAddress, DBusErrorResponse, MatchRule, Message, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, FilterHandle, open_dbus_connection
from jeepney.wrappers import unwrap_msg

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


AVAHI = "org.freedesktop.Avahi"
_ANY = -1  # AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC: every interface, IPv4 and IPv6
_COLLISION = 3  # AVAHI_ENTRY_GROUP_COLLISION: another host has the name
BUS_TIMEOUT = 5.0


class AvahiAdvertiser:
    """The same records published by the box's avahi-daemon (Raspberry Pi OS runs one) through
    its D-Bus API: one entry group holds both services, so the service carries no mDNS stack
    and no helper process (two `avahi-publish` cost 3.3 MB each, python-zeroconf ~5.5 MB; this
    ~0.2 MB). avahi follows address changes itself; when the connection closes (stop, or a
    crash) it frees the group, which sends the goodbye packets. A name another host has is
    changed as avahi suggests ("Name #2"), as avahi-publish does."""

    def __init__(self, name: str, box: str, port: int, bus: DBusConnection) -> None:
        self.name, self.box, self.port = name, box, port
        self._bus = bus
        self._group: DBusAddress | None = None
        self._states: FilterHandle | None = None
        self._watch: threading.Thread | None = None

    def _call(self, where: DBusAddress, method: str, signature: str | None = None,
              *body: object) -> tuple[Any, ...]:
        return _ask(self._bus, new_method_call(where, method, signature, body))

    def start(self) -> AvahiAdvertiser:
        (path,) = self._call(_SERVER, "EntryGroupNew")
        self._group = DBusAddress(path, bus_name=AVAHI, interface=AVAHI + ".EntryGroup")
        rule = MatchRule(type="signal", interface=AVAHI + ".EntryGroup",
                         member="StateChanged", path=path)
        self._states = self._bus.filter(rule, bufsize=16)  # before Commit: none is missed
        _ask(self._bus, message_bus.AddMatch(rule))
        self._publish()
        self._watch = threading.Thread(target=self._follow, daemon=True,
                                       name="swarmplayer-avahi")
        self._watch.start()
        log.info("announcing %r (id %s) through avahi-daemon", self.name, self.box)
        return self

    def _publish(self) -> None:
        """Both services under `self.name`; a name another program on this box holds is
        changed at once, one another host holds when avahi says so (_follow)."""
        assert self._group is not None
        txt = [f"{k}={v}".encode() for k, v in txt_records(self.box).items()]
        while True:
            try:
                for kind in (SERVICE_TYPE, HTTP_TYPE):
                    self._call(self._group, "AddService", "iiussssqaay", _ANY, _ANY, 0,
                               self.name, kind.removesuffix(".local."), "", "", self.port, txt)
                self._call(self._group, "Commit")
                return
            except DBusErrorResponse as exc:
                if exc.name != AVAHI + ".CollisionError":
                    raise
                self._rename()

    def _rename(self) -> None:
        assert self._group is not None
        (self.name,) = self._call(_SERVER, "GetAlternativeServiceName", "s", self.name)
        log.info("the name is taken on the LAN: announcing as %r", self.name)
        self._call(self._group, "Reset")

    def _follow(self) -> None:
        """The group's state changes until stop() hangs up: on a collision, a new name."""
        assert self._states is not None and self._group is not None
        try:
            while True:
                state = self._bus.recv_until_filtered(self._states.queue).body[0]
                if state == _COLLISION:
                    self._rename()
                    self._publish()
        except (OSError, ValueError):  # stop() shut the connection down
            return
        except DBusErrorResponse as exc:
            log.warning("avahi-daemon refused the new name: %s", exc)

    def stop(self) -> None:
        """Hang up: avahi-daemon frees the group and says goodbye (safe to call twice)."""
        if self._watch is None:
            return
        with contextlib.suppress(OSError):
            self._bus.sock.shutdown(socket.SHUT_RDWR)  # wakes the watch thread's read
        self._watch.join(timeout=10)
        self._watch = None
        self._bus.close()


_SERVER = DBusAddress("/", bus_name=AVAHI, interface=AVAHI + ".Server")


def _ask(bus: DBusConnection, message: Message) -> tuple[Any, ...]:
    """The reply's body; DBusErrorResponse for an error reply, TimeoutError for none."""
    return tuple(unwrap_msg(bus.send_and_get_reply(message, timeout=BUS_TIMEOUT)))


def _avahi_bus() -> DBusConnection | None:
    """A connection to the system bus when an avahi-daemon answers on it, else None."""
    try:
        bus = open_dbus_connection(bus="SYSTEM", auth_timeout=BUS_TIMEOUT)
    except (OSError, KeyError, ValueError):  # no system bus (a container, a test machine)
        return None
    try:
        _ask(bus, new_method_call(_SERVER, "GetVersionString"))
    except (OSError, DBusErrorResponse):  # no avahi-daemon on the bus (or TimeoutError)
        bus.close()
        return None
    return bus


def advertiser(name: str, box: str, port: int, backend: str = "auto") -> Announcer:
    """Announce through avahi-daemon where one runs (one mDNS stack per box), else with
    python-zeroconf in-process. `backend` is auto, avahi or zeroconf."""
    bus = _avahi_bus() if backend in ("auto", "avahi") else None
    if bus is not None:
        try:
            return AvahiAdvertiser(name, box, port, bus).start()
        except (OSError, DBusErrorResponse) as exc:
            bus.close()
            log.warning("avahi-daemon did not take the records (%s): announcing with "
                        "python-zeroconf", exc)
    elif backend == "avahi":
        log.warning("avahi-daemon is not running: announcing with python-zeroconf")
    from .mdns import Advertiser

    return Advertiser(name, box, port).start()
