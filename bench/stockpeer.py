"""`python -m bench.stockpeer TORRENT DATA_DIR [--upload-rate B/s]`: an unmodified libtorrent
peer of the stock swarm, seeding DATA_DIR (or leeching into it with `--leech`).

libtorrent's default settings, and only what a loopback swarm needs besides its upload cap:
listening on 127.0.0.1, several connections from that one address (every peer has it), local
peers in the global peer class so the cap holds, and no DHT/LSD/UPnP/NAT-PMP (nothing to
reach). Peers come from the torrent's tracker. Answers `stats` on stdin (bench.child).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from swarmplayer.engine import lt

from .child import serve


def stock_session(upload_rate: int) -> Any:
    """A libtorrent session on defaults but for the loopback swarm's needs (above)."""
    session = lt.new_session({
        "listen_interfaces": "127.0.0.1:0",
        "allow_multiple_connections_per_ip": True,
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "upload_rate_limit": upload_rate,
    })
    lt.classify_peers(session, local_limited=True)
    return session


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stockpeer")
    parser.add_argument("torrent", type=Path)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--upload-rate", type=int, default=0, help="bytes/s, 0 = unlimited")
    parser.add_argument("--leech", action="store_true", help="start empty")
    args = parser.parse_args()
    session = stock_session(args.upload_rate)
    params = lt.AddTorrentParams()
    params.ti = lt.torrent_info(args.torrent.read_bytes())
    params.save_path = str(args.data_dir)
    params.flags &= ~lt.FLAG_AUTO_MANAGED & ~lt.FLAG_PAUSED
    if not args.leech:
        params.flags |= lt.FLAG_SEED_MODE  # the bench made the data: no need to hash it again
    handle = session.add_torrent(params)

    def stats() -> dict[str, Any]:
        s = handle.status()
        return {"uploaded": s.all_time_upload, "downloaded": s.all_time_download,
                "seeding": s.is_seeding, "peers": s.num_peers}

    try:
        serve({"port": session.listen_port()}, {"stats": stats})
    finally:
        session.pause()


if __name__ == "__main__":
    main()
