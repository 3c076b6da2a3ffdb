"""The processes of a benchmark run: capped seeders, the SwarmPlayer service, the baseline."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from swarmplayer.playback import ApiClient

from .child import ROOT, STOP_TIMEOUT, Child, ChildError

SERVICE_START_TIMEOUT = 60.0
_SERVING = re.compile(r"serving on (http://\S+)")


class Client(Protocol):
    """A streaming client under test: asked to play, it answers a URL a player can read."""

    pid: int

    def play(self, torrent: Path, peers: list[int]) -> str: ...
    def downloaded(self) -> int: ...
    def stop(self) -> None: ...


class Seeder:
    """A seeder process with an upload cap (bytes/s)."""

    def __init__(self, torrent: Path, data_dir: Path, upload_rate: int) -> None:
        self.child = Child("bench.peer", str(torrent), str(data_dir),
                           "--upload-rate", str(upload_rate))

    @property
    def port(self) -> int:
        return int(self.child.hello["port"])

    def uploaded(self) -> int:
        return int(self.child.call("stats")["uploaded"])

    def connect(self, port: int) -> None:
        self.child.call("connect", port=port)

    def stop(self) -> None:
        self.child.stop()


class ServiceClient:
    """`python -m swarmplayer serve` on 127.0.0.1, discovery off, local peers rate-limited."""

    def __init__(self, data_dir: Path, bt_port: int = 0) -> None:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join([str(ROOT / "service"), os.environ.get("PYTHONPATH", "")]),
            SWARMPLAYER_LISTEN_INTERFACES=f"127.0.0.1:{bt_port}",
            SWARMPLAYER_ENABLE_DHT="false", SWARMPLAYER_ENABLE_LSD="false",
            SWARMPLAYER_ENABLE_UPNP="false", SWARMPLAYER_ENABLE_NATPMP="false",
            SWARMPLAYER_LOCAL_PEERS_RATE_LIMITED="true",
        )
        env.pop("SWARMPLAYER_CONFIG", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "swarmplayer", "--log-level", "INFO",
             "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env=env, cwd=ROOT,
        )
        self.pid = self.proc.pid
        self._urls: queue.Queue[str | None] = queue.Queue()
        self._log: list[str] = []
        threading.Thread(target=self._watch, daemon=True).start()
        try:
            url = self._urls.get(timeout=SERVICE_START_TIMEOUT)
        except queue.Empty:
            url = None
        if url is None:
            self.stop()
            raise ChildError(f"the service did not start: {''.join(self._log)[-1500:]}")
        self.api = ApiClient(url)
        self.url = url
        self.info_hash = ""

    def _watch(self) -> None:
        """Its log: the first 'serving on URL' line tells where it listens; keep the tail."""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._log = [*self._log[-40:], line]
            found = _SERVING.search(line)
            if found:
                self._urls.put(found.group(1))
        self._urls.put(None)

    def play(self, torrent: Path, peers: list[int]) -> str:
        detail = self.api.add(str(torrent), [f"127.0.0.1:{p}" for p in peers])
        self.info_hash = detail["info_hash"]
        return str(detail["stream_url"])

    def status(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/api/v1/torrents/{self.info_hash}",
                                    timeout=30) as response:
            return dict(json.load(response))

    def downloaded(self) -> int:
        return int(self.status()["total_downloaded"])

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; kill only if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)


class BaselineClient:
    """The plain sequential libtorrent client with its naive file server (bench.baseline)."""

    def __init__(self, data_dir: Path) -> None:
        self.child = Child("bench.baseline", str(data_dir))
        self.pid = self.child.pid

    def play(self, torrent: Path, peers: list[int]) -> str:
        return str(self.child.call("add", torrent=str(torrent), peers=peers)["url"])

    def downloaded(self) -> int:
        return int(self.child.call("stats")["downloaded"])

    def stop(self) -> None:
        self.child.stop()
