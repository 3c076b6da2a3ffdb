"""The stock swarm: Debian's opentracker, unmodified seeders (a plain libtorrent session and
Debian's transmission-daemon, each with only an upload cap), a leecher starting with the client.

Peers find each other through the tracker alone; every process is on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from swarmplayer.engine import lt

from .child import STOP_TIMEOUT, Child, ChildError
from .delay import DelayRelay

READY_TIMEOUT = 60.0
POLL = 0.1  # seconds between looks at an outside process's state (it has no other signal)


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (for processes that must be told theirs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def info_hash(torrent: Path) -> str:
    return str(lt.torrent_info(torrent.read_bytes()).info_hash())


def with_tracker(torrent: Path, announce: str, out: Path) -> Path:
    """A copy of `torrent` whose only tracker is `announce` (outside the info dict: same hash)."""
    meta = lt.bdecode(torrent.read_bytes())
    meta[b"announce"] = announce.encode()
    meta.pop(b"announce-list", None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lt.bencode(meta))
    return out


def _poll(check: Any, what: str, timeout: float = READY_TIMEOUT) -> Any:
    """Call `check` until it answers something true; ChildError after `timeout`."""
    end = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise ChildError(f"{what}: not ready within {timeout:g} s")
        time.sleep(POLL)  # an outside process: polling its state is the only way to know


class Tracker:
    """Debian's opentracker on 127.0.0.1 (built with a whitelist: it serves the torrents listed
    in its folder's `whitelist` file only)."""

    def __init__(self, folder: Path, hashes: list[str]) -> None:
        if not shutil.which("opentracker"):
            raise ChildError("opentracker is not installed (tools/bootstrap.sh bench)")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "whitelist").write_text("".join(f"{h}\n" for h in hashes))
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["opentracker", "-i", "127.0.0.1", "-p", str(self.port), "-P", str(self.port),
             "-d", str(folder), "-w", "whitelist"],
            cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.announce = f"http://127.0.0.1:{self.port}/announce"
        _poll(self._up, "opentracker")

    def _up(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True

    def seeders(self, info_hash_hex: str) -> int:
        """How many seeders the tracker knows for this torrent (its scrape)."""
        quoted = urllib.parse.quote_from_bytes(bytes.fromhex(info_hash_hex))
        url = f"http://127.0.0.1:{self.port}/scrape?info_hash={quoted}"
        with urllib.request.urlopen(url, timeout=5) as response:
            files = lt.bdecode(response.read()).get(b"files", {})
        return sum(int(entry.get(b"complete", 0)) for entry in files.values())

    def wait_seeders(self, info_hash_hex: str, count: int) -> None:
        _poll(lambda: self.seeders(info_hash_hex) >= count, f"{count} seeders at the tracker")

    def stop(self) -> None:
        _end(self.proc)


class DelayFront:
    """The delayed mode's way into the stock swarm: an HTTP front to the tracker that answers
    each peer with the address of a delay relay to that peer (bench.delay), one per peer, so
    every connection made through the tracker's answers has the round trip."""

    def __init__(self, tracker: Tracker, rtt: float) -> None:
        self.tracker = tracker
        self.rtt = rtt
        self.relays: dict[int, DelayRelay] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _front_handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name="bench-tracker-front").start()
        self.announce = f"http://127.0.0.1:{self._server.server_address[1]}/announce"

    def relay_port(self, port: int) -> int:
        with self._lock:
            if port not in self.relays:
                self.relays[port] = DelayRelay(port, self.rtt).start()
            return self.relays[port].port

    def rewrite(self, reply: bytes) -> bytes:
        """The tracker's bencoded reply with every peer's port replaced by its relay's."""
        meta = lt.bdecode(reply)
        peers = meta.get(b"peers") if isinstance(meta, dict) else None
        if isinstance(peers, bytes):
            out = b"".join(
                peers[i:i + 4] + struct.pack(">H", self.relay_port(
                    struct.unpack(">H", peers[i + 4:i + 6])[0]))
                for i in range(0, len(peers) - 5, 6))
            meta[b"peers"] = out
        elif isinstance(peers, list):
            for peer in peers:
                peer[b"port"] = self.relay_port(int(peer[b"port"]))
        return bytes(lt.bencode(meta))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for relay in self.relays.values():
            relay.stop()


def _front_handler(front: DelayFront) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            url = f"http://127.0.0.1:{front.tracker.port}{self.path}"
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = front.rewrite(response.read())
            except (OSError, ValueError) as exc:
                self.send_error(502, str(exc))
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class StockPeer:
    """bench.stockpeer: a plain libtorrent session, seeding or (`leech`) starting empty."""

    def __init__(self, torrent: Path, data_dir: Path, upload_rate: int,
                 leech: bool = False) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.child = Child("bench.stockpeer", str(torrent), str(data_dir),
                           "--upload-rate", str(upload_rate), *(["--leech"] if leech else []))

    def uploaded(self) -> int:
        return int(self.child.call("stats")["uploaded"])

    def stop(self) -> None:
        self.child.stop()


class Transmission:
    """Debian's transmission-daemon seeding `torrent` from `data_dir`: its own config folder,
    RPC on 127.0.0.1, an upload cap through its settings, DHT/LPD/uTP/port forwarding off;
    everything else its defaults."""

    def __init__(self, torrent: Path, data_dir: Path, upload_rate: int, folder: Path) -> None:
        if not shutil.which("transmission-daemon"):
            raise ChildError("transmission-daemon is not installed (tools/bootstrap.sh bench)")
        folder.mkdir(parents=True, exist_ok=True)
        self.rpc_port = free_port()
        settings = {
            "dht-enabled": False, "lpd-enabled": False, "utp-enabled": False,
            "port-forwarding-enabled": False,
            "peer-port": free_port(), "peer-port-random-on-start": False,
            "bind-address-ipv4": "127.0.0.1",
            "rpc-bind-address": "127.0.0.1", "rpc-port": self.rpc_port,
            "rpc-authentication-required": False, "rpc-whitelist": "127.0.0.1",
            "rpc-host-whitelist-enabled": False,
            "speed-limit-up": max(upload_rate // 1000, 1),  # kB/s, k = 1000 (its speed units)
            "speed-limit-up-enabled": bool(upload_rate),
            "download-dir": str(data_dir), "incomplete-dir-enabled": False,
            "message-level": 1,
        }
        (folder / "settings.json").write_text(json.dumps(settings, indent=1))
        self.proc = subprocess.Popen(
            ["transmission-daemon", "--foreground", "--config-dir", str(folder)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._session = ""
        _poll(lambda: self._rpc("session-get"), "transmission-daemon RPC")
        self._rpc("torrent-add", metainfo=base64.b64encode(torrent.read_bytes()).decode(),
                  **{"download-dir": str(data_dir)})
        _poll(self._seeding, "transmission-daemon seeding")

    def _rpc(self, method: str, **arguments: Any) -> dict[str, Any]:
        """One JSON-RPC call; the first answer 409 hands over the session id to send."""
        body = json.dumps({"method": method, "arguments": arguments}).encode()
        for _ in range(2):
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.rpc_port}/transmission/rpc", data=body,
                headers={"X-Transmission-Session-Id": self._session})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    reply = json.load(response)
            except urllib.error.HTTPError as exc:
                if exc.code != 409:
                    raise
                self._session = exc.headers.get("X-Transmission-Session-Id", "")
                continue
            if reply.get("result") != "success":
                raise ChildError(f"transmission {method}: {reply.get('result')}")
            return dict(reply["arguments"])
        raise ChildError(f"transmission {method}: no session id")

    def _torrent(self) -> dict[str, Any]:
        found = self._rpc("torrent-get", fields=["status", "percentDone", "uploadedEver"])
        return dict(found["torrents"][0]) if found.get("torrents") else {}

    def _seeding(self) -> bool:
        state = self._torrent()
        return state.get("status") == 6 and state.get("percentDone") == 1  # 6: seeding

    def uploaded(self) -> int:
        return int(self._torrent().get("uploadedEver", 0))

    def stop(self) -> None:
        _end(self.proc)


def _end(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


class StockSwarm:
    """A fresh stock swarm for one run: the tracker, a libtorrent seeder (the origin's rate), a
    transmission-daemon seeder (the extra's rate); `start_leecher` as the client starts. With
    `rtt`, peers are told of each other through a DelayFront."""

    def __init__(self, torrent: Path, data_dir: Path, work: Path, origin_rate: int,
                 extra_rate: int, leecher_rate: int, rtt: float = 0.0) -> None:
        self.work = work
        self.leecher_rate = leecher_rate
        self.hash = info_hash(torrent)
        self.parts: list[Any] = []
        try:
            self.tracker = self._keep(Tracker(work / "tracker", [self.hash]))
            announce = self.tracker.announce
            if rtt:
                announce = self._keep(DelayFront(self.tracker, rtt)).announce
            self.torrent = with_tracker(torrent, announce, work / "tracked" / torrent.name)
            self.origin = self._keep(StockPeer(self.torrent, data_dir, origin_rate))
            self.extra = self._keep(Transmission(self.torrent, data_dir, extra_rate,
                                                 work / "transmission"))
            _ = self.origin.child.hello
            self.tracker.wait_seeders(self.hash, 2)
        except BaseException:
            self.stop()
            raise

    def _keep(self, part: Any) -> Any:
        self.parts.append(part)
        return part

    def start_leecher(self) -> None:
        self._keep(StockPeer(self.torrent, self.work / "leecher", self.leecher_rate, leech=True))

    def origin_uploaded(self) -> int:
        return self.origin.uploaded()

    def stop(self) -> None:
        for part in reversed(self.parts):
            part.stop()
        self.parts = []
