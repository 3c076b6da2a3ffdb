"""Discovery across hosts: the service on one test host (a network namespace), browsers on
another, joined by a veth pair with private addresses made here. Nothing leaves the machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO, ServiceProcess

from swarmplayer.discovery import SERVICE_TYPE, WEB_TYPE, txt_records

SERVICE_IP, BROWSER_IP = "10.213.77.1", "10.213.77.2"
GOODBYE_S = 2.0


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def hosts() -> Iterator[tuple[str, str]]:
    """Two test hosts joined by a link; (service host, browser host) namespace names."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("discovery tests need root and iproute2 to make network namespaces")
    tag = f"sp{os.getpid() % 100000}"
    box, phone = f"{tag}box", f"{tag}phone"
    try:
        _ip("netns", "add", box)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot make a network namespace here: {exc.stderr.decode().strip()}")
    try:
        _ip("netns", "add", phone)
        _ip("link", "add", "sp-box", "netns", box, "type", "veth", "peer", "name", "sp-phone",
            "netns", phone)
        for ns, dev, address in ((box, "sp-box", SERVICE_IP), (phone, "sp-phone", BROWSER_IP)):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "addr", "add", f"{address}/24", "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", dev)  # mDNS's multicast group
        yield box, phone
    finally:
        for ns in (box, phone):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)


def _on(ns: str, *command: str, timeout: float = 60) -> str:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'service'}{os.pathsep}{REPO / 'tests'}"}
    done = subprocess.run(["ip", "netns", "exec", ns, *command], capture_output=True,
                          text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
                          check=True)
    return done.stdout


def _service(ns: str, data_dir: Path) -> ServiceProcess:
    return ServiceProcess(data_dir, prefix=["ip", "netns", "exec", ns], http_host="0.0.0.0",
                          discovery=True, friendly_name="Living room").start()


def _discover(ns: str) -> list[dict[str, object]]:
    out = _on(ns, sys.executable, "-m", "swarmplayer", "discover", "--json", "--seconds", "4")
    return [json.loads(line) for line in out.splitlines()]


class Watcher:
    """mdns_watch.py on a test host: its lines as they come, waited on with a deadline."""

    def __init__(self, ns: str, service_type: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO / "service")}
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, str(REPO / "tests" / "mdns_watch.py"),
             service_type, "120"], stdout=subprocess.PIPE, text=True, env=env,
            stdin=subprocess.DEVNULL)
        self.lines: list[tuple[float, str]] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append((time.monotonic(), line.strip()))
                self._cond.notify_all()

    def wait_for(self, prefix: str, timeout: float) -> float:
        """When a line starting with `prefix` came (fails after `timeout`)."""
        with self._cond:
            found = self._cond.wait_for(
                lambda: next((t for t, line in self.lines if line.startswith(prefix)), None),
                timeout)
        assert found, f"no {prefix!r} within {timeout} s: {self.lines}"
        return found

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        self._reader.join(10)


def test_a_phone_finds_the_box_and_its_id_survives_a_restart(hosts: tuple[str, str],
                                                             tmp_path: Path):
    box_ns, phone_ns = hosts
    service = _service(box_ns, tmp_path / "box")
    try:
        boxes = _discover(phone_ns)
        assert len(boxes) == 1, boxes
        found = boxes[0]
        assert found["name"] == "Living room" and found["online"] is True
        assert str(found["url"]).startswith(f"http://{SERVICE_IP}:")
        first_id = found["id"]
    finally:
        service.stop(30)
    service = _service(box_ns, tmp_path / "box")
    try:
        again = _discover(phone_ns)
        assert [b["id"] for b in again] == [first_id]
    finally:
        service.stop(30)


def test_both_services_carry_the_txt_records(hosts: tuple[str, str], tmp_path: Path):
    box_ns, phone_ns = hosts
    service = _service(box_ns, tmp_path / "box")
    try:
        script = (
            "import json, sys\n"
            "from zeroconf import Zeroconf, IPVersion\n"
            "zc = Zeroconf(ip_version=IPVersion.V4Only)\n"
            "out = {}\n"
            f"for kind in ({SERVICE_TYPE!r}, {WEB_TYPE!r}):\n"
            "    info = zc.get_service_info(kind, 'Living room.' + kind, timeout=8000)\n"
            "    out[kind] = {k.decode(): v.decode() for k, v in info.properties.items()}\n"
            "zc.close()\n"
            "print(json.dumps(out))\n")
        records = json.loads(_on(phone_ns, sys.executable, "-c", script))
        for kind in (SERVICE_TYPE, WEB_TYPE):
            txt = records[kind]
            assert set(txt) == set(txt_records("x", "token"))
            assert txt["api"] == "/api/v1" and txt["auth"] == "token" and txt["txtvers"] == "1"
        assert records[SERVICE_TYPE]["id"] == records[WEB_TYPE]["id"]
    finally:
        service.stop(30)


def test_a_stopped_box_says_goodbye_within_two_seconds(hosts: tuple[str, str],
                                                       tmp_path: Path):
    box_ns, phone_ns = hosts
    watcher = Watcher(phone_ns, SERVICE_TYPE)
    service = _service(box_ns, tmp_path / "box")
    try:
        watcher.wait_for("watching", 30)
        watcher.wait_for("added Living room.", 30)
        stopped_at = time.monotonic()
        service.stop(30)
        gone_at = watcher.wait_for("removed Living room.", 10)
        assert gone_at - stopped_at <= GOODBYE_S
    finally:
        service.stop(30)
        watcher.close()
