"""The processes of a benchmark run: capped seeders, the SwarmPlayer service, the baseline."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from swarmplayer.engine import lt, tstream
from swarmplayer.playback import ApiClient

from .child import ROOT, STOP_TIMEOUT, Child, ChildError
from .serve import ServeProcess, write_config

SERVICE_START_TIMEOUT = 60.0


def service_config(path: Path, data_dir: Path, http_port: int = 0, bt_port: int = 0) -> Path:
    """The service's config file for a run: loopback only, every discovery off (mDNS would
    leave 127.0.0.1, and zeroconf's threads and sockets would count in its footprint), local
    peers rate-limited so the seeders' caps hold."""
    return write_config(path, {
        "data_dir": str(data_dir), "http_host": "127.0.0.1", "http_port": http_port,
        "listen_interfaces": f"127.0.0.1:{bt_port}", "enable_dht": False,
        "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "discovery": False, "local_peers_rate_limited": True})


class Client(Protocol):
    """A streaming client under test: asked to play, it answers a URL a player can read."""

    pid: int

    def play(self, torrent: Path, peers: list[str]) -> str: ...
    def downloaded(self) -> int: ...
    def stop(self) -> None: ...


class Seeder:
    """A seeder process with an upload cap (bytes/s), listening on a loopback address."""

    def __init__(self, torrent: Path, data_dir: Path, upload_rate: int,
                 host: str = "127.0.0.1") -> None:
        self.host = host
        self.child = Child("bench.peer", str(torrent), str(data_dir),
                           "--upload-rate", str(upload_rate), "--host", host)

    @property
    def port(self) -> int:
        return int(self.child.hello["port"])

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def uploaded(self) -> int:
        return int(self.child.call("stats")["uploaded"])

    def stop(self) -> None:
        self.child.stop()


class ServiceClient:
    """`python -m swarmplayer serve` on 127.0.0.1, discovery off, local peers rate-limited."""

    def __init__(self, data_dir: Path, bt_port: int = 0) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        config = service_config(data_dir.parent / f"{data_dir.name}.toml", data_dir,
                                bt_port=bt_port)
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

    def play(self, torrent: Path, peers: list[str]) -> str:
        detail = self.api.add(str(torrent), peers)
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
    """The plain sequential libtorrent client with its naive file server (bench.baseline);
    with `deadlines`, the naive streaming client (deadlines on that many pieces of each read).
    `start_at_play`: its process starts when asked to play (the stock swarm's competitors)."""

    def __init__(self, data_dir: Path, deadlines: int = 0, start_at_play: bool = False) -> None:
        self.args = (str(data_dir), "--deadlines", str(deadlines))
        self.child: Child | None = None
        self.pid = 0  # until its process starts (runs.measure meters it from then)
        if not start_at_play:
            self._start()

    def _start(self) -> Child:
        self.child = Child("bench.baseline", *self.args)
        self.pid = self.child.pid
        return self.child

    def play(self, torrent: Path, peers: list[str]) -> str:
        """Add the torrent; with `start_at_play`, its process starts here first, so that its
        clock counts its start as a competitor's does (peerflix, webtorrent: bench.clients)."""
        child = self.child or self._start()
        return str(child.call("add", torrent=str(torrent), peers=peers)["url"])

    def downloaded(self) -> int:
        return int(self.child.call("stats")["downloaded"]) if self.child else 0

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


def name_origin(torrent: Path, origin: str, out: Path) -> Path:
    """A copy of `torrent` naming `origin` ("host:port") as its publisher's seeder, as a .tstream
    made with `make-tstream --origin` does (a top-level key: the info-hash stays the same)."""
    meta = lt.bdecode(torrent.read_bytes())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lt.bencode(tstream.with_origins(meta, [origin])))
    return out
