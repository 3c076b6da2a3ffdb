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
from .decode import DecodeFailed, LocalDecode, first_frame, local_decode
from .delay import DelayRelay
from .meter import Meter
from .player import play
from .samples import PIECE_SIZE, Sample
from .swarm import BaselineClient, Client, Seeder, ServiceClient, name_origin

log = logging.getLogger(__name__)

ORIGIN_RATE = 1_000_000  # bytes/s: 8 Mbit/s
EXTRA_RATE = 500_000  # 4 Mbit/s
# The origin listens on an address of its own, as a publisher's seeder has on the internet: the
# torrent names it (`origin`), and a client can tell it apart from the other peers only so.
ORIGIN_HOST = "127.0.0.2"
# Before the first byte: TCP connect, BitTorrent handshake, bitfield/interested → unchoke,
# request → first block. After a seek the connections are up: request → first block.
STARTUP_ROUND_TRIPS = 4
SEEK_ROUND_TRIPS = 1

NAN = float("nan")


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


@dataclass
class Repetition:
    kind: str
    mode: str  # the network: "loopback" or the added round trip
    limits: Limits
    service: Measured
    baseline: Measured


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
    return Limits(
        startup=calc.physical_limit(len(start.pieces), PIECE_SIZE, capacity, rtt,
                                    STARTUP_ROUND_TRIPS, start.seconds),
        seek=calc.physical_limit(seek_pieces, PIECE_SIZE, capacity, rtt, SEEK_ROUND_TRIPS,
                                 seek.seconds),
        startup_pieces=len(start.pieces), seek_pieces=seek_pieces,
        decoder_startup=start.seconds, decoder_seek=seek.seconds, rtt=rtt,
    ), seek


def measure(make_client: Callable[[Path], Client], sample: Sample, workdir: Path,
            plan: Plan, seek_offset: int) -> Measured:
    """Fresh swarm, fresh client: startup, playback, seek, playback, then the counters."""
    result = Measured()
    seeders: list[Seeder] = []
    relays: list[DelayRelay] = []
    client: Client | None = None
    try:
        seeders = [Seeder(sample.torrent, sample.path.parent, ORIGIN_RATE, ORIGIN_HOST),
                   Seeder(sample.torrent, sample.path.parent, EXTRA_RATE)]
        if plan.rtt:
            relays = [DelayRelay(s.port, plan.rtt, s.host).start() for s in seeders]
        peers = [f"{r.host}:{r.port}" for r in relays] or [s.address for s in seeders]
        torrent = name_origin(sample.torrent, peers[0], workdir / "named" / sample.torrent.name)
        client = make_client(workdir)
        meter = Meter(client.pid)
        began = time.perf_counter()
        url = client.play(torrent, peers)
        first_frame(url)
        result.startup = time.perf_counter() - began
        before = play(url, 0, sample.rate, plan.before_seek)
        began = time.perf_counter()
        first_frame(url, seek=sample.duration / 2)
        result.seek = time.perf_counter() - began
        after = play(url, seek_offset, sample.rate, plan.after_seek)
        result.stalls = before.stalls + after.stalls
        result.stalled = before.stalled_seconds + after.stalled_seconds
        downloaded = client.downloaded()
        origin = seeders[0].uploaded()
        footprint = meter.stop()
        result.offload = 1 - origin / downloaded if downloaded else NAN
        result.origin_mb = origin / 1e6
        result.peak_rss_mb = footprint.peak_rss / 2**20
        result.cpu_seconds = footprint.cpu_seconds
    except (DecodeFailed, ChildError, OSError, RuntimeError) as exc:
        result.error = str(exc)[:300]
        log.error("%s run failed: %s", sample.kind, result.error)
    finally:
        if client is not None:
            client.stop()
        for relay in relays:
            relay.stop()
        for seeder in seeders:
            seeder.stop()
    return result


def repetition(sample: Sample, workdir: Path, plan: Plan) -> Repetition:
    """The limit, then the service and the baseline side by side, each on its own fresh swarm
    (the caps are per swarm; the two clients share only the CPU, which neither comes near
    filling: running them one after the other would not fit `make bench` in 15 minutes)."""
    rtt = plan.rtt
    if not rtt:
        probe = Seeder(sample.torrent, sample.path.parent, ORIGIN_RATE)
        try:
            rtt = loopback_rtt(probe.port)
        finally:
            probe.stop()
    run_limits, seek = limits(sample, rtt)
    with ThreadPoolExecutor(max_workers=2) as pool:
        service = pool.submit(measure, ServiceClient, sample, workdir / "service", plan,
                              seek.last_offset)
        baseline = pool.submit(measure, BaselineClient, sample, workdir / "baseline", plan,
                               seek.last_offset)
        return Repetition(sample.kind, mode_name(plan), run_limits, service.result(),
                          baseline.result())


def mode_name(plan: Plan) -> str:
    return f"{plan.rtt * 1000:g} ms RTT" if plan.rtt else "loopback"


def multi_viewer(sample: Sample, workdir: Path, plan: Plan) -> MultiViewer:
    """Viewers of the service join within the window, the origin capped at twice the bitrate;
    each connects to the origin and to every viewer before it."""
    result = MultiViewer(plan.viewers, sample.size / 1e6)
    origin = Seeder(sample.torrent, sample.path.parent, int(2 * sample.rate), ORIGIN_HOST)
    torrent = name_origin(sample.torrent, origin.address, workdir / "named" / sample.torrent.name)
    ports = [_free_port() for _ in range(plan.viewers)]
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


def _free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (the viewers must know each other's)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def finite(values: list[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)]
