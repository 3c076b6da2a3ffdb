"""`python -m bench [--quick]`: measure the service against its limit and the baseline, and write
docs/benchmarks.md."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from . import feedcost, instant
from .child import ROOT
from .report import Setup, render, verdicts
from .runs import Plan, Repetition, mode_name, multi_viewer, repetition
from .samples import Sample, make_samples

log = logging.getLogger("bench")
STOCK_READ_AHEAD = 30.0  # seconds: a player's cache as the issue measures it


def _plan(args: argparse.Namespace) -> Plan:
    if args.quick:
        return Plan(seconds=40.0, repetitions=1, before_seek=8.0, after_seek=5.0,
                    viewers=4, join_window=8.0, viewer_play=12.0)
    return Plan(repetitions=args.repetitions)


def _measure(plan: Plan, samples: list[Sample], work: Path) -> list[Repetition]:
    """Every repetition of every sample, repetitions outermost so drift spreads evenly."""
    reps: list[Repetition] = []
    for n in range(plan.repetitions):
        for sample in samples:
            mode = mode_name(plan)
            log.info("%s: repetition %d/%d, %s", mode, n + 1, plan.repetitions, sample.label)
            folder = work / f"{mode.replace(' ', '').replace(',', '-')}-{n}-{sample.kind}"
            rep = repetition(sample, folder, plan, turn=n)
            log.info("  limit %.2f/%.2f s; %s", rep.limits.startup, rep.limits.seek,
                     "; ".join(f"{name} {m.startup:.2f}/{m.seek:.2f} s, {m.stalls} stalls"
                               for name, m in rep.clients.items()))
            reps.append(rep)
    return reps


def _measure_stock(plan: Plan, samples: list[Sample], args: argparse.Namespace,
                   work: Path) -> list[Repetition]:
    """The stock swarm with every competitor: both MP4s (the issue's media), the player's
    30 s read-ahead; the delayed mode as many repetitions (its bar is on medians too)."""
    stock = replace(plan, stock=True, read_ahead=STOCK_READ_AHEAD)
    mp4s = [s for s in samples if s.kind in ("mp4", "mp4-faststart")]
    reps = _measure(stock, mp4s, work)
    if not args.no_delay:
        reps += _measure(replace(stock, rtt=args.rtt_ms / 1000), mp4s, work)
    return reps


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="for development: 40 s media, 1 repetition, 4 viewers")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--kinds", nargs="+", choices=["mp4", "mp4-faststart", "mkv"],
                        default=["mp4", "mp4-faststart", "mkv"])
    parser.add_argument("--swarms", nargs="+", choices=["own", "stock"], default=["own", "stock"],
                        help="own: SwarmPlayer's peers handed over; stock: unmodified seeders "
                             "behind a tracker, with the competitors")
    parser.add_argument("--no-multi", action="store_true", help="skip the multi-viewer run")
    parser.add_argument("--rtt-ms", type=float, default=40.0,
                        help="round trip of the delayed mode (one repetition, faststart MP4)")
    parser.add_argument("--no-delay", action="store_true", help="skip the delayed mode")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--no-instant", action="store_true",
                        help="skip the instant-start run (bench/instant.py)")
    parser.add_argument("--no-feedcost", action="store_true",
                        help="skip the feed parsing cost (bench/feedcost.py)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench: %(message)s")
    plan = _plan(args)
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="swarmplayer-bench-"))
    try:
        log.info("making %g s of media in %s", plan.seconds, work)
        samples = [s for s in make_samples(work / "media", plan.seconds)
                   if s.kind in args.kinds]
        reps: list[Repetition] = []
        if "own" in args.swarms:
            reps += _measure(plan, samples, work)
            if not args.no_delay:
                # One repetition of one medium keeps `make bench` within 20 minutes; the
                # faststart MP4, because the baseline needs the whole moov-at-end one before
                # its first frame.
                delayed = replace(plan, rtt=args.rtt_ms / 1000, repetitions=1)
                reps += _measure(delayed, [s for s in samples if s.kind == "mp4-faststart"],
                                 work)
        if "stock" in args.swarms:
            reps += _measure_stock(plan, samples, args, work)
        multi = None
        if not args.no_multi and "own" in args.swarms:
            log.info("multi-viewer: %d viewers", plan.viewers)
            multi = multi_viewer(samples[0], work / "multi", plan)
        starts = [] if args.no_instant else instant.run(samples, work, instant.REPETITIONS)
        costs = None if args.no_feedcost else feedcost.run(work, feedcost.REPETITIONS)
        setup = Setup(plan, time.monotonic() - began)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(render(setup, reps, multi, starts, costs), encoding="utf-8")
        log.info("wrote %s in %.1f min", args.output, (time.monotonic() - began) / 60)
        for v in (verdicts(reps, multi) + instant.verdicts(starts)
                  + (feedcost.verdicts(costs) if costs else [])):
            log.info("%-55s %8.2f %s", v.name, v.value, "met" if v.met else "MISSED")
    finally:
        if args.keep:
            log.info("work folder kept: %s", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
