"""Discovery with avahi, across network namespaces: the box publishing through a (private)
avahi-daemon, found by python-zeroconf; and python-zeroconf's announcement found by an
independent client, avahi-browse. Each test runs its own D-Bus bus and avahi-daemon."""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lan import Lan, Lines, serve_box
from support import REPO

from swarmplayer import discovery

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path={socket}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/>
<allow receive_sender="*"/></policy></busconfig>
"""
AVAHI_CONFIG = """[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
"""


class Avahi:
    """A D-Bus system bus of our own and an avahi-daemon on it, in one namespace."""

    def __init__(self, ns: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.socket = folder / "bus"
        (folder / "bus.conf").write_text(BUS_CONFIG.format(socket=self.socket))
        (folder / "avahi.conf").write_text(AVAHI_CONFIG)
        self.env = {"DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={self.socket}"}
        self.bus = subprocess.Popen(["dbus-daemon", "--nofork", "--config-file",
                                     str(folder / "bus.conf")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.daemon = Lines(ns, "-c", "import os, sys; os.execvpe('avahi-daemon', ["
                            "'avahi-daemon', '--no-drop-root', '--no-chroot', '--no-rlimits',"
                            f" '-f', '{folder / 'avahi.conf'}'], {{**os.environ, "
                            f"'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path={self.socket}'}})")
        self.daemon.expect("Server startup complete", 30)

    def stop(self) -> None:
        self.daemon.stop()
        self.bus.terminate()
        self.bus.wait(10)


@pytest.fixture
def avahi_ok() -> None:
    for tool in ("avahi-daemon", "avahi-browse", "dbus-daemon"):
        if shutil.which(tool) is None:
            pytest.skip(f"SKIPPED LOUDLY: {tool} missing (tools/bootstrap.sh installs it)")
    if Path("/run/avahi-daemon/pid").exists():
        pytest.skip("SKIPPED LOUDLY: this machine runs its own avahi-daemon (one per machine)")


@pytest.fixture
def box_avahi(lan: Lan, avahi_ok: None, tmp_path: Path) -> Iterator[Avahi]:
    lan.add_host("box", 1)
    lan.add_host("phone", 2)
    made = Avahi(lan.hosts["box"], tmp_path / "avahi")
    yield made
    made.stop()


def test_the_box_publishes_through_avahi(lan: Lan, box_avahi: Avahi,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    watch = Lines(lan.hosts["phone"], str(REPO / "tests" / "mdns_watch.py"), "120")
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", box_avahi.env["DBUS_SYSTEM_BUS_ADDRESS"])
    server = serve_box(lan, tmp_path / "box", backend="avahi", announced="through avahi-daemon")
    try:
        watch.expect("browsing", 30)
        box = (tmp_path / "box" / "box-id").read_text().strip()
        watch.expect(f"add Test Box._swarmplayer._tcp.local. {box}", 30)
        server.proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        gone = watch.expect("remove Test Box._swarmplayer._tcp.local.", 10)
        assert gone - sent < 2.0, f"off the list {gone - sent:.2f} s after SIGTERM"
        assert server.proc.wait(30) == 0
    finally:
        server.stop()
        watch.stop()


def test_avahi_browse_finds_the_zeroconf_announcement(lan: Lan, avahi_ok: None,
                                                      tmp_path: Path) -> None:
    lan.add_host("box", 1)
    phone = lan.add_host("phone", 2)
    avahi = Avahi(phone, tmp_path / "avahi")
    server = serve_box(lan, tmp_path / "box")
    try:
        box = (tmp_path / "box" / "box-id").read_text().strip()
        browse = Lines(phone, "-c", "import os; os.execvpe('avahi-browse', ['avahi-browse', "
                       "'-rp', '_swarmplayer._tcp'], {**os.environ, "
                       f"'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path={avahi.socket}'}})")
        browse.expect(f'"id={box}"', 30)
        browse.stop()
        resolved = browse.seen[-1]  # avahi-browse's own parse of the records
        assert resolved.startswith("=;eth0;IPv4;Test\\032Box;_swarmplayer._tcp;local;")
        assert ";10.213.7.1;8642;" in resolved and '"auth=token"' in resolved
    finally:
        server.stop()
        avahi.stop()


def test_a_name_another_program_holds_is_changed(box_avahi: Avahi,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Two announcers of one name on one avahi-daemon: a local collision, told at once.
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", box_avahi.env["DBUS_SYSTEM_BUS_ADDRESS"])
    first = discovery.advertiser("Test Box", "a" * 32, 8642, "avahi")
    try:
        second = discovery.advertiser("Test Box", "b" * 32, 8643, "avahi")
        try:
            assert isinstance(first, discovery.AvahiAdvertiser)
            assert isinstance(second, discovery.AvahiAdvertiser)
            assert (first.name, second.name) == ("Test Box", "Test Box #2")
        finally:
            second.stop()
    finally:
        first.stop()
    assert not [t for t in threading.enumerate() if t.name == "swarmplayer-avahi"]
