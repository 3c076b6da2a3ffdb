"""`python -m bench.peer TORRENT DATA_DIR [--upload-rate B/s]`: one seeder of the swarm.

Seeds the data in DATA_DIR with every peer in the global peer class, so its cap holds on
127.0.0.1; answers `stats` on stdin (bench.child).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from swarmplayer.demo.swarm import Peer

from .child import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peer")
    parser.add_argument("torrent", type=Path)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--upload-rate", type=int, default=0, help="bytes/s, 0 = unlimited")
    parser.add_argument("--host", default="127.0.0.1", help="the loopback address to listen on")
    args = parser.parse_args()
    peer = Peer(args.torrent.read_bytes(), args.data_dir, upload_rate=args.upload_rate,
                host=args.host)

    def stats() -> dict[str, Any]:
        s = peer.handle.status()
        return {"uploaded": s.all_time_upload, "downloaded": s.all_time_download,
                "seeding": s.is_seeding}

    try:
        serve({"port": peer.port}, {"stats": stats})
    finally:
        peer.close()


if __name__ == "__main__":
    main()
