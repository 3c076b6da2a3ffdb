"""Clients measured from the moment their process starts: the competitors from npm (peerflix,
webtorrent-cli), the service cold (`swarmplayer play` with no service running), the naive
libtorrent streaming client (sequential + deadlines on the next pieces) and the sequential
baseline."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from .child import ROOT, STOP_TIMEOUT, ChildError
from .stock import free_port
from .swarm import BaselineClient, service_config

NODE_BIN = ROOT / "bench" / "node_modules" / ".bin"
START_TIMEOUT = 60.0
NAIVE_DEADLINES = 8
DEFAULT_SERVICE_PORT = 8642  # where `swarmplayer play` looks for a running service first
_ADDED = re.compile(r"added .* \(([0-9a-f]{40})\)")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _wait_listening(port: int, proc: subprocess.Popen[str], what: str) -> None:
    """Until `port` accepts a connection: the competitors say nothing else when they serve."""
    end = time.monotonic() + START_TIMEOUT
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise ChildError(f"{what} exited with {proc.returncode}")
        if _listening(port):
            return
        time.sleep(0.01)  # an outside process: its port is the only sign it serves
    raise ChildError(f"{what} did not serve within {START_TIMEOUT:g} s")


class ProcessClient:
    """A client that is one process started by `play` (so its clock includes its start)."""

    name = "process"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[str] | None = None
        self.pid = 0  # until `play` starts the process (runs.measure meters it from then)

    def _spawn(self, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, cwd=self.data_dir,
                                     env=env, start_new_session=True)
        self.pid = self.proc.pid
        return self.proc

    def downloaded(self) -> int:
        return 0  # they report no counters: offload is left out for them

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(STOP_TIMEOUT)


class Peerflix(ProcessClient):
    """peerflix (torrent-stream): it serves the largest file at / of its HTTP port. It has no
    flag for DHT: here DHT reaches nobody, the local tracker is its only source of peers."""

    name = "peerflix"

    def play(self, torrent: Path, peers: list[str]) -> str:
        port = free_port()
        proc = self._spawn([str(NODE_BIN / "peerflix"), str(torrent), "--port", str(port),
                            "--hostname", "127.0.0.1", "--path", str(self.data_dir), "--quiet",
                            *[a for p in peers for a in ("--peer", p)]])
        _drain(proc)
        _wait_listening(port, proc, self.name)
        return f"http://127.0.0.1:{port}/"


class WebTorrent(ProcessClient):
    """webtorrent-cli: serves the torrent's file 0 at /0. No flag for DHT either (above)."""

    name = "webtorrent"

    def play(self, torrent: Path, peers: list[str]) -> str:
        port = free_port()
        proc = self._spawn([str(NODE_BIN / "webtorrent"), "download", str(torrent),
                            "--port", str(port), "--out", str(self.data_dir), "--quiet",
                            "--keep-seeding", "--no-quit"])
        _drain(proc)
        _wait_listening(port, proc, self.name)
        return f"http://127.0.0.1:{port}/0"


class ColdService(ProcessClient):
    """`python -m swarmplayer play TORRENT --prebuffer 0` with no service running: it starts
    its own service on a port we chose and adds the torrent. The probe starts as soon as the
    torrent is added ("added … (info-hash)"), as it does for a competitor as soon as its port
    serves: `play` itself prints the stream URL only after its own first-frame check."""

    name = "service, cold"

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.port = free_port()
        self.config = service_config(data_dir.parent / f"{data_dir.name}.toml", data_dir,
                                     http_port=self.port)
        self.api = f"http://127.0.0.1:{self.port}"
        self.info_hash = ""

    def play(self, torrent: Path, peers: list[str]) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMPLAYER_")}
        env["PYTHONPATH"] = str(ROOT / "service")
        # `play` would use a service answering at its default address instead of starting one.
        if _listening(DEFAULT_SERVICE_PORT):
            raise ChildError(f"a service runs at port {DEFAULT_SERVICE_PORT}: no cold start")
        proc = self._spawn([sys.executable, "-m", "swarmplayer", "play", str(torrent),
                            "--config", str(self.config), "--prebuffer", "0",
                            *[a for p in peers for a in ("--peer", p)]], env)
        assert proc.stdout is not None
        for line in proc.stdout:
            if found := _ADDED.search(line):
                self.info_hash = found.group(1)
                _drain(proc)
                return f"{self.api}/stream/{self.info_hash}"
        raise ChildError(f"swarmplayer play did not add the torrent (exit {proc.wait()})")

    def downloaded(self) -> int:
        with urllib.request.urlopen(f"{self.api}/api/v1/torrents/{self.info_hash}",
                                    timeout=30) as response:
            return int(json.load(response)["total_downloaded"])


class NaiveClient(BaselineClient):
    """The 60-line client: sequential, plus deadlines on the next pieces of each read; its
    process starts when asked to play."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir, NAIVE_DEADLINES, start_at_play=True)


class ProcessBaseline(BaselineClient):
    """Today's sequential baseline, its process started when asked to play."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir, start_at_play=True)


def _drain(proc: subprocess.Popen[str]) -> None:
    """Read what the process prints so that it never blocks on a full pipe."""
    def pump() -> None:
        assert proc.stdout is not None
        for _ in proc.stdout:
            pass
    threading.Thread(target=pump, daemon=True).start()
