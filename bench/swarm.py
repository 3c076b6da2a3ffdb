"""The processes of a benchmark run: capped seeders, the SwarmPlayer service, the baseline."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from swarmplayer.playback import ApiClient

from .child import ROOT, STOP_TIMEOUT, Child, ChildError
from .serve import ServeProcess, write_config

SERVICE_START_TIMEOUT = 60.0


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
        data_dir.mkdir(parents=True, exist_ok=True)
        config = write_config(data_dir.parent / f"{data_dir.name}.toml", {
            "data_dir": str(data_dir), "http_host": "127.0.0.1", "http_port": 0,
            "listen_interfaces": f"127.0.0.1:{bt_port}", "enable_dht": False,
            "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
            "local_peers_rate_limited": True})
        self.process = ServeProcess(config, cwd=ROOT)
        self.process.launch()
        self.pid = self.process.pid
        url = self.process.wait_url(SERVICE_START_TIMEOUT)
        if not url:
            self.stop()
            raise ChildError(f"the service did not start: {self.process.output(40)[-1500:]}")
        self.api = ApiClient(url)
        self.url = url
        self.info_hash = ""

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
        self.process.stop(STOP_TIMEOUT)


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
