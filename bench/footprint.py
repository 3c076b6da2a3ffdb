"""The service's footprint on a small box: memory, CPU and disk writes while it streams.

Self-contained: it starts `swarmplayer serve` as a child process on 127.0.0.1, seeds a 4 Mbit/s
video from a local libtorrent peer, plays it over HTTP at its own pace for a minute, and measures
the child with psutil: RSS idle and while streaming, CPU seconds per minute of streaming, and
bytes written (its I/O counters' write_bytes) per byte downloaded. Prints a markdown table with
each figure as a ratio to its limit, all measured in this run. Takes about two minutes.

`--publish`: the box is a publisher too: it hashes a folder's video of the same size first
(`swarmplayer publish`; its RSS meanwhile is a row) and seeds it to a local peer, downloading
at the video's bitrate, while it streams.

With every feature on (`--remote --feeds 3`): discovery on, a phone page open on the live events,
and 3 feeds subscribed and polled every 10 s while streaming (each poll a parse worker). The
service's long-lived child processes, if any, count in its RSS; the short-lived parse workers
are reported on their own line. `--backend avahi` needs an avahi-daemon on the D-Bus system bus
($DBUS_SYSTEM_BUS_ADDRESS).

    PYTHONPATH=service python3 bench/footprint.py [--seconds 60] [--profile auto] [--remote]
        [--backend zeroconf|avahi|auto] [--feeds 3] [--publish]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "service")]

from bench.feedsite import FeedServer, growing  # noqa: E402
from bench.serve import ServeProcess, write_config  # noqa: E402
from swarmplayer.demo import video  # noqa: E402
from swarmplayer.demo.swarm import Peer  # noqa: E402
from swarmplayer.engine import lt  # noqa: E402

BITRATE = 4_000_000  # bits/s of the video
RSS_LIMIT = 60 << 20
CPU_LIMIT = 0.05  # of one core
WRITES_LIMIT = 1.10  # bytes written per byte downloaded: the data, and a little state
IDLE_SECONDS = 10.0
SAMPLE_EVERY = 1.0
CHUNK = 64 * 1024
POLL_EVERY = 10.0  # seconds between the refreshes of each subscribed feed
WORKER = "swarmplayer.feeds.worker"


@dataclass
class Samples:
    """What the sampler thread saw of the service process."""

    rss: list[int] = field(default_factory=list)
    # Anonymous memory (RSS less file-backed pages): libtorrent 2.0 maps the files it writes,
    # and their cached pages count in its RSS although the kernel drops them at will.
    anon: list[int] = field(default_factory=list)
    # The service with its long-lived child processes: what the box pays for it.
    total: list[int] = field(default_factory=list)
    # The short-lived feed parse workers, all at once.
    workers: list[int] = field(default_factory=list)

    @staticmethod
    def peak(values: list[int]) -> int:
        return max(values, default=0)

    @staticmethod
    def mean(values: list[int]) -> float:
        return sum(values) / len(values) if values else 0.0


class Service:
    """`python -m swarmplayer serve` on a loopback-only config, as the box would run it."""

    def __init__(self, folder: Path, profile: str, remote: bool = False,
                 backend: str = "auto") -> None:
        config = write_config(folder / "config.toml", {
            "data_dir": str(folder / "state"), "http_host": "127.0.0.1", "http_port": 0,
            "listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
            "enable_upnp": False, "enable_natpmp": False, "local_peers_rate_limited": True,
            "governor_profile": profile, "discovery": remote,
            "discovery_backend": backend})
        self.process = ServeProcess(config)
        self.process.launch()
        self.url = self.process.wait_url(60)
        if not self.url:
            self.process.kill()
            raise SystemExit("the service did not start:\n" + self.process.output(30))
        self.ps = psutil.Process(self.process.pid)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        host, port = self.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            payload = None if body is None else json.dumps(body).encode()
            conn.request(method, path, body=payload,
                         headers={"Content-Type": "application/json"} if payload else {})
            reply = conn.getresponse()
            data = reply.read()
            if reply.status >= 400:
                raise SystemExit(f"{method} {path}: {reply.status} {data[:300]!r}")
            return json.loads(data) if data else None
        finally:
            conn.close()

    def stop(self) -> float:
        """SIGTERM, as systemd stops it; returns the seconds it took to exit."""
        return self.process.stop(60)


def sample(ps: psutil.Process, into: Samples, stop: threading.Event) -> None:
    while not stop.wait(SAMPLE_EVERY):
        if not sample_now(ps, into):
            return


def sample_now(ps: psutil.Process, into: Samples) -> bool:
    """One look at the process's memory and its children's; False once it has ended."""
    try:
        memory = ps.memory_info()
        children = ps.children(recursive=True)
    except psutil.NoSuchProcess:
        return False
    into.rss.append(memory.rss)
    into.anon.append(memory.rss - memory.shared)
    kinds = {c: _kind(c, ps) for c in children}
    into.workers.append(sum(_rss(c) for c, kind in kinds.items() if kind == "worker"))
    into.total.append(memory.rss + sum(_rss(c) for c, kind in kinds.items()
                                       if kind == "helper"))
    return True


def _kind(child: psutil.Process, service: psutil.Process) -> str:
    """worker (a feed parse), helper (long-lived), or fork: a child between fork and exec
    still shows the service's own pages and command line, and is neither."""
    try:
        command = child.cmdline()
        if WORKER in command:
            return "worker"
        return "fork" if command == service.cmdline() else "helper"
    except psutil.Error:  # one that just ended
        return "fork"


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.Error:
        return 0


def poll_feeds(service: Service, site: FeedServer, count: int, stop: threading.Event) -> int:
    """Subscribe to `count` feeds, each one episode longer at every fetch, and have each
    refreshed every POLL_EVERY seconds until `stop`; the refreshes asked for."""
    ids = []
    for n in range(count):
        site.answers[f"/{n}.xml"] = growing(f"Bench Show {n}", 50)
        ids.append(service.api("POST", "/api/v1/feeds", {"url": f"{site.url}/{n}.xml"})["id"])
    # As a user does: the feed's shows appear, then they subscribe; each later poll has one
    # new episode, which the subscription prefetches (a magnet nobody seeds: it waits).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not stop.is_set() and any(
            service.api("GET", f"/api/v1/feeds/{i}")["state"] == "pending" for i in ids):
        stop.wait(0.2)
    for feed_id in ids:
        service.api("POST", "/api/v1/subscriptions", {"feed_id": feed_id,
                                                       "qualities": ["720p"]})
    asked = 0
    while not stop.wait(POLL_EVERY):
        for feed_id in ids:
            service.api("POST", f"/api/v1/feeds/{feed_id}/refresh")
            asked += 1
    return asked


def follow_page(service: Service, stop: threading.Event, seen: list[int]) -> None:
    """What an open phone page costs the service: its files once, then its live events."""
    host, port = service.url.removeprefix("http://").split(":")
    for path in ("/", "/static/app.js", "/static/app.css"):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("GET", path)
        conn.getresponse().read()
        conn.close()
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", "/api/v1/events")
        reply = conn.getresponse()
        while not stop.is_set():
            line = reply.readline()
            if not line:
                return
            if line.startswith(b"event:"):
                seen[0] += 1
    finally:
        conn.close()


def play(service: Service, info_hash: str, seconds: float) -> int:
    """Read the stream at the video's bitrate (plus a 5 s prebuffer) like a player; bytes read."""
    host, port = service.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    pause = threading.Event()  # never set: a bounded wait to keep the player's pace
    rate = BITRATE / 8
    try:
        conn.request("GET", f"/stream/{info_hash}")
        reply = conn.getresponse()
        started, read = time.monotonic(), 0
        while (elapsed := time.monotonic() - started) < seconds:
            ahead = read - (elapsed + 5.0) * rate
            if ahead > 0:
                pause.wait(ahead / rate)
                continue
            chunk = reply.read1(CHUNK)
            if not chunk:
                break
            read += len(chunk)
        return read
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="streaming time")
    parser.add_argument("--profile", default="auto", help="governor profile of the service")
    parser.add_argument("--remote", action="store_true",
                        help="with discovery on and a phone page following events")
    parser.add_argument("--backend", default="zeroconf", choices=["zeroconf", "avahi", "auto"],
                        help="discovery's backend with --remote (zeroconf: in-process)")
    parser.add_argument("--feeds", type=int, default=0,
                        help=f"feeds subscribed and refreshed every {POLL_EVERY:g} s while "
                             "streaming")
    parser.add_argument("--publish", action="store_true",
                        help="publish a folder first and seed its video while streaming")
    args = parser.parse_args()
    site = FeedServer()
    with tempfile.TemporaryDirectory(prefix="swarmplayer-footprint-") as tmp:
        folder = Path(tmp)
        media = folder / "media"
        media.mkdir()
        movie = media / "movie.mp4"
        length = args.seconds + 30  # more than is played: the download never runs dry
        video.run(video.encode_command(movie, length, bitrate=f"{BITRATE // 1000}k",
                                       size="640x360", audio_bitrate="64k", cbr=True))
        torrent_file = folder / "movie.torrent"
        torrent = lt.bencode(lt.make_torrent(str(movie), piece_size=256 * 1024))
        torrent_file.write_bytes(torrent)
        # The origin uploads at twice the bitrate: the stream keeps ahead, as on a good swarm.
        seeder = Peer(torrent, media, upload_rate=BITRATE // 4)

        service = Service(folder, args.profile, args.remote, args.backend)
        idle, streaming, hashing = Samples(), Samples(), Samples()
        leecher, hashed = None, 0.0
        page_stop, page_events = threading.Event(), [0]
        if args.remote:
            threading.Thread(target=follow_page, args=(service, page_stop, page_events),
                             daemon=True).start()
        try:
            stop = threading.Event()
            sampler = threading.Thread(target=sample, args=(service.ps, idle, stop))
            sampler.start()
            stop.wait(IDLE_SECONDS)
            stop.set()
            sampler.join()
            if args.publish:
                leecher, hashed = publish(service, folder, length, hashing)

            added = service.api("POST", "/api/v1/torrents",
                                {"path": str(torrent_file), "peers": [seeder.address]})
            info_hash = added["info_hash"]
            cpu0, io0 = service.ps.cpu_times(), service.ps.io_counters()
            started = time.monotonic()
            stop = threading.Event()
            sampler = threading.Thread(target=sample, args=(service.ps, streaming, stop))
            sampler.start()
            polls_done = threading.Event()
            poller = threading.Thread(target=poll_feeds,
                                      args=(service, site, args.feeds, polls_done))
            poller.start()
            played = play(service, info_hash, args.seconds)
            polls_done.set()
            poller.join()
            elapsed = time.monotonic() - started
            cpu1, io1 = service.ps.cpu_times(), service.ps.io_counters()
            stop.set()
            sampler.join()
            status = service.api("GET", f"/api/v1/torrents/{info_hash}")
            # How discovery announced (a fallback to python-zeroconf must not pass unseen).
            announced = " ".join(line.split("announcing", 1)[1].strip()
                                 for line in service.process.log if "announcing" in line)
            profile = service.api("GET", "/api/v1/health").get("profile", {}).get("name", "?")
        finally:
            page_stop.set()
            stop_seconds = service.stop()
            seeder.close()
            site.close()
            uploaded = leecher.handle.status().total_payload_download if leecher else 0
            if leecher:
                leecher.close()
    cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    downloaded = status["total_downloaded"]
    written = io1.write_bytes - io0.write_bytes
    report(args, profile, idle, streaming, cpu / elapsed, written / max(downloaded, 1), {
        "played": played, "downloaded": downloaded, "written": written, "seconds": elapsed,
        "stop": stop_seconds, "page events": page_events[0], "feeds": args.feeds,
        "fetched": len(site.hits), "announced": announced or "nothing",
        "seeded": uploaded, "hashed": hashed}, hashing)


def publish(service: Service, folder: Path, length: float,
            hashing: Samples) -> tuple[Peer, float]:
    """Publish a folder with one video like the streamed one, sampling the service while it
    hashes; a peer that downloads it at the video's bitrate from the service (the seconds the
    hashing took)."""
    shelf = folder / "published"
    shelf.mkdir()
    episode = shelf / "Show.S01E01.mp4"
    video.run(video.encode_command(episode, length, bitrate=f"{BITRATE // 1000}k",
                                   size="640x360", audio_bitrate="64k", cbr=True))
    old = time.time() - 3600  # a finished copy: published at once
    os.utime(episode, (old, old))
    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(service.ps, hashing, stop))
    sampler.start()
    started = time.monotonic()
    answer = service.api("POST", "/api/v1/published",
                         {"path": str(shelf), "base_url": service.url})
    pause = threading.Event()  # never set: the pace of looking, as the CLI does
    while not answer["videos"]:
        failed = [p for p in answer["pending"] if p["state"] == "failed"]
        if failed or time.monotonic() - started > 300:
            raise SystemExit(f"publishing failed: {failed or 'not done in 300 s'}")
        pause.wait(0.2)
        answer = service.api("GET", f"/api/v1/published/{answer['id']}")
    hashed = time.monotonic() - started
    stop.set()
    sampler.join()
    sample_now(service.ps, hashing)  # a hashing shorter than SAMPLE_EVERY: its last look
    info_hash = answer["videos"][0]["info_hash"]
    host, port = service.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", f"/feeds/published/{info_hash}.tstream")
    torrent = conn.getresponse().read()
    conn.close()
    (folder / "leecher").mkdir()
    leecher = Peer(torrent, folder / "leecher", download_rate=BITRATE // 8, seed=False)
    origin_host, origin_port = answer["origins"][0].rsplit(":", 1)  # the service itself
    leecher.handle.connect_peer((origin_host, int(origin_port)))
    return leecher, hashed


def report(args: argparse.Namespace, profile: str, idle: Samples, streaming: Samples,
           cpu_share: float, writes: float, totals: dict[str, Any], hashing: Samples) -> None:
    mb = 1 << 20
    memory = [
        ("RSS idle (peak)", Samples.peak(idle.rss)),
        *([("RSS publishing: hashing (peak)", Samples.peak(hashing.rss))] if args.publish
          else []),
        ("RSS streaming (peak)", Samples.peak(streaming.rss)),
        ("RSS streaming (mean)", Samples.mean(streaming.rss)),
        ("anonymous memory streaming (peak)", Samples.peak(streaming.anon)),
        ("service + long-lived helpers streaming (peak)", Samples.peak(streaming.total)),
        ("feed parse workers at once (peak; short-lived)", Samples.peak(streaming.workers)),
    ]
    rows = [(name, f"{value / mb:.1f} MB", f"{RSS_LIMIT / mb:.0f} MB", value / RSS_LIMIT)
            for name, value in memory] + [
        ("CPU streaming", f"{cpu_share * 60:.2f} s/min ({cpu_share:.1%} of a core)",
         f"{CPU_LIMIT:.0%} of a core", cpu_share / CPU_LIMIT),
        ("bytes written / downloaded", f"{writes:.3f}", f"{WRITES_LIMIT:.2f}",
         writes / WRITES_LIMIT),
    ]
    features = (f"discovery ({args.backend}) and a phone page on the events"
                if args.remote else "discovery off")
    print(f"\nFootprint: {BITRATE / 1e6:g} Mbit/s video streamed {totals['seconds']:.0f} s, "
          f"{features}, {totals['feeds']:.0f} feeds polled every {POLL_EVERY:g} s, "
          f"profile {profile}, libtorrent {'.'.join(map(str, lt.VERSION))}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    print("| figure | measured | limit | ratio to limit |")
    print("| --- | --- | --- | --- |")
    for name, measured, limit, ratio in rows:
        print(f"| {name} | {measured} | {limit} | {ratio:.2f} |")
    print(f"\nplayed {totals['played'] / mb:.1f} MB, downloaded {totals['downloaded'] / mb:.1f} MB,"
          f" written {totals['written'] / mb:.1f} MB; SIGTERM to exit: {totals['stop']:.1f} s;"
          f" feeds fetched {totals['fetched']:.0f} times; page events {totals['page events']:.0f};"
          f" announced: {totals['announced']}")
    if args.publish:
        print(f"published: hashed in {totals['hashed']:.1f} s, seeded "
              f"{totals['seeded'] / mb:.1f} MB to a peer while streaming")


if __name__ == "__main__":
    main()
