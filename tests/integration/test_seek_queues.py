"""A seek's request queues on a real swarm: short (two blocks per peer) only when the peers that
can send are SwarmPlayer's own, which send at a fine grain; the usual queue towards a stock
libtorrent seeder, whose rate limiter sends once per 500 ms tick. A stream's deadlines reach
further ahead when such a seeder can send. And peers handed over at an add are dialled at once,
not at libtorrent's next one-second upkeep."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libtorrent
from support import PIECE_SIZE, SEED_RATE, missing_piece, wait_until

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt, tstream
from swarmplayer.engine.pieces import TICKED_URGENT_SECONDS, URGENT_SECONDS
from swarmplayer.engine.settings import PEER_FINGERPRINT, REQUEST_QUEUE_TIME, SEEK_TICK_MS
from swarmplayer.supervisor import Service


class StockSeeder:
    """A plain libtorrent session seeding the data: libtorrent's defaults (its own peer id,
    500 ms tick) but for listening on 127.0.0.1 with DHT, LSD, UPnP and NAT-PMP off, and an
    upload cap that holds on loopback (its peers in the global class)."""

    def __init__(self, torrent: bytes, save_path: Path, upload_rate: int) -> None:
        settings = libtorrent.default_settings()
        settings.update({"listen_interfaces": "127.0.0.1:0", "enable_dht": False,
                         "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                         "upload_rate_limit": upload_rate})
        self.session = libtorrent.session(settings)
        lt.classify_peers(self.session, local_limited=True)
        params = libtorrent.add_torrent_params()
        params.ti = libtorrent.torrent_info(torrent)
        params.save_path = str(save_path)
        params.flags |= libtorrent.torrent_flags.seed_mode
        self.handle = self.session.add_torrent(params)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.session.listen_port()}"

    def close(self) -> None:
        self.session.pause()


def applied(service: Service) -> tuple[int, int]:
    """The session's tick and request queue time now: what the engine decided."""
    held = service.engine.session_settings()
    return held["tick_interval"], held["request_queue_time"]


def seek_queue_time(service: Service, info_hash: str, seeders: list[Any], movie: Path) -> int:
    """Seek to a piece the service lacks while the seeders hold back, and return the request
    queue time the engine applied for that seek."""
    wait_until(lambda: service.engine.status(info_hash).seeds == len(seeders), 10,
               "both seeders' bitfields at the service")
    head = service.engine.open_stream(info_hash)
    assert b"".join(head.iter_range(0, 100)) == movie.read_bytes()[:100]  # header read
    head.close()
    far = missing_piece(seeders[0].handle) * PIECE_SIZE + 1000
    for seeder in seeders:  # so that the seek waits while we look
        seeder.session.apply_settings({"upload_rate_limit": 1})
    fs = service.engine.open_stream(info_hash)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.extend(fs.iter_range(far, far + PIECE_SIZE)))
    reader.start()
    try:
        # Both come in one apply_settings: at the seek's tick, its queue time is decided.
        seeking = wait_until(lambda: (now := applied(service))[0] == SEEK_TICK_MS and now, 10,
                             "the seek's settings")
    finally:
        for seeder in seeders:
            seeder.session.apply_settings({"upload_rate_limit": SEED_RATE})
        reader.join(60)
        fs.close()
    assert b"".join(got) == movie.read_bytes()[far:far + PIECE_SIZE]
    return seeking[1]


def movie_torrent(tmp_path: Path) -> tuple[Path, bytes]:
    movie = tmp_path / "media" / "movie.mkv"
    movie.parent.mkdir()
    movie.write_bytes(os.urandom(6 << 20))  # 12 s at both seeders' rate
    return movie, lt.bencode(lt.make_torrent(str(movie), piece_size=PIECE_SIZE))


def seeded_movie(service: Service, tmp_path: Path, peers: list[Any],
                 stock: bool) -> tuple[str, Path]:
    """A movie added to the service with two seeders connected: two of ours, or one of ours
    and a stock libtorrent session (`stock`). They join `peers`, which closes them."""
    movie, torrent = movie_torrent(tmp_path)
    peers.append(Peer(torrent, movie.parent, upload_rate=SEED_RATE))
    peers.append(StockSeeder(torrent, movie.parent, upload_rate=SEED_RATE) if stock
                 else Peer(torrent, movie.parent, upload_rate=SEED_RATE))
    info_hash, _ = service.engine.add_torrent_data(torrent, "movie.torrent")
    service.engine.connect_peers(info_hash, [p.address for p in peers])
    return info_hash, movie


def test_a_seek_keeps_short_queues_towards_two_of_our_peers(
        service: Service, tmp_path: Path, peers: list[Peer]):
    info_hash, movie = seeded_movie(service, tmp_path, peers, stock=False)
    assert seek_queue_time(service, info_hash, peers, movie) == 0
    wait_until(lambda: applied(service)[1] == REQUEST_QUEUE_TIME, 15,
               "request queues as they were once the seek caught up")


def test_a_seek_keeps_the_usual_queues_when_a_stock_seeder_can_send(
        service: Service, tmp_path: Path, peers: list[Peer | StockSeeder]):
    info_hash, movie = seeded_movie(service, tmp_path, peers, stock=True)
    assert seek_queue_time(service, info_hash, peers, movie) == REQUEST_QUEUE_TIME


def test_a_stock_peer_knows_us_by_our_own_client_code(
        service: Service, tmp_path: Path, peers: list[Peer | StockSeeder]):
    """Clients and trackers tell a peer's client by its id's code (and by the version string of
    the extension handshake once it comes): both must say SwarmPlayer, not another client."""
    seeded_movie(service, tmp_path, peers, stock=True)
    stock = peers[1]
    # Only connections past the handshake: PEX can make it dial our seeder meanwhile.
    seen = wait_until(lambda: [p for p in stock.handle.get_peer_info() if any(p.pid.to_bytes())],
                      10, "the service connected to the stock seeder")
    assert {p.pid.to_bytes()[:8] for p in seen} == {PEER_FINGERPRINT.encode()}
    assert {_text(p.client) for p in seen} <= {"SW 0.1.0", "SwarmPlayer/0.1"}


def _text(client: str | bytes) -> str:
    return client if isinstance(client, str) else client.decode("utf-8", "replace")


def urgency_while_streaming(service: Service, info_hash: str, seeders: list[Any]) -> float:
    """How far ahead the engine's upkeep sets a reader's deadlines once every seeder can send."""
    wait_until(lambda: service.engine.status(info_hash).seeds == len(seeders), 10,
               "the seeders' bitfields at the service")
    fs = service.engine.open_stream(info_hash)
    try:
        assert b"".join(fs.iter_range(0, 100))  # a reader that plays
        service.engine.tick()
        return service.engine._get(info_hash).scheduler.urgent_seconds  # the test's view
    finally:
        fs.close()


def test_deadlines_reach_further_when_a_stock_seeder_can_send(
        service: Service, tmp_path: Path, peers: list[Peer | StockSeeder]):
    info_hash, _ = seeded_movie(service, tmp_path, peers, stock=True)
    assert urgency_while_streaming(service, info_hash, peers) == TICKED_URGENT_SECONDS


def test_deadlines_stay_short_towards_our_own_peers(
        service: Service, tmp_path: Path, peers: list[Peer]):
    info_hash, _ = seeded_movie(service, tmp_path, peers, stock=False)
    assert urgency_while_streaming(service, info_hash, peers) == URGENT_SECONDS


def clips(folder: Path, count: int) -> list[bytes]:
    """Torrents of `count` small random files in `folder`."""
    folder.mkdir()
    made = []
    for n in range(count):
        clip = folder / f"clip{n}.mkv"
        clip.write_bytes(os.urandom(PIECE_SIZE * 4))
        made.append(lt.bencode(lt.make_torrent(str(clip), piece_size=PIECE_SIZE)))
    return made


def seeding(torrents: list[bytes], folder: Path, host: str = "127.0.0.1") -> Peer:
    """One peer seeding every torrent."""
    peer = Peer(torrents[0], folder, host=host)
    for torrent in torrents[1:]:
        peer.add(torrent, folder)
    return peer


def test_handed_over_peers_are_dialled_at_once(
        make_service: Callable[..., Service], tmp_path: Path, peers: list[Peer]):
    """libtorrent dials a connect_peer'd peer in its once-a-second upkeep: each add right after
    the last one's connection (made in an upkeep, or just after) would wait about a second."""
    torrents = clips(tmp_path / "media", 3)
    seeder = seeding(torrents, tmp_path / "media")
    peers.append(seeder)
    service = make_service()
    steps = []  # per add: (add, connect_peers, total) seconds, to say where a slow one waited
    for torrent in torrents:
        start = time.monotonic()
        info_hash, _ = service.engine.add_torrent_data(torrent, "clip.torrent")
        added = time.monotonic()
        service.engine.connect_peers(info_hash, [seeder.address])
        asked = time.monotonic()
        wait_until(lambda ih=info_hash: service.engine.status(ih).seeds, 10,
                   "the seeder connected")
        steps.append((added - start, asked - added, time.monotonic() - start))
    # Dialled in 5-22 ms on an idle machine; a second's upkeep would be 0.9 s or more for the
    # later two.
    assert max(total for _, _, total in steps[1:]) < 0.5, steps


def test_an_adds_origin_and_peers_are_dialled_together(
        service: Service, tmp_path: Path, peers: list[Peer]):
    """The origins a torrent names and the peers given with its add, in one dial: the first
    dial is the only one at once (a torrent with connections is not paused to dial)."""
    torrents = clips(tmp_path / "media", 2)
    origin = seeding(torrents, tmp_path / "media", host="127.0.0.2")
    other = seeding(torrents, tmp_path / "media")
    peers += [origin, other]
    first, _ = service.engine.add_torrent_data(torrents[0], "first.torrent",
                                               peers=[(origin.host, origin.port)])
    wait_until(lambda: service.engine.status(first).seeds, 10, "the first torrent's seeder")
    # A peer given to a torrent with a connection waits for libtorrent's upkeep: we are just
    # past one when it is in, with the longest wait ahead for a peer dialled in the upkeep.
    service.engine.connect_peers(first, [other.address])
    wait_until(lambda: service.engine.status(first).seeds == 2, 10, "the upkeep's dial")
    start = time.monotonic()
    named = lt.bencode(tstream.with_origins(lt.bdecode(torrents[1]), [origin.address]))
    second, _ = service.engine.add_torrent_data(named, "named.torrent",
                                                peers=[(other.host, other.port)])
    wait_until(lambda: service.engine.status(second).seeds == 2, 10, "both seeders")
    assert time.monotonic() - start < 0.5
