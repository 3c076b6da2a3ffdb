"""Feed parsing cost: the CPU (user + sys) of a poll as the service runs it, fetched over HTTP
from 127.0.0.1, parsed and named in the worker process (feedparser, guessit), stored in SQLite
and matched against a subscription. Three polls a repetition, in an order that turns:
- **first**: a feed of 500 items (250 episodes in 1080p and 720p), every one new;
- **next**: the same feed with one item replaced by a new one (499 known), another ETag;
- **one item**: a feed of that new item alone: the new item's own work, with the worker's fixed
  cost (interpreter, feedparser) in it;
- **mixed**: a feed of 500 items, the newest episode of 250 shows in 1080p and 720p, every one
  new (a site's feed of everything new, where no two names share a shape: guessit reads each).
The bar (issue 15): first ≤ 2 s of CPU; next ≈ one item's work (≤ 1.5 × the one-item poll).
The mixed poll has no bar: it shows what a name costs guessit.

    python -m bench.feedcost [--repetitions 3]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from swarmplayer.feeds.library import _rules
from swarmplayer.feeds.match import pick
from swarmplayer.feeds.poller import Poller
from swarmplayer.feeds.store import FeedStore
from swarmplayer.store import Store

from .calc import Verdict, median, turned
from .feedsite import Answer, FeedServer, document, episode_items

ITEMS = 500
CPU_LIMIT = 2.0  # seconds of CPU for the first poll of ITEMS items (issue 15)
NEXT_BAR = 1.5  # the next poll ÷ the one-item poll
POLLS = ("first", "next", "one item", "mixed")
REPETITIONS = 3


@dataclass(frozen=True)
class Poll:
    """The CPU seconds of one poll: the worker's, and the polling thread's own (fetch, store,
    match)."""

    worker: float
    service: float
    new: int  # releases the poll stored as new

    @property
    def total(self) -> float:
        return self.worker + self.service


@dataclass(frozen=True)
class Result:
    repetitions: tuple[dict[str, Poll], ...]

    def median_of(self, poll: str, figure: str = "total") -> float:
        return median([getattr(r[poll], figure) for r in self.repetitions])

    @property
    def next_ratio(self) -> float:
        """Median over repetitions of the next poll ÷ the one-item poll."""
        return median([r["next"].total / r["one item"].total if r["one item"].total > 0
                       else math.inf for r in self.repetitions])


def verdicts(result: Result) -> list[Verdict]:
    return [Verdict(f"feed of {ITEMS} items, first poll: CPU s (parse worker + store + match)",
                    result.median_of("first"), CPU_LIMIT),
            Verdict(f"next poll ({ITEMS - 1} known, 1 new) / a poll of that one item",
                    result.next_ratio, NEXT_BAR)]


def render(result: Result) -> list[str]:
    lines = [
        "", "### Feed parsing cost (bench/feedcost.py)", "",
        f"A poll as the service runs it, CPU seconds (user + sys), medians of "
        f"{len(result.repetitions)}: **first** = a feed of {ITEMS} items, all new; **next** = "
        f"the same with one item new ({ITEMS - 1} known: not named again); **one item** = a "
        f"feed of that item alone; **mixed** = a feed of {ITEMS} items of {ITEMS // 2} shows, all "
        "new (no bar: guessit reads every name, ~9 ms each). Worker = the parse process "
        "(feedparser, guessit); service = the polling thread (fetch, SQLite, subscription "
        "match).", "",
        "| poll | worker CPU s | service CPU s | total s | new releases |",
        "|---|---|---|---|---|",
    ]
    for poll in POLLS:
        lines.append(f"| {poll} | {result.median_of(poll, 'worker'):.2f} "
                     f"| {result.median_of(poll, 'service'):.2f} "
                     f"| {result.median_of(poll, 'total'):.2f} "
                     f"| {result.median_of(poll, 'new'):.0f} |")
    return lines


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _poll(poller: Poller, feeds: FeedStore, feed_id: int) -> Poll:
    """One poll on this thread; the worker is the only child process it starts."""
    children, own = _cpu_children(), time.thread_time()
    poller.poll(feed_id)
    worker, service = _cpu_children() - children, time.thread_time() - own
    row = feeds.feed(feed_id)
    if row["state"] != "ok":
        raise RuntimeError(f"the poll failed: {row['error']}")
    return Poll(worker, service, int(row["new_items"]))


def _answer(body: bytes) -> Answer:
    return 200, {"Content-Type": "application/rss+xml"}, body


def repetition(site: FeedServer, work: Path, turn: int) -> dict[str, Poll]:
    """The three polls on a fresh database, in the order of this turn."""
    store = Store(work / f"feeds-{turn}.db")
    feeds = FeedStore(store)
    poller = Poller(feeds, lambda episodes, _started, _first: _match(feeds, episodes))
    old = episode_items(f"Bench Show {turn}", ITEMS // 2)
    new = episode_items(f"Bench Show {turn}", ITEMS // 2 + 1)[-1]
    mixed = [item for n in range(ITEMS // 2)
             for item in episode_items(f"Bench Show {turn} {n}", n % 40 + 1)[-2:]]
    paths = {"first": f"/{turn}/feed.xml", "next": f"/{turn}/feed.xml",
             "one item": f"/{turn}/one.xml", "mixed": f"/{turn}/mixed.xml"}
    site.answers[paths["first"]] = _answer(document("Bench", old))
    site.answers[paths["one item"]] = _answer(document("Bench", [new]))
    site.answers[paths["mixed"]] = _answer(document("Bench", mixed))
    ids = {}
    for poll, path in paths.items():
        ids[poll], _ = feeds.add_feed(site.url + path, None, 15)
        feeds.add_subscription({"feed_id": ids[poll], "qualities": ["720p"], "backfill": 0,
                                "action": "prefetch"})
    ids["next"] = ids["first"]
    got: dict[str, Poll] = {}
    # "next" needs "first" before it: the turn rotates the one-item poll around the pair.
    order = [p for p in turned(POLLS, turn) if p != "next"]
    for poll in order:
        got[poll] = _poll(poller, feeds, ids[poll])
        if poll == "first":
            site.answers[paths["next"]] = _answer(document("Bench", [*old[1:], new]))
            got["next"] = _poll(poller, feeds, ids["next"])
    store.close()
    return got


def _match(feeds: FeedStore, episodes: list[int]) -> None:
    """What Library.on_new_episodes does for new episodes, up to the pick: the engine's add of
    the picked release is no part of parsing."""
    for episode_id in episodes:
        for sub in feeds.subscriptions_for(episode_id):
            pick(feeds.releases(episode_id), _rules(sub))
            break


def run(work: Path, repetitions: int) -> Result:
    site = FeedServer()
    try:
        return Result(tuple(repetition(site, work, n) for n in range(repetitions)))
    finally:
        site.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.feedcost",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=REPETITIONS)
    parser.add_argument("--json", action="store_true", help="the polls' figures as JSON too")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="swarmplayer-feedcost-"))
    try:
        result = run(work, args.repetitions)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(render(result)))
    if args.json:
        print(json.dumps([{k: vars(v) for k, v in r.items()} for r in result.repetitions]))
    found = verdicts(result)
    for v in found:
        print(f"{v.name}: {v.value:.2f} (bar ≤ {v.target:g}) {'met' if v.met else 'MISSED'}")
    return 0 if all(v.met for v in found) else 1


if __name__ == "__main__":
    sys.exit(main())
