"""`python -m bench.baseline DATA_DIR [--deadlines N]`: the baseline client the service is
measured against, and with `--deadlines` the naive streaming client.

A plain libtorrent session (its defaults, made loopback-only) downloading in sequential mode,
and a naive file server that sends bytes from disk once their pieces are there. With
`--deadlines N`, each read also gives the N pieces from the read's first one a deadline (100 ms
apart), as the simplest streaming clients built on libtorrent do. Commands on stdin
(bench.child): `add` a torrent with peers (none: its trackers find them), `stats`.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path
from typing import Any

from swarmplayer.addresses import peer_address
from swarmplayer.engine import lt

from .child import serve
from .rangeserver import RangeServer

WAIT_TIMEOUT = 180.0
DEADLINE_STEP_MS = 100
# alert categories error | status | piece_progress (the same bits in libtorrent 2.0 and 2.1):
# a finished piece wakes the waiting server at once.
ALERT_MASK = 0x1 | 0x40 | 0x400000


class Baseline:
    """Sequential download plus a file server waiting on piece alerts."""

    def __init__(self, data_dir: Path, deadlines: int = 0) -> None:
        self.data_dir = data_dir
        self.deadlines = deadlines
        self.session = lt.new_session({
            "listen_interfaces": "127.0.0.1:0",
            "enable_dht": False, "enable_lsd": False,
            "enable_upnp": False, "enable_natpmp": False,
            "allow_multiple_connections_per_ip": True,
            # The delayed mode's relay carries TCP only: a uTP attempt there would only time out.
            "enable_outgoing_utp": False,
            "alert_mask": ALERT_MASK,
        })
        self.handle: Any = None
        self.server: RangeServer | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._alerts = threading.Thread(target=self._pump, daemon=True)
        self._alerts.start()

    def _pump(self) -> None:
        """Wake the waiting server on every alert, and at least every 250 ms (it polls)."""
        while not self._stop.is_set():
            lt.wait_for_alert(self.session, 250)
            self.session.pop_alerts()
            with self._cond:
                self._cond.notify_all()

    def add(self, torrent: str, peers: list[str]) -> dict[str, Any]:
        params = lt.AddTorrentParams()
        params.ti = lt.torrent_info(Path(torrent).read_bytes())
        params.save_path = str(self.data_dir)
        params.flags &= ~lt.FLAG_AUTO_MANAGED & ~lt.FLAG_PAUSED
        params.flags |= lt.FLAG_SEQUENTIAL
        self.handle = self.session.add_torrent(params)
        for peer in peers:
            self.handle.connect_peer(peer_address(peer))
        (_, name, size, _), = lt.file_entries(params.ti)
        self.piece_length = params.ti.piece_length()
        self.num_pieces = params.ti.num_pieces()
        self.path = self.data_dir / name
        self.server = RangeServer(self.path, size=size, ready=self._ready).start()
        return {"url": self.server.url}

    def _ready(self, start: int, stop: int) -> bool:
        """Wait until every piece under [start, stop) is downloaded and the file is on disk
        (libtorrent creates it at its first write, which can come after the first hash check);
        False on timeout."""
        pieces = range(start // self.piece_length, (stop - 1) // self.piece_length + 1)
        self._set_deadlines(pieces.start)
        with self._cond:
            return self._cond.wait_for(
                lambda: all(self.handle.have_piece(p) for p in pieces) and self.path.exists(),
                WAIT_TIMEOUT)

    def _set_deadlines(self, first: int) -> None:
        """Deadlines on the next `deadlines` pieces we lack from `first` (none: plain baseline)."""
        last = min(first + self.deadlines, self.num_pieces)
        for k, piece in enumerate(range(first, last)):
            if not self.handle.have_piece(piece):
                self.handle.set_piece_deadline(piece, k * DEADLINE_STEP_MS)

    def stats(self) -> dict[str, Any]:
        return {"downloaded": self.handle.status().all_time_download if self.handle else 0}

    def close(self) -> None:
        self._stop.set()
        self._alerts.join(timeout=5)
        if self.server is not None:
            self.server.stop()
        self.session.pause()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--deadlines", type=int, default=0,
                        help="pieces ahead of each read to give a deadline (0: none)")
    args = parser.parse_args()
    client = Baseline(args.data_dir, args.deadlines)
    try:
        serve({}, {"add": client.add, "stats": client.stats})
    finally:
        client.close()


if __name__ == "__main__":
    main()
