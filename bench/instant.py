"""Instant start: a prefetched video's first frame next to a cold start of the same file.

One service process and one capped swarm per medium; each repetition, in an order that turns:
- **cold**: the torrent is added with nothing on disk, and the play request (POST
  /api/v1/torrents) → ffmpeg's first decoded frame from the stream URL is timed;
- **prefetched**: the torrent is added and its head prefetched (POST …/prefetch, as a feed
  subscription does for a new episode, until it is ready), then the same play request → first
  frame is timed;
- **local**: ffmpeg's own time on a local copy of the file over HTTP (bench/decode.py).
Between trials the torrent is removed with its files, so every cold start is cold.
The bar (issue 15): prefetched ≤ 0.3 × cold, and ≤ local + 0.2 s; both taken pair by pair within
a repetition, then their median.

    python -m bench.instant [--quick]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .calc import Verdict, median, turned
from .decode import first_frame, local_decode
from .samples import LABELS, PIECE_SIZE, Sample, make_samples
from .swarm import Seeder, ServiceClient

log = logging.getLogger("bench.instant")

RATIO_BAR = 0.3  # prefetched ÷ cold
EXCESS_BAR = 0.2  # prefetched − the decoder on a local copy, seconds
REPETITIONS = 3
# The swarm of the streaming bench (bench/runs.py): 8 + 4 Mbit/s of capped seeders.
SEEDER_RATES = (1_000_000, 500_000)
READY_TIMEOUT = 120.0
API_TIMEOUT = 30.0
_POLL = threading.Event()  # never set: the pace of reading the prefetch's progress


@dataclass(frozen=True)
class Trial:
    """One repetition: seconds from the play request to the first frame, and the decoder's
    own time on a local copy, all in the same minute."""

    cold: float
    prefetched: float
    local: float


@dataclass(frozen=True)
class Summary:
    """A medium's trials and what the bar reads from them."""

    kind: str
    trials: tuple[Trial, ...]

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)

    def median_of(self, name: str) -> float:
        return _median([getattr(t, name) for t in self.trials])

    @property
    def ratio(self) -> float:
        """Median over repetitions of prefetched ÷ cold."""
        # A NaN (failed) cold start stays NaN and is left out; a zero one meets no bar.
        return _median([math.inf if t.cold <= 0 else t.prefetched / t.cold
                        for t in self.trials])

    @property
    def excess(self) -> float:
        """Median over repetitions of prefetched − local, seconds."""
        return _median([t.prefetched - t.local for t in self.trials])


def _median(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return median(kept) if kept else math.nan


def verdicts(summaries: Sequence[Summary]) -> list[Verdict]:
    """Issue 15's instant-start bar, two lines per medium."""
    out: list[Verdict] = []
    for s in summaries:
        out.append(Verdict(f"instant start: prefetched / cold, {s.label}", s.ratio, RATIO_BAR))
        out.append(Verdict(f"instant start: prefetched − decoder on a local copy (s), {s.label}",
                           s.excess, EXCESS_BAR))
    return out


def render(summaries: Sequence[Summary]) -> list[str]:
    """The docs/benchmarks.md section: how it was measured, the medians, the ratios."""
    if not summaries:
        return []
    reps = min(len(s.trials) for s in summaries)
    lines = [
        "", "### Instant start (a prefetched head; bench/instant.py)", "",
        "One service, a swarm of two seeders capped at 8 and 4 Mbit/s; per repetition, in an "
        "order that turns: **cold** = the torrent added with nothing on disk, play request → "
        "ffmpeg's first frame from the stream URL; **prefetched** = the torrent added and its "
        "head prefetched (`POST …/prefetch`, as a subscription does for a new episode) until "
        "ready, then the same play request → first frame; **local** = ffmpeg on a local copy "
        "over HTTP. The torrent is removed with its files between trials. "
        f"{reps} repetition(s); medians, and ratios pair by pair, then their median.", "",
        "| media | cold s | prefetched s | local decoder s | prefetched ÷ cold "
        "| prefetched − local s |",
        "|---|---|---|---|---|---|",
    ]
    for s in summaries:
        lines.append(f"| {s.label} | {_fmt(s.median_of('cold'))} "
                     f"| {_fmt(s.median_of('prefetched'))} | {_fmt(s.median_of('local'))} "
                     f"| {_fmt(s.ratio)} | {_fmt(s.excess)} |")
    return lines


def _fmt(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


class _Api:
    """The few calls of the service's HTTP API this bench makes."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=API_TIMEOUT) as reply:
            raw = reply.read()
        return json.loads(raw) if raw else None

    def play(self, torrent: Path, peers: list[str]) -> dict[str, Any]:
        return dict(self.call("POST", "/api/v1/torrents",
                              {"source": str(torrent), "peers": peers}))

    def remove(self, info_hash: str) -> None:
        self.call("DELETE", f"/api/v1/torrents/{info_hash}?files=true")

    def wait_prefetched(self, info_hash: str) -> dict[str, Any]:
        self.call("POST", f"/api/v1/torrents/{info_hash}/prefetch", {})
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            job = self.call("GET", f"/api/v1/torrents/{info_hash}")["prefetch"] or {}
            if job.get("state") == "failed":
                raise RuntimeError(f"the prefetch failed: {job.get('error')}")
            if job.get("ready"):
                return dict(job)
            # Not the measurement: the prefetch's progress, read as the add-on's dialog does.
            _POLL.wait(0.1)
        raise RuntimeError(f"the prefetch was not ready within {READY_TIMEOUT:g} s")


def _cold(api: _Api, sample: Sample, peers: list[str], cache: Path) -> float:
    if any(p.is_file() for p in cache.rglob("*")):
        raise RuntimeError(f"files left in {cache}: the cold start would not be cold")
    began = time.perf_counter()
    added = api.play(sample.torrent, peers)
    first_frame(added["stream_url"])
    seconds = time.perf_counter() - began
    api.remove(added["info_hash"])
    return seconds


def _prefetched(api: _Api, sample: Sample, peers: list[str]) -> float:
    info_hash = api.play(sample.torrent, peers)["info_hash"]
    api.wait_prefetched(info_hash)
    began = time.perf_counter()
    added = api.play(sample.torrent, peers)
    first_frame(added["stream_url"])
    seconds = time.perf_counter() - began
    api.remove(info_hash)
    return seconds


def measure(sample: Sample, work: Path, repetitions: int) -> Summary:
    """`repetitions` trials of one medium on a fresh service and swarm."""
    seeders = [Seeder(sample.torrent, sample.path.parent, rate) for rate in SEEDER_RATES]
    data_dir = work / f"instant-{sample.kind}"
    service = ServiceClient(data_dir)
    try:
        peers = [s.address for s in seeders]
        api = _Api(service.url)
        trials = []
        for n in range(repetitions):
            got: dict[str, float] = {}
            for name in turned(("cold", "prefetched", "local"), n):
                if name == "cold":
                    got[name] = _cold(api, sample, peers, data_dir / "cache")
                elif name == "prefetched":
                    got[name] = _prefetched(api, sample, peers)
                else:
                    got[name] = local_decode(sample.path, PIECE_SIZE).seconds
            trial = Trial(**got)
            log.info("instant start, %s %d/%d: cold %.2f s, prefetched %.2f s, local %.2f s",
                     sample.label, n + 1, repetitions, trial.cold, trial.prefetched,
                     trial.local)
            trials.append(trial)
    finally:
        service.stop()
        for s in seeders:
            s.stop()
    return Summary(sample.kind, tuple(trials))


def run(samples: Sequence[Sample], work: Path, repetitions: int = REPETITIONS) -> list[Summary]:
    return [measure(s, work, repetitions) for s in samples]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instant",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="for development: 30 s of media, the moov-at-end MP4 only")
    parser.add_argument("--repetitions", type=int, default=REPETITIONS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench: %(message)s")
    work = Path(tempfile.mkdtemp(prefix="swarmplayer-instant-"))
    try:
        samples = make_samples(work / "media", 30.0 if args.quick else 120.0)
        if args.quick:
            samples = [s for s in samples if s.kind == "mp4"]
        summaries = run(samples, work, args.repetitions)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(render(summaries)))
    failed = [v for v in verdicts(summaries) if not v.met]
    for v in verdicts(summaries):
        print(f"{v.name}: {v.value:.2f} (bar ≤ {v.target:g}) {'met' if v.met else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
