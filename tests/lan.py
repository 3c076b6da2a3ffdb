"""A LAN made of network namespaces for the discovery tests: a bridge (the Wi-Fi) and hosts on
veth pairs to it, private addresses made here and nothing else; processes run in the hosts.
The `lan` fixture (tests/conftest.py) skips loudly where namespaces cannot be made."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from support import REPO

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


def ns_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMPLAYER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "service"), str(REPO / "tests")])
    return env


class Lines:
    """A child process in a namespace, its output lines in a queue."""

    def __init__(self, ns: str, *args: str) -> None:
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=ns_env(), stdin=subprocess.DEVNULL)
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


def serve_box(lan: Lan, data_dir: Path, backend: str = "zeroconf",
              announced: str = "on", host: str = "box", name: str = "Test Box") -> Lines:
    """`swarmplayer serve` on a host of the LAN, discovery on, once it has announced itself."""
    config = write_config(data_dir.parent / f"{data_dir.name}.toml", {
        "data_dir": str(data_dir), "http_host": "0.0.0.0", "http_port": PORT,
        "listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
        "enable_upnp": False, "enable_natpmp": False, "discovery": True,
        "friendly_name": name, "monitor_interval": 3600.0,
        "discovery_backend": backend})
    server = Lines(lan.hosts[host], "-m", "swarmplayer", "serve", "--config", str(config))
    server.expect(f"announcing '{name}' (id {box_id(str(data_dir))}) {announced}", 60)
    return server


def ns_request(ns: str, method: str, url: str) -> dict:
    """A JSON API call made from inside a namespace (from the box itself: trusted localhost)."""
    asked = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c",
         "import urllib.request, sys\n"
         f"r = urllib.request.urlopen(urllib.request.Request({url!r}, method={method!r}),"
         " timeout=30)\n"
         "sys.stdout.write(r.read().decode())\n"],
        capture_output=True, text=True, timeout=60, env=ns_env())
    assert asked.returncode == 0, asked.stderr
    return json.loads(asked.stdout)
