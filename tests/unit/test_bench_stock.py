"""The stock swarm's calculations: the best competitor, the order of clients, the delayed
mode's tracker front, the torrent with the tracker, and the report's stock rows and bar."""

from __future__ import annotations

import math
import socket
import struct
import threading
from pathlib import Path

import pytest

from bench.calc import best_ratio, turned
from bench.report import Setup, render, verdicts, vs_best
from bench.runs import STOCK_CLIENTS, Limits, Measured, Plan, Repetition, mode_name
from bench.stock import DelayFront, info_hash, with_tracker
from swarmplayer.engine import lt

NAN = math.nan


# ---- best competitor -----------------------------------------------------------------------
def test_best_ratio_divides_by_the_fastest_competitor():
    assert best_ratio(1.0, [4.0, 2.0, 8.0]) == pytest.approx(0.5)


def test_best_ratio_leaves_out_failed_competitors_and_fails_when_all_did():
    assert best_ratio(1.0, [NAN, 4.0]) == pytest.approx(0.25)
    assert math.isnan(best_ratio(1.0, [NAN, NAN]))
    assert math.isnan(best_ratio(NAN, [1.0]))
    assert best_ratio(1.0, [0.0]) == math.inf


def test_turned_rotates_so_each_repetition_starts_with_another_client():
    names = ["a", "b", "c"]
    assert turned(names, 0) == names
    assert turned(names, 1) == ["b", "c", "a"]
    assert turned(names, 4) == ["b", "c", "a"]
    assert turned([], 3) == []


# ---- report ---------------------------------------------------------------------------------
def _rep(service: float, cold: float, others: dict[str, float], seek: float = 1.0,
         mode: str = "stock, loopback") -> Repetition:
    limits = Limits(startup=0.5, seek=0.5, startup_pieces=2, seek_pieces=1,
                    decoder_startup=0.1, decoder_seek=0.1, rtt=0.0001,
                    startup_ticks=1.75, seek_ticks=0.75)
    clients = {name: Measured(startup=2.0, seek=2.0) for name in STOCK_CLIENTS}
    clients["service"] = Measured(startup=service, seek=seek, peak_rss_mb=55.0)
    clients["service, cold"] = Measured(startup=cold, seek=seek)
    for name, startup in others.items():
        clients[name] = Measured(startup=startup, seek=startup,
                                 error="failed" if math.isnan(startup) else "")
    return Repetition("mp4", mode, limits, clients)


def test_vs_best_is_the_median_over_repetitions_of_each_ones_best():
    reps = [_rep(0.6, 1.0, {"peerflix": 1.0}),   # best 1.0 → 1.0
            _rep(0.6, 1.0, {"peerflix": 4.0}),   # best of the others (2.0) → 0.5
            _rep(0.6, 3.0, {"peerflix": NAN})]   # failed peerflix left out: 2.0 → 1.5
    assert vs_best(reps, "service, cold", "startup") == pytest.approx(1.0)


def test_vs_best_leaves_out_a_competitor_faster_than_the_limit():
    # The baseline "seeks" in 0.1 s, below the 0.5 s limit: it had downloaded that part.
    reps = [_rep(0.6, 1.0, {"baseline": 0.1, "peerflix": 1.0}, seek=0.5)]
    assert vs_best(reps, "service", "seek") == pytest.approx(0.5)


def test_stock_verdicts_hold_the_issue_bar():
    reps = [_rep(0.6, 1.0, {}), _rep(0.7, 1.2, {})]
    found = {v.name: v for v in verdicts(reps, None)}
    startup = found["play request → first frame / limit, MP4, moov at end, stock, loopback"]
    assert startup.value == pytest.approx(1.3) and startup.met  # 0.65 / 0.5 ≤ 1.5
    cold = found["cold play → first frame / best competitor, MP4, moov at end, stock, loopback"]
    assert cold.value == pytest.approx(0.55) and cold.met  # 1.1 / 2.0 ≤ 0.8
    seek = found["seek / best competitor, MP4, moov at end, stock, loopback"]
    assert seek.value == pytest.approx(0.5) and seek.met
    assert found["seek / limit, MP4, moov at end, stock, loopback"].value == pytest.approx(2.0)
    assert "startup / limit, MP4, moov at end, stock, loopback" not in found
    ticks = "limit with the seeders' ticks, MP4, moov at end, stock, loopback"
    assert found[f"play request → first frame / {ticks}"].value == pytest.approx(0.65 / 1.75)
    assert found[f"seek / {ticks}"].value == pytest.approx(1.0 / 0.75)
    assert "offload, single client, median" not in found  # no own-swarm run


def test_render_has_a_row_for_every_client_of_the_stock_swarm():
    text = render(Setup(Plan(repetitions=1), 60.0), [_rep(0.6, 1.0, {})], None)
    for name in STOCK_CLIENTS:
        assert f"| MP4, moov at end, stock, loopback | {name} |" in text
    assert "the service ÷ the best competitor" in text
    assert "| MP4, moov at end, stock, loopback | 1.75 | 0.34 | 0.75 | 1.33 |" in text
    assert "transmission-daemon" in text and "opentracker" in text


def test_mode_name_tells_the_stock_swarm_apart():
    assert mode_name(Plan()) == "loopback"
    assert mode_name(Plan(stock=True, rtt=0.04)) == "stock, 40 ms RTT"


# ---- the torrent and the tracker front ------------------------------------------------------
def test_with_tracker_keeps_the_info_hash(tmp_path: Path):
    (tmp_path / "data").write_bytes(b"x" * 100_000)
    torrent = tmp_path / "t.torrent"
    torrent.write_bytes(lt.bencode(lt.make_torrent(str(tmp_path / "data"), piece_size=16384)))
    tracked = with_tracker(torrent, "http://127.0.0.1:1/announce", tmp_path / "out.torrent")
    assert info_hash(tracked) == info_hash(torrent)
    meta = lt.bdecode(tracked.read_bytes())
    assert meta[b"announce"] == b"http://127.0.0.1:1/announce"


class _NoTracker:
    port = 1


def test_delay_front_hands_out_a_relay_that_reaches_the_peer():
    with socket.socket() as peer:
        peer.bind(("127.0.0.1", 0))
        peer.listen()
        port = peer.getsockname()[1]
        front = DelayFront(_NoTracker(), rtt=0.02)  # type: ignore[arg-type]
        try:
            reply = lt.bencode({b"interval": 1800,
                                b"peers": socket.inet_aton("127.0.0.1") + struct.pack(">H", port)})
            peers = lt.bdecode(front.rewrite(reply))[b"peers"]
            relay = struct.unpack(">H", peers[4:6])[0]
            assert peers[:4] == socket.inet_aton("127.0.0.1") and relay != port
            assert front.rewrite(reply) == front.rewrite(reply)  # one relay per peer
            got: list[bytes] = []
            accepted = threading.Thread(target=lambda: got.append(peer.accept()[0].recv(5)))
            accepted.start()
            with socket.create_connection(("127.0.0.1", relay), timeout=5) as conn:
                conn.sendall(b"hello")
                accepted.join(10)
            assert got == [b"hello"]
        finally:
            front.stop()
