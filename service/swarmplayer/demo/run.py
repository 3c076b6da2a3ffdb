"""`swarmplayer demo`: the service plus a local swarm seeding the bundled sample as a .tstream.

Everything stays on loopback: an origin seeder capped like a publisher's uplink, on 127.0.0.2 and
named in the .tstream (so the service spares it once its buffer is full), and one more peer on
127.0.0.1, run with the project's own code; the service streams from them like from any swarm.
Once the sample plays, the service subscribes to the demo feed of a made-up show (feed.py).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TextIO

from ..config import Config
from ..engine import lt
from ..engine.tstream import with_origins
from ..playback import ApiClient, PlayResult, play
from ..supervisor import Service
from ..tstream_maker import make_tstream_file
from .feed import SHOW, DemoFeed
from .swarm import Peer

SAMPLE = Path(__file__).with_name("sample.mp4")
PIECE_SIZE = 64 * 1024
ORIGIN_UPLOAD = 250_000  # bytes/s: about twice the sample's bitrate
PEER_UPLOAD = 125_000
ORIGIN_HOST = "127.0.0.2"  # an address of its own, as a publisher's seeder has
# The demo never touches the internet, whatever the config says.
OFFLINE = dict(enable_dht=False, enable_lsd=False, enable_upnp=False, enable_natpmp=False,
               discovery=False, listen_interfaces="127.0.0.1:0", local_peers_rate_limited=True)


def run_demo(config: Config, *, once: bool = False, player: str | None = None,
             out: TextIO = sys.stdout) -> PlayResult:
    """Start swarm and service, stream the sample; keep serving until a signal unless `once`."""
    config = Config.from_mapping(OFFLINE, source="demo", base=config)
    work = Path(config.data_dir) / "demo"
    seed_dir = work / "origin"
    seed_dir.mkdir(parents=True, exist_ok=True)
    video = seed_dir / SAMPLE.name
    if not video.exists():
        shutil.copyfile(SAMPLE, video)
    tstream = make_tstream_file(video, work / "sample.tstream", piece_size=PIECE_SIZE)
    data = tstream.read_bytes()
    peer_dir = work / "peer"
    peer_dir.mkdir(exist_ok=True)
    if not (peer_dir / SAMPLE.name).exists():
        shutil.copyfile(SAMPLE, peer_dir / SAMPLE.name)
    origin = Peer(data, seed_dir, upload_rate=ORIGIN_UPLOAD, host=ORIGIN_HOST)
    extra = Peer(data, peer_dir, upload_rate=PEER_UPLOAD)
    # Its address is known once it listens; naming it leaves the info-hash as it is.
    tstream.write_bytes(lt.bencode(with_origins(lt.bdecode(data), [origin.address])))
    feed = DemoFeed(data, video, origin)
    service = Service(config).start()
    try:
        # A fresh stream each run: forget what an earlier demo downloaded.
        for info_hash in service.engine.info_hashes():
            if service.engine.status(info_hash).source == str(tstream.resolve()):
                service.engine.remove(info_hash)
        out.write(f"demo swarm: origin {origin.address} (capped {ORIGIN_UPLOAD * 8 // 1000} "
                  f"kbit/s, spared once the buffer is full), peer {extra.address} (capped "
                  f"{PEER_UPLOAD * 8 // 1000} kbit/s)\n")
        out.write(f"service: {service.url}\n")
        out.write(f"phone remote: {service.url}/ (pair it with `swarmplayer pair`)\n")
        api = ApiClient(service.url)
        result = play(api, str(tstream), peers=[origin.address, extra.address], player=player,
                      out=out)
        # After the first frame, so that the episodes' heads do not slow the sample's start.
        feed.subscribe(api)
        out.write(f"demo feed: {feed.url} (the show \"{SHOW}\", subscribed: its episodes' "
                  "heads are prefetched; see it in the add-on or on the phone)\n")
        if not once:
            out.write("serving; open the stream URL in a player. Ctrl-C stops.\n")
            out.flush()
            service.run_until_signal()
        return result
    finally:
        service.stop()
        feed.close()
        origin.close()
        extra.close()
