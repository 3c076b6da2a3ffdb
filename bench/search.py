"""Search on a small box: every indexer asked at once, their answers read outside the service.

Self-contained: starts `swarmplayer serve` as a child process on 127.0.0.1 and a Torznab
indexer stand-in (bench/torznab.py) whose indexers answer each search after --delay seconds
with --items releases. Times searches through the API with 1 and then 3 indexers (median of
--runs each): the 3-indexer time as a ratio to the 1-indexer time (1.0 when asked at once, 3.0
one after the other); and the service's own RSS before the first search and after the last (the
answers are parsed in the feed worker, a process of its own), as a ratio. Prints a markdown
table, every figure measured in this run. Takes about half a minute.

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


def timed_searches(url: str, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        began = time.monotonic()
        found = call(url, "GET", "/api/v1/search?q=Bench+Show")
        seconds.append(time.monotonic() - began)
        assert not found["errors"], found["errors"]
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=1.0, help="each indexer's answer time")
    parser.add_argument("--items", type=int, default=100, help="releases in each answer")
    args = parser.parse_args()
    indexers = TorznabServer(lambda: answer(args.items))
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
            for name in ("a", "b", "c"):
                indexers.add(name, delay=args.delay)
            call(url, "POST", "/api/v1/indexers",
                 {"url": f"{indexers.base}/a/", "api_key": indexers.key})
            rss_before = ps.memory_info().rss
            one = timed_searches(url, args.runs)
            for name in ("b", "c"):
                call(url, "POST", "/api/v1/indexers",
                     {"url": f"{indexers.base}/{name}/", "api_key": indexers.key,
                      "name": name})
            three = timed_searches(url, args.runs)
            rss_after = ps.memory_info().rss
        finally:
            service.stop(60)
            indexers.close()
    one_s, three_s = statistics.median(one), statistics.median(three)
    print(f"Search: {args.items} releases an indexer, each answering in {args.delay:g} s, "
          f"median of {args.runs} searches\n")
    print("| figure | measured | ratio |\n| --- | --- | --- |")
    print(f"| search, 1 indexer | {one_s:.2f} s | 1.00 |")
    print(f"| search, 3 indexers | {three_s:.2f} s | {three_s / one_s:.2f} × 1 indexer "
          f"(3.00 if asked one after the other) |")
    print(f"| service RSS before / after {2 * args.runs} searches | "
          f"{rss_before / 2**20:.1f} / {rss_after / 2**20:.1f} MiB | "
          f"{rss_after / rss_before:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
