"""Search on a small box: every indexer asked at once, their answers read outside the service.

Self-contained: starts `swarmplayer serve` as a child process on 127.0.0.1 and a Torznab
indexer stand-in (bench/torznab.py). Three figures, medians of --runs searches through the API:
- concurrency: indexers answering 5 releases after --delay s each: 3 of them as a ratio to 1
  (1.0 when asked at once, 3.0 one after the other);
- reading: 3 indexers answering --items releases at once: the search's time per release (the
  feed worker's guessit dominates);
- memory: the service's own RSS before the first search and after the last, as a ratio (the
  answers are parsed in the worker, a process of its own).
Prints a markdown table, every figure measured in this run. Takes about a minute.

    PYTHONPATH=service python3 bench/search.py [--runs 5] [--delay 1.0] [--items 100]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "service")]

from bench.serve import ServeProcess, write_config  # noqa: E402
from bench.torznab import TorznabServer, torznab_answer, torznab_item  # noqa: E402


def answer(items: int) -> bytes:
    """A Torznab answer of `items` releases of one show, three qualities an episode."""
    qualities = ("720p.HDTV.x264-A", "1080p.WEB.h264-B", "2160p.WEB.h265-C")
    return torznab_answer(*(
        torznab_item(f"Bench.Show.S01E{n // 3 + 1:02d}.{qualities[n % 3]}",
                     f"magnet:?xt=urn:btih:{n:040x}&dn=x", seeders=1000 - n,
                     info_hash=f"{n:040x}") for n in range(items)))


def call(url: str, method: str, path: str, body: Any = None) -> Any:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        reply = conn.getresponse()
        got = json.loads(reply.read() or b"null")
        if reply.status >= 400:
            raise SystemExit(f"{method} {path}: {reply.status} {got}")
        return got
    finally:
        conn.close()


def timed_searches(url: str, runs: int, query: str = "") -> list[float]:
    seconds = []
    for run in range(runs):
        began = time.monotonic()
        # Another text each run: the same search again is read from what the indexers said
        # (search/searcher.py, KEPT_SECONDS); the stand-in answers every text alike.
        found = call(url, "GET", f"/api/v1/search?q=Bench+Show+{run}" + query)
        seconds.append(time.monotonic() - began)
        assert not found["errors"], found["errors"]
    return seconds


def add(url: str, indexers: TorznabServer, name: str, **behaviour: Any) -> int:
    indexers.add(name, **behaviour)
    made = call(url, "POST", "/api/v1/indexers",
                {"url": f"{indexers.base}/{name}/", "api_key": indexers.key, "name": name})
    return int(made["id"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=1.0, help="each indexer's answer time")
    parser.add_argument("--items", type=int, default=100, help="releases in each answer")
    args = parser.parse_args()
    indexers = TorznabServer()
    with tempfile.TemporaryDirectory(prefix="swarmplayer-bench-search-") as tmp:
        folder = Path(tmp)
        config = write_config(folder / "config.toml", {
            "data_dir": str(folder / "state"), "http_host": "127.0.0.1", "http_port": 0,
            "listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
            "enable_upnp": False, "enable_natpmp": False, "discovery": False})
        service = ServeProcess(config)
        service.launch()
        try:
            url = service.wait_url(60)
            if not url:
                raise SystemExit("the service did not start:\n" + service.output(30))
            ps = psutil.Process(service.pid)
            rss_before = ps.memory_info().rss
            slow = [add(url, indexers, n, results=answer(5), delay=args.delay)
                    for n in ("a", "b", "c")]
            one = statistics.median(timed_searches(url, args.runs, f"&indexer={slow[0]}"))
            three = statistics.median(timed_searches(url, args.runs))
            for indexer_id in slow:
                call(url, "DELETE", f"/api/v1/indexers/{indexer_id}")
            for name in ("d", "e", "f"):
                add(url, indexers, name, results=answer(args.items))
            big = statistics.median(timed_searches(url, args.runs))
            rss_after = ps.memory_info().rss
        finally:
            service.stop(60)
            indexers.close()
    print(f"Search through the API, median of {args.runs} searches each\n")
    print("| figure | measured | ratio |\n| --- | --- | --- |")
    print(f"| 1 indexer answering in {args.delay:g} s | {one:.2f} s | 1.00 |")
    print(f"| 3 indexers answering in {args.delay:g} s each | {three:.2f} s | "
          f"{three / one:.2f} × 1 indexer (3.00 if asked one after the other) |")
    print(f"| 3 indexers answering {args.items} releases each at once | {big:.2f} s | "
          f"{1000 * big / (3 * args.items):.1f} ms a release |")
    print(f"| service RSS before / after {3 * args.runs} searches | "
          f"{rss_before / 2**20:.1f} / {rss_after / 2**20:.1f} MiB | "
          f"{rss_after / rss_before:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
