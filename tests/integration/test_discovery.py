"""Discovery across hosts: network namespaces joined by a bridge (private addresses made here),
the service in one, browsers in the others. Skipped, loudly, where namespaces cannot be made."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO, wait_until

from bench.serve import write_config
from swarmplayer.identity import box_id

SUBNET = "10.213.7"
PORT = 8642


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


class Lan:
    """A bridge in a namespace of its own (the switch) and hosts on veth pairs to it."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.switch = f"sp-sw-{tag}"
        self.tag = tag
        self.hosts: dict[str, str] = {}
        _ip("netns", "add", self.switch)
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        # No IGMP snooping: every mDNS packet reaches every port, as on a home Wi-Fi.
        _ip("-n", self.switch, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0")
        _ip("-n", self.switch, "link", "set", "br0", "up")

    def add_host(self, name: str, last_octet: int) -> str:
        ns = f"sp-{name}-{self.tag}"
        _ip("netns", "add", ns)
        port = f"p{last_octet}{self.tag}"[:15]
        _ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _ip("link", "set", port, "netns", self.switch)
        _ip("-n", self.switch, "link", "set", port, "master", "br0", "up")
        _ip("-n", ns, "addr", "add", f"{SUBNET}.{last_octet}/24", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up", "multicast", "on")
        _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0")
        self.hosts[name] = ns
        return ns

    def close(self) -> None:
        for ns in [*self.hosts.values(), self.switch]:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


@pytest.fixture
def lan() -> Iterator[Lan]:
    if os.geteuid() != 0:
        pytest.skip("SKIPPED LOUDLY: network namespaces need root (CI runs these as root)")
    try:
        made = Lan()
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"SKIPPED LOUDLY: cannot make network namespaces here: {exc}")
    yield made
    made.close()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMPLAYER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "service"), str(REPO / "tests")])
    return env


class Lines:
    """A child process in a namespace, its output lines in a queue."""

    def __init__(self, ns: str, *args: str) -> None:
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=_env(), stdin=subprocess.DEVNULL)
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True, name="ns-lines").start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n")))

    def expect(self, text: str, timeout: float) -> float:
        """When a line containing `text` came."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                at, line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break  # it ended: nothing more will come
                continue
            self.seen.append(line)
            if text in line:
                return at
        pytest.fail(f"no line with {text!r} within {timeout} s; saw: {self.seen[-20:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(20)


def _serve(lan: Lan, data_dir: Path, backend: str = "zeroconf",
           announced: str = "on", host: str = "box", name: str = "Test Box") -> Lines:
    config = write_config(data_dir.parent / f"{data_dir.name}.toml", {
        "data_dir": str(data_dir), "http_host": "0.0.0.0", "http_port": PORT,
        "listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
        "enable_upnp": False, "enable_natpmp": False, "discovery": True,
        "friendly_name": name, "monitor_interval": 3600.0,
        "discovery_backend": backend})
    server = Lines(lan.hosts[host], "-m", "swarmplayer", "serve", "--config", str(config))
    server.expect(f"announcing '{name}' (id {box_id(str(data_dir))}) {announced}", 60)
    return server


def test_the_box_is_found_keeps_its_id_and_says_goodbye(lan: Lan, tmp_path: Path) -> None:
    lan.add_host("box", 1)
    phone = lan.add_host("phone", 2)
    data_dir = tmp_path / "box"
    watch = Lines(phone, str(REPO / "tests" / "mdns_watch.py"), "240")
    server = _serve(lan, data_dir)
    try:
        watch.expect("browsing", 30)
        box = (data_dir / "box-id").read_text().strip()
        watch.expect(f"add Test Box._swarmplayer._tcp.local. {box}", 30)

        found = subprocess.run(["ip", "netns", "exec", phone, sys.executable, "-m",
                                "swarmplayer", "discover", "--seconds", "3"],
                               capture_output=True, text=True, timeout=60, env=_env())
        assert found.returncode == 0, found.stdout + found.stderr
        assert f"Test Box  id {box}" in found.stdout
        assert f"http://{SUBNET}.1:{PORT}" in found.stdout  # confirmed with /api/v1/info

        # SIGTERM: goodbye packets take the box off the phone's list within 2 s.
        server.proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        gone = watch.expect("remove Test Box._swarmplayer._tcp.local.", 10)
        assert gone - sent < 2.0, f"the box went off the list {gone - sent:.2f} s after SIGTERM"
        assert server.proc.wait(30) == 0

        # A restart: the same id.
        server = _serve(lan, data_dir)
        watch.expect(f"add Test Box._swarmplayer._tcp.local. {box}", 30)
        assert (data_dir / "box-id").read_text().strip() == box
    finally:
        server.stop()
        watch.stop()


def test_a_crashed_box_is_listed_but_not_online(lan: Lan, tmp_path: Path) -> None:
    lan.add_host("box", 1)
    phone = lan.add_host("phone", 2)
    server = _serve(lan, tmp_path / "box")
    try:
        server.proc.kill()  # no goodbye: the phone's cache still lists it
        server.proc.wait(20)
        # Another process on the box announces the same records but serves nothing.
        fake = Lines(lan.hosts["box"], "-c", (
            "import threading, sys\n"
            "from swarmplayer.mdns import Advertiser\n"
            "a = Advertiser('Test Box', '00000000deadbeef', 8642).start()\n"
            "print('up', flush=True)\n"
            "threading.Event().wait(60)\n"))
        fake.expect("up", 30)
        found = wait_until(lambda: _discover(phone), 60, "the announced box to be listed")
        assert "offline (listed, not answering)" in found
        fake.stop()
    finally:
        server.stop()


def _discover(ns: str) -> str:
    result = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-m", "swarmplayer",
                             "discover", "--seconds", "3"], capture_output=True, text=True,
                            timeout=60, env=_env())
    return result.stdout if "Test Box" in result.stdout else ""


def test_a_box_lists_the_others_for_the_page(lan: Lan, tmp_path: Path) -> None:
    """GET /api/v1/boxes (the page's Boxes screen): this box first, then the others its own
    browse finds, each confirmed by its /api/v1/info."""
    lan.add_host("box", 1)
    lan.add_host("other", 3)
    server = _serve(lan, tmp_path / "box")
    other = _serve(lan, tmp_path / "other", host="other", name="Other Box")
    try:
        asked = subprocess.run(
            ["ip", "netns", "exec", lan.hosts["box"], sys.executable, "-c",
             "import urllib.request, sys\n"
             f"r = urllib.request.urlopen('http://127.0.0.1:{PORT}/api/v1/boxes', timeout=30)\n"
             "sys.stdout.write(r.read().decode())\n"],
            capture_output=True, text=True, timeout=60, env=_env())
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        this, *others = answer["boxes"]
        assert answer["discovery"] is True
        assert (this["name"], this["this"], this["online"]) == ("Test Box", True, True)
        assert this["id"] == box_id(str(tmp_path / "box"))
        assert [(b["name"], b["id"], b["url"], b["online"], b["this"]) for b in others] == [
            ("Other Box", box_id(str(tmp_path / "other")), f"http://{SUBNET}.3:{PORT}", True,
             False)]
    finally:
        other.stop()
        server.stop()
