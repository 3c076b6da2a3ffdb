"""Peers for a local swarm on 127.0.0.1, run with the project's own libtorrent settings.

Used by the demo, the integration tests and the benchmark: an origin seeder (rate-limited, as a
publisher's upload is) and any number of extra peers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import Config
from ..engine import lt
from ..engine.settings import settings_pack


class Peer:
    """One libtorrent session holding one torrent (seeding when it has the data), on `host`: a
    loopback address (127.0.0.2, …) sets a peer apart from the others by its address alone."""

    def __init__(self, torrent: bytes, save_path: Path, *, upload_rate: int = 0,
                 download_rate: int = 0, seed: bool = True, host: str = "127.0.0.1") -> None:
        config = Config.for_tests(save_path, upload_rate_limit=upload_rate,
                                  download_rate_limit=download_rate,
                                  local_peers_rate_limited=True,
                                  listen_interfaces=f"{host}:0")
        self.host = host
        self.session = lt.new_session(settings_pack(config))
        lt.classify_peers(self.session, local_limited=True)
        self.handle = self.add(torrent, save_path, seed=seed)

    def add(self, torrent: bytes, save_path: Path, *, seed: bool = True) -> Any:
        """One more torrent in this peer's session (its handle): one peer seeds a whole feed."""
        params = lt.AddTorrentParams()
        params.ti = lt.torrent_info(torrent)
        params.save_path = str(save_path)
        params.flags &= ~lt.FLAG_AUTO_MANAGED & ~lt.FLAG_PAUSED
        if seed:
            # We made the data ourselves: skip hashing it all again at start.
            params.flags |= lt.FLAG_SEED_MODE
        return self.session.add_torrent(params)

    @property
    def port(self) -> int:
        return self.session.listen_port()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def uploaded(self) -> int:
        return self.handle.status().all_time_upload

    def connect(self, other: Peer) -> None:
        self.handle.connect_peer((other.host, other.port))

    def close(self) -> None:
        self.session.pause()
        del self.handle
        del self.session
