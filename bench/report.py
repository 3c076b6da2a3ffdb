"""docs/benchmarks.md from the runs: setup, table, ratios, the bar, the date."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from swarmplayer.engine import lt

from . import feedcost, instant
from .calc import Verdict, best_ratio, median, ratios, tick_waits
from .runs import (
    EXTRA_RATE,
    LEECHER_RATE,
    ORIGIN_HOST,
    ORIGIN_RATE,
    SEEK_TICK_STEPS,
    STARTUP_TICK_STEPS,
    STOCK_TICK,
    Measured,
    MultiViewer,
    Plan,
    Repetition,
    finite,
)
from .samples import LABELS, PIECE_SIZE

NOTES = Path(__file__).with_name("NOTES.md")

STARTUP_BAR = 1.3
SEEK_BAR = 1.8
OFFLOAD_BAR = 0.7
RSS_BAR_MB = 60.0
ORIGIN_COPIES_BAR = 3.0
# The stock swarm's bar (issue 14).
STOCK_STARTUP_BAR = 1.5
STOCK_SEEK_BAR = 2.0
COLD_VS_BEST_BAR = 0.8
SEEK_VS_BEST_BAR = 0.6
COMPETITORS = ("naive deadlines", "peerflix", "webtorrent", "baseline")


@dataclass(frozen=True)
class Setup:
    plan: Plan
    duration: float  # the whole benchmark, seconds


def _med(values: Sequence[float]) -> float:
    kept = finite(list(values))
    return median(kept) if kept else math.nan


def _fmt(value: float, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def _column(runs: Sequence[Measured], name: str) -> list[float]:
    return [float(getattr(m, name)) for m in runs]


def _pair_ratio(reps: Sequence[Repetition], measured: str, reference: str) -> float:
    """Median of measured/reference over repetitions where both exist (same run, same pair)."""
    num = [_value(r, measured) for r in reps]
    den = [_value(r, reference) for r in reps]
    pairs = [(n, d) for n, d in zip(num, den, strict=True) if not (math.isnan(n) or math.isnan(d))]
    if not pairs:
        return math.nan
    return median(ratios([p[0] for p in pairs], [p[1] for p in pairs]))


def _value(rep: Repetition, path: str) -> float:
    """"limits.seek", "service.startup", "service, cold.startup": a figure of a repetition."""
    owner, name = path.rsplit(".", 1)
    if owner == "limits":
        return float(getattr(rep.limits, name))
    measured = rep.clients.get(owner)
    return float(getattr(measured, name)) if measured is not None else math.nan


def vs_best(reps: Sequence[Repetition], client: str, figure: str) -> float:
    """Median over repetitions of the client's figure ÷ the best competitor's in that one.

    A competitor faster than the run's limit had the data already (a sequential client that
    downloaded past the seek): no competition for fetching it, so it is left out."""
    found = []
    for r in reps:
        limit = _value(r, f"limits.{figure}")
        times = [_value(r, f"{c}.{figure}") for c in COMPETITORS]
        found.append(best_ratio(_value(r, f"{client}.{figure}"),
                                [t for t in times if not t < limit]))
    kept = finite(found)
    return median(kept) if kept else math.nan


def _stock(mode: str) -> bool:
    return mode.startswith("stock")


def groups(reps: Sequence[Repetition]) -> list[tuple[str, list[Repetition]]]:
    """The runs by network mode and media, labelled, in a stable order."""
    out = []
    for mode in dict.fromkeys(r.mode for r in reps):
        for kind, label in LABELS.items():
            mine = [r for r in reps if r.kind == kind and r.mode == mode]
            if mine:
                out.append((label if mode == "loopback" else f"{label}, {mode}", mine))
    return out


def verdicts(reps: Sequence[Repetition], multi: MultiViewer | None) -> list[Verdict]:
    """The bar of issue 4, line by line."""
    out: list[Verdict] = []
    for label, mine in groups(reps):
        if _stock(mine[0].mode):
            out += [
                Verdict(f"play request → first frame / limit, {label}",
                        _pair_ratio(mine, "service.startup", "limits.startup"),
                        STOCK_STARTUP_BAR),
                Verdict(f"cold play → first frame / best competitor, {label}",
                        vs_best(mine, "service, cold", "startup"), COLD_VS_BEST_BAR),
                Verdict(f"seek / limit, {label}",
                        _pair_ratio(mine, "service.seek", "limits.seek"), STOCK_SEEK_BAR),
                Verdict(f"seek / best competitor, {label}", vs_best(mine, "service", "seek"),
                        SEEK_VS_BEST_BAR),
                # The same bars against what the seeders' protocol allows (runs.STOCK_TICK).
                Verdict(f"play request → first frame / limit with the seeders' ticks, {label}",
                        _pair_ratio(mine, "service.startup", "limits.startup_ticks"),
                        STOCK_STARTUP_BAR),
                Verdict(f"seek / limit with the seeders' ticks, {label}",
                        _pair_ratio(mine, "service.seek", "limits.seek_ticks"),
                        STOCK_SEEK_BAR)]
            continue
        out.append(Verdict(f"startup / limit, {label}",
                           _pair_ratio(mine, "service.startup", "limits.startup"), STARTUP_BAR))
        out.append(Verdict(f"seek / limit, {label}",
                           _pair_ratio(mine, "service.seek", "limits.seek"), SEEK_BAR))
    service = [m for r in reps for name, m in r.clients.items() if name.startswith("service")]
    failed = sum(1 for m in service if m.error)
    out.append(Verdict("stalls, all runs (failed runs count as stalls)",
                       sum(m.stalls for m in service) + failed, 0))
    if any(not _stock(r.mode) for r in reps):  # the stock swarm's origin feeds a leecher too
        out.append(Verdict("offload, single client, median",
                           _med(_column(service, "offload")), OFFLOAD_BAR,
                           higher_is_better=True))
    out.append(Verdict("service peak RSS (MB), worst run",
                       max(finite(_column(service, "peak_rss_mb")), default=math.nan),
                       RSS_BAR_MB))
    out.append(Verdict("service CPU / baseline CPU, median of pairs",
                       _pair_ratio(reps, "service.cpu_seconds", "baseline.cpu_seconds"), 1.0))
    if multi is not None:
        out.append(Verdict(f"multi-viewer stalls ({multi.viewers} viewers)",
                           # a viewer that did not finish playing counts as a stall
                           sum(multi.stalls) + multi.viewers - len(multi.stalls), 0))
        out.append(Verdict("multi-viewer origin upload (copies of the file)",
                           multi.origin_copies, ORIGIN_COPIES_BAR))
        out.append(Verdict("multi-viewer offload (other viewers have the data)", multi.offload,
                           OFFLOAD_BAR, higher_is_better=True))
    return out


def _ffmpeg_version() -> str:
    try:
        done = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True,
                              timeout=10, check=False)
    except OSError:
        return "?"
    return done.stdout.split("\n", 1)[0].replace("ffmpeg version ", "").split(" ")[0]


def render(setup: Setup, reps: Sequence[Repetition], multi: MultiViewer | None,
           starts: Sequence[instant.Summary] = (), costs: feedcost.Result | None = None) -> str:
    plan = setup.plan
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Streaming benchmarks",
        "",
        f"Generated by `make bench` (`python -m bench`) on {now}; the whole run took "
        f"{setup.duration / 60:.1f} min. Do not edit by hand: run it again.",
        "",
        "## Setup",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, libtorrent {'.'.join(map(str, lt.VERSION))}, "
        f"ffmpeg {_ffmpeg_version()}.",
        "- Network: 127.0.0.1. The delayed mode adds a round trip between the client and each "
        "seeder with a user-space relay (bench/delay.py: each byte held half the round trip "
        "each way, a new connection held one round trip): this kernel has no sch_netem, nor "
        "any other qdisc that delays, so network namespaces alone could not add the delay.",
        f"- Swarm, fresh for every run: an origin seeder capped at {ORIGIN_RATE * 8 / 1e6:g} "
        f"Mbit/s upload, an extra seeder capped at {EXTRA_RATE * 8 / 1e6:g} Mbit/s, and the "
        "client under test starting empty; each in its own process, every peer in libtorrent's "
        f"global peer class so the caps hold on loopback; DHT, LSD, UPnP and NAT-PMP off. The "
        f"origin listens on {ORIGIN_HOST} (its own address, as a publisher's seeder has) and "
        "the torrent both clients get names it (`origin`, as `make-tstream --origin` writes).",
        "- **Stock swarm**, fresh for every run: Debian's opentracker on 127.0.0.1 (a "
        "whitelist of the run's torrent; its default 30 min announce interval), the origin's "
        f"place taken by a plain libtorrent session ({ORIGIN_RATE * 8 / 1e6:g} Mbit/s: its "
        "default settings_pack with only `upload_rate_limit`, listening on 127.0.0.1, several "
        "connections per IP since every peer has that one, local peers in the global peer "
        "class so the cap holds; bench/stockpeer.py), the extra seeder's by Debian's "
        f"transmission-daemon {EXTRA_RATE * 8 / 1e6:g} Mbit/s (its own config folder, "
        "`speed-limit-up` in settings.json, RPC on 127.0.0.1, DHT, LPD, uTP and port "
        "forwarding off, all else its defaults), and a leecher, another plain libtorrent "
        f"session uploading at most {LEECHER_RATE * 8 / 1e6:g} Mbit/s, started with the "
        "client. Every client gets the torrent with the tracker in it and no peers: peers are "
        "found through the tracker. The torrent names no origin. Clients there: the service "
        "timed from the play request with the service running (**service**) and from "
        "`swarmplayer play --prebuffer 0` with no service running (**service, cold**); "
        "**naive deadlines**: the baseline with a deadline on the 8 pieces from each read "
        "(bench/baseline.py `--deadlines 8`); **peerflix** 0.39.0 and **webtorrent** "
        "(webtorrent-cli 4.1.0) from npm (bench/package.json), neither with a flag to turn "
        "DHT off (no network here: DHT finds nobody); the baseline. Every competitor is timed "
        "from its process's start, as the cold service is. Two at a time, the order turning "
        "each repetition; the player model reads 30 s ahead there. The delayed mode's relays "
        "sit between every pair of peers there: a front to the tracker hands out each peer's "
        "relay instead of the peer.",
        f"- Media: {plan.seconds:g} s of 1280x720 H.264 + AAC at about 4 Mbit/s, made by "
        "ffmpeg for the run: an MP4 with the moov atom at the end (ffmpeg's default), the same "
        f"with +faststart, and an MKV; {PIECE_SIZE // 1024} KiB pieces.",
        "- Clients: the SwarmPlayer service (`python -m swarmplayer serve`), and the baseline: "
        "a plain libtorrent session in sequential-download mode with a naive HTTP file server "
        "that sends bytes from disk once their pieces are there (bench/baseline.py). The two "
        "run side by side, each with its own swarm, so a repetition's pair shares its minute.",
        f"- Per run: **startup** = asked to play → ffmpeg decodes the first video frame; after "
        f"{plan.before_seek:g} s of playback, **seek** = a fresh ffmpeg at 50 % → that frame "
        f"decodes; then {plan.after_seek:g} s more playback. **Stalls**: a player model "
        "reading the stream at the media's pace (1 s buffered to start, 10 s read-ahead) over "
        "both playback windows. **Offload**: share of the client's payload not uploaded by the "
        "origin; **origin MB**: what the origin uploaded. **RSS/CPU**: peak resident memory and "
        "CPU seconds of the client process from play to the end of the run.",
        "- **Limit** of a run: the pieces ffmpeg reads before its first frame (after the seek: "
        "those not already read at startup) × piece size ÷ the swarm's capped capacity "
        f"({(ORIGIN_RATE + EXTRA_RATE) * 8 / 1e6:g} Mbit/s), plus connection set-up round trips "
        "(4 at startup, 1 after the seek) × the measured RTT, plus ffmpeg's own time doing the "
        "same on a local copy over HTTP in the same run. The pieces come from logging the byte "
        "ranges ffmpeg reads from that local copy.",
        f"- {plan.repetitions} repetition(s); figures are medians, ratios are taken pair by "
        "pair within a repetition, then their median.",
        "",
        "## Results",
        "",
        "| media | client | startup s | ×limit | seek s | ×limit | stalls | stalled s "
        "| offload | origin MB | peak RSS MB | CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, mine in groups(reps):
        limit_startup = _med([r.limits.startup for r in mine])
        limit_seek = _med([r.limits.seek for r in mine])
        lines.append(
            f"| {label} | limit | {_fmt(limit_startup)} | | {_fmt(limit_seek)} | | | | | | | |")
        for who in mine[0].clients:
            runs = [r.clients[who] for r in mine]
            lines.append(
                f"| {label} | {who} | {_fmt(_med(_column(runs, 'startup')))} "
                f"| {_fmt(_pair_ratio(mine, who + '.startup', 'limits.startup'))} "
                f"| {_fmt(_med(_column(runs, 'seek')))} "
                f"| {_fmt(_pair_ratio(mine, who + '.seek', 'limits.seek'))} "
                f"| {sum(m.stalls for m in runs)} | {_fmt(sum(m.stalled for m in runs), 1)} "
                f"| {_fmt(_med(_column(runs, 'offload')))} "
                f"| {_fmt(_med(_column(runs, 'origin_mb')), 1)} "
                f"| {_fmt(_med(_column(runs, 'peak_rss_mb')), 1)} "
                f"| {_fmt(_med(_column(runs, 'cpu_seconds')))} |")
    lines += ["", "Stalls and stalled seconds are totals over the repetitions.", "",
              "### Limits in detail (medians)", "",
              "| media | pieces before 1st frame | ffmpeg local s | pieces after seek "
              "| ffmpeg local s (seek) | RTT ms |", "|---|---|---|---|---|---|"]
    for label, group in groups(reps):
        mine = [r.limits for r in group]
        if mine:
            lines.append(
                f"| {label} | {_fmt(_med([m.startup_pieces for m in mine]), 0)} "
                f"| {_fmt(_med([m.decoder_startup for m in mine]))} "
                f"| {_fmt(_med([m.seek_pieces for m in mine]), 0)} "
                f"| {_fmt(_med([m.decoder_seek for m in mine]))} "
                f"| {_fmt(_med([m.rtt * 1000 for m in mine]), 3)} |")
    lines += ["", "### Service ÷ baseline (median of pairs)", "",
              "| media | startup | seek | CPU |", "|---|---|---|---|"]
    for label, mine in groups(reps):
        if mine:
            lines.append(
                f"| {label} | {_fmt(_pair_ratio(mine, 'service.startup', 'baseline.startup'))} "
                f"| {_fmt(_pair_ratio(mine, 'service.seek', 'baseline.seek'))} "
                f"| {_fmt(_pair_ratio(mine, 'service.cpu_seconds', 'baseline.cpu_seconds'))} |")
    stock = [(label, mine) for label, mine in groups(reps) if _stock(mine[0].mode)]
    if stock:
        lines += ["", "### Stock swarm: the service ÷ the best competitor (median of "
                  "repetitions; the best of naive deadlines, peerflix, webtorrent and the "
                  "baseline in each, leaving out one faster than the limit: it had the data)",
                  "",
                  "| media | play request → first frame | cold play → first frame | seek |",
                  "|---|---|---|---|"]
        for label, mine in stock:
            lines.append(f"| {label} | {_fmt(vs_best(mine, 'service', 'startup'))} "
                         f"| {_fmt(vs_best(mine, 'service, cold', 'startup'))} "
                         f"| {_fmt(vs_best(mine, 'service', 'seek'))} |")
        lines += ["", "### Stock swarm: the limit with the seeders' ticks (medians)", "",
                  f"The stock seeders send, protocol messages included, once per "
                  f"{STOCK_TICK * 1000:g} ms tick of their rate limiter. This limit adds the "
                  f"expected waits for their ticks: {STARTUP_TICK_STEPS} answers before the "
                  f"first block ({tick_waits(STARTUP_TICK_STEPS, STOCK_TICK):g} s), "
                  f"{SEEK_TICK_STEPS} after a seek ({tick_waits(SEEK_TICK_STEPS, STOCK_TICK):g} "
                  "s).", "",
                  "| media | startup limit + ticks s | service ×limit + ticks "
                  "| seek limit + ticks s | service ×limit + ticks |", "|---|---|---|---|---|"]
        for label, mine in stock:
            lines.append(
                f"| {label} | {_fmt(_med([r.limits.startup_ticks for r in mine]))} "
                f"| {_fmt(_pair_ratio(mine, 'service.startup', 'limits.startup_ticks'))} "
                f"| {_fmt(_med([r.limits.seek_ticks for r in mine]))} "
                f"| {_fmt(_pair_ratio(mine, 'service.seek', 'limits.seek_ticks'))} |")
    if multi is not None:
        lines += [
            "", "### Multi-viewer", "",
            f"{multi.viewers} service processes join within {plan.join_window:g} s of each "
            f"other (MP4, moov at end), each connecting to the origin (capped at twice the "
            f"video bitrate) and to the viewers before it, and plays {plan.viewer_play:g} s.",
            "",
            f"- viewers that played: {len(multi.stalls)} of {multi.viewers}; stalls per viewer: "
            f"{multi.stalls}; stalled seconds: {[round(s, 1) for s in multi.stalled]}",
            f"- startup per viewer (s): {[round(s, 2) for s in multi.startups]}",
            f"- origin upload: {_fmt(multi.origin_copies)} copies of the "
            f"{multi.file_mb:.0f} MB file; offload {_fmt(multi.offload)}",
        ]
        lines += [f"- {e}" for e in multi.errors]
    lines += instant.render(starts) + (feedcost.render(costs) if costs else [])
    lines += ["", "## The bar", "", "| target | value | bar | met |", "|---|---|---|---|"]
    for v in (verdicts(reps, multi) + instant.verdicts(starts)
              + (feedcost.verdicts(costs) if costs else [])):
        sign = "≥" if v.higher_is_better else "≤"
        lines.append(f"| {v.name} | {_fmt(v.value)} | {sign} {v.target:g} "
                     f"| {'yes' if v.met else '**no**'} |")
    errors = [f"{r.kind} ({r.mode}) {who}: {m.error}" for r in reps
              for who, m in r.clients.items() if m.error]
    if errors:
        lines += ["", "### Failed runs", ""] + [f"- {e}" for e in errors]
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"
