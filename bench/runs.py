"""A measured run of a client on a fresh swarm, the limit of that run, the multi-viewer run."""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import calc
from .child import ChildError
from .clients import ColdService, NaiveClient, Peerflix, ProcessBaseline, WebTorrent
from .decode import DecodeFailed, LocalDecode, first_frame, local_decode
from .delay import DelayRelay
from .meter import Meter
from .player import READ_AHEAD_SECONDS, play
from .samples import PIECE_SIZE, Sample
from .stock import StockSwarm, free_port
from .swarm import BaselineClient, Client, Seeder, ServiceClient, name_origin

log = logging.getLogger(__name__)

ORIGIN_RATE = 1_000_000  # bytes/s: 8 Mbit/s
EXTRA_RATE = 500_000  # 4 Mbit/s
LEECHER_RATE = 500_000  # the stock swarm's leecher uploads at most 4 Mbit/s
# The origin listens on an address of its own, as a publisher's seeder has on the internet: the
# torrent names it (`origin`), and a client can tell it apart from the other peers only so.
ORIGIN_HOST = "127.0.0.2"
# Before the first byte: TCP connect, BitTorrent handshake, bitfield/interested → unchoke,
# request → first block. After a seek the connections are up: request → first block.
STARTUP_ROUND_TRIPS = 4
SEEK_ROUND_TRIPS = 1
# The stock swarm's seeders send, protocol messages included, only on their rate limiter's
# tick: libtorrent's default tick_interval and transmission's bandwidth period, both 500 ms.
# Before the first block three answers wait for one (handshake; extension handshake and
# unchoke; the blocks), after a seek one (the blocks): bench/NOTES.md has the trace.
STOCK_TICK = 0.5
STARTUP_TICK_STEPS = 3
SEEK_TICK_STEPS = 1

NAN = float("nan")
CLIENTS: dict[str, Callable[[Path], Client]] = {
    "service": ServiceClient, "baseline": BaselineClient}
# On the stock swarm: the service timed from the play request (running already) and from
# `swarmplayer play` with none running, and the competitors, each timed from its own start.
STOCK_CLIENTS: dict[str, Callable[[Path], Client]] = {
    "service": ServiceClient, "service, cold": ColdService, "naive deadlines": NaiveClient,
    "peerflix": Peerflix, "webtorrent": WebTorrent, "baseline": ProcessBaseline}


@dataclass(frozen=True)
class Plan:
    """How much to measure: the defaults fit `make bench` in 15 minutes on 2 cores."""

    seconds: float = 120.0  # media length
    repetitions: int = 3
    before_seek: float = 20.0  # seconds of playback before the seek
    after_seek: float = 5.0
    viewers: int = 8
    join_window: float = 30.0
    viewer_play: float = 20.0
    rtt: float = 0.0  # added round trip between client and seeders (bench.delay); 0: loopback
    read_ahead: float = READ_AHEAD_SECONDS  # the player model's cache
    stock: bool = False  # the stock swarm (bench.stock) instead of SwarmPlayer's own peers


@dataclass
class Measured:
    """One client in one repetition; NaN figures and an error when it failed."""

    startup: float = NAN
    seek: float = NAN
    stalls: int = 0
    stalled: float = 0.0
    offload: float = NAN
    origin_mb: float = NAN
    peak_rss_mb: float = NAN
    cpu_seconds: float = NAN
    error: str = ""


@dataclass(frozen=True)
class Limits:
    startup: float
    seek: float
    startup_pieces: int
    seek_pieces: int
    decoder_startup: float
    decoder_seek: float
    rtt: float
    # The same with the stock seeders' ticks waited for (STOCK_TICK): what their protocol allows.
    startup_ticks: float = NAN
    seek_ticks: float = NAN


@dataclass
class Repetition:
    kind: str
    mode: str  # the swarm and network: "loopback", "stock, 40 ms RTT", …
    limits: Limits
    clients: dict[str, Measured]  # by client name (CLIENTS, STOCK_CLIENTS), in table order

    @property
    def service(self) -> Measured:
        return self.clients["service"]

    @property
    def baseline(self) -> Measured:
        return self.clients["baseline"]


@dataclass
class MultiViewer:
    viewers: int
    file_mb: float
    stalls: list[int] = field(default_factory=list)
    stalled: list[float] = field(default_factory=list)
    startups: list[float] = field(default_factory=list)
    origin_copies: float = NAN
    offload: float = NAN
    errors: list[str] = field(default_factory=list)


def loopback_rtt(port: int, tries: int = 5) -> float:
    """Median TCP connect time to a local port: one round trip."""
    times = []
    for _ in range(tries):
        began = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            times.append(time.perf_counter() - began)
    return calc.median(times)


def limits(sample: Sample, rtt: float) -> tuple[Limits, LocalDecode]:
    """This run's physical limit for startup and seek, from ffmpeg on a local copy."""
    start = local_decode(sample.path, PIECE_SIZE)
    seek = local_decode(sample.path, PIECE_SIZE, seek=sample.duration / 2)
    capacity = ORIGIN_RATE + EXTRA_RATE
    # After the seek the header and index are there already: only new pieces cost transfer.
    seek_pieces = len(seek.pieces - start.pieces)
    startup = calc.physical_limit(len(start.pieces), PIECE_SIZE, capacity, rtt,
                                  STARTUP_ROUND_TRIPS, start.seconds)
    after_seek = calc.physical_limit(seek_pieces, PIECE_SIZE, capacity, rtt, SEEK_ROUND_TRIPS,
                                     seek.seconds)
    return Limits(
        startup=startup, seek=after_seek,
        startup_ticks=startup + calc.tick_waits(STARTUP_TICK_STEPS, STOCK_TICK),
        seek_ticks=after_seek + calc.tick_waits(SEEK_TICK_STEPS, STOCK_TICK),
        startup_pieces=len(start.pieces), seek_pieces=seek_pieces,
        decoder_startup=start.seconds, decoder_seek=seek.seconds, rtt=rtt,
    ), seek


class OwnSwarm:
    """Today's swarm: SwarmPlayer's own peers as seeders, handed to the client; the torrent
    names the origin (the delayed mode puts a relay before each seeder)."""

    def __init__(self, sample: Sample, workdir: Path, plan: Plan) -> None:
        self.seeders: list[Seeder] = []
        self.relays: list[DelayRelay] = []
        try:
            self.seeders = [Seeder(sample.torrent, sample.path.parent, ORIGIN_RATE, ORIGIN_HOST),
                            Seeder(sample.torrent, sample.path.parent, EXTRA_RATE)]
            if plan.rtt:
                self.relays = [DelayRelay(s.port, plan.rtt, s.host).start()
                               for s in self.seeders]
            self.peers = ([f"{r.host}:{r.port}" for r in self.relays]
                          or [s.address for s in self.seeders])
            self.torrent = name_origin(sample.torrent, self.peers[0],
                                       workdir / "named" / sample.torrent.name)
        except BaseException:
            self.stop()
            raise

    def start_leecher(self) -> None:
        """This swarm has none."""

    def origin_uploaded(self) -> int:
        return self.seeders[0].uploaded()

    def stop(self) -> None:
        for relay in self.relays:
            relay.stop()
        for seeder in self.seeders:
            seeder.stop()


class TrackedSwarm:
    """The stock swarm (bench.stock) as a run sees it: no peers handed over."""

    def __init__(self, sample: Sample, workdir: Path, plan: Plan) -> None:
        self.peers: list[str] = []
        self.swarm = StockSwarm(sample.torrent, sample.path.parent, workdir / "swarm",
                                ORIGIN_RATE, EXTRA_RATE, LEECHER_RATE, rtt=plan.rtt)
        self.torrent = self.swarm.torrent
        self.start_leecher = self.swarm.start_leecher
        self.origin_uploaded = self.swarm.origin_uploaded
        self.stop = self.swarm.stop


def open_swarm(sample: Sample, workdir: Path, plan: Plan) -> OwnSwarm | TrackedSwarm:
    return TrackedSwarm(sample, workdir, plan) if plan.stock else OwnSwarm(sample, workdir, plan)


def measure(make_client: Callable[[Path], Client], sample: Sample, workdir: Path,
            plan: Plan, seek_offset: int) -> Measured:
    """Fresh swarm, fresh client: startup, playback, seek, playback, then the counters."""
    result = Measured()
    swarm: OwnSwarm | TrackedSwarm | None = None
    client: Client | None = None
    try:
        swarm = open_swarm(sample, workdir, plan)
        client = make_client(workdir / "client")
        # A client that is its own process from `play` on is metered once it exists.
        meter = Meter(client.pid) if client.pid else None
        began = time.perf_counter()
        swarm.start_leecher()
        url = client.play(swarm.torrent, swarm.peers)
        meter = meter or Meter(client.pid)
        first_frame(url)
        result.startup = time.perf_counter() - began
        before = play(url, 0, sample.rate, plan.before_seek, read_ahead=plan.read_ahead)
        began = time.perf_counter()
        first_frame(url, seek=sample.duration / 2)
        result.seek = time.perf_counter() - began
        after = play(url, seek_offset, sample.rate, plan.after_seek,
                     read_ahead=plan.read_ahead)
        result.stalls = before.stalls + after.stalls
        result.stalled = before.stalled_seconds + after.stalled_seconds
        downloaded = client.downloaded()
        origin = swarm.origin_uploaded()
        footprint = meter.stop()
        # On the stock swarm the origin feeds the leecher too: no client's offload.
        result.offload = 1 - origin / downloaded if downloaded and not plan.stock else NAN
        result.origin_mb = origin / 1e6
        result.peak_rss_mb = footprint.peak_rss / 2**20
        result.cpu_seconds = footprint.cpu_seconds
    except (DecodeFailed, ChildError, OSError, RuntimeError) as exc:
        result.error = str(exc)[:300]
        log.error("%s run failed: %s", sample.kind, result.error)
    finally:
        if client is not None:
            client.stop()
        if swarm is not None:
            swarm.stop()
    return result


def repetition(sample: Sample, workdir: Path, plan: Plan, turn: int = 0) -> Repetition:
    """The limit, then every client of the swarm, two at a time, each on its own fresh swarm
    (the caps are per swarm; two clients share only the CPU, which neither comes near filling:
    one after the other would not fit `make bench` in 20 minutes). The order turns by one each
    repetition (`turn`), so no client always runs first or always beside the same one."""
    rtt = plan.rtt
    if not rtt:
        probe = Seeder(sample.torrent, sample.path.parent, ORIGIN_RATE)
        try:
            rtt = loopback_rtt(probe.port)
        finally:
            probe.stop()
    run_limits, seek = limits(sample, rtt)
    clients = STOCK_CLIENTS if plan.stock else CLIENTS
    names = list(clients)
    order = calc.turned(names, turn)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(measure, clients[name], sample,
                                     workdir / name.replace(" ", "").replace(",", "-"), plan,
                                     seek.last_offset) for name in order}
        return Repetition(sample.kind, mode_name(plan), run_limits,
                          {name: futures[name].result() for name in names})


def mode_name(plan: Plan) -> str:
    network = f"{plan.rtt * 1000:g} ms RTT" if plan.rtt else "loopback"
    return f"stock, {network}" if plan.stock else network


def multi_viewer(sample: Sample, workdir: Path, plan: Plan) -> MultiViewer:
    """Viewers of the service join within the window, the origin capped at twice the bitrate;
    each connects to the origin and to every viewer before it."""
    result = MultiViewer(plan.viewers, sample.size / 1e6)
    origin = Seeder(sample.torrent, sample.path.parent, int(2 * sample.rate), ORIGIN_HOST)
    torrent = name_origin(sample.torrent, origin.address, workdir / "named" / sample.torrent.name)
    ports = [free_port() for _ in range(plan.viewers)]
    peers = [f"127.0.0.1:{port}" for port in ports]
    clients: list[ServiceClient] = []
    lock = threading.Lock()
    try:
        for i, port in enumerate(ports):
            clients.append(ServiceClient(workdir / f"viewer{i}", bt_port=port))
        began = time.monotonic()
        gap = plan.join_window / max(plan.viewers - 1, 1)

        def view(i: int) -> None:
            threading.Event().wait(max(began + i * gap - time.monotonic(), 0))
            try:
                t0 = time.perf_counter()
                url = clients[i].play(torrent, [origin.address, *peers[:i]])
                first_frame(url)
                startup = time.perf_counter() - t0
                watched = play(url, 0, sample.rate, plan.viewer_play)
                with lock:
                    result.startups.append(startup)
                    result.stalls.append(watched.stalls)
                    result.stalled.append(watched.stalled_seconds)
            except (DecodeFailed, ChildError, OSError, RuntimeError) as exc:
                with lock:
                    result.errors.append(f"viewer {i}: {str(exc)[:200]}")

        threads = [threading.Thread(target=view, args=(i,)) for i in range(plan.viewers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        uploaded = origin.uploaded()
        downloaded = sum(c.downloaded() for c in clients if c.info_hash)
        result.origin_copies = uploaded / sample.size
        result.offload = 1 - uploaded / downloaded if downloaded else NAN
    finally:
        for client in clients:
            client.stop()
        origin.stop()
    return result


def finite(values: list[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)]
