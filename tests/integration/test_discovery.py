"""Discovery across hosts: network namespaces joined by a bridge (private addresses made here),
the service in one, browsers in the others. Skipped, loudly, where namespaces cannot be made."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from lan import PORT, SUBNET, Lan, Lines, ns_env, ns_request, serve_box
from support import REPO, wait_until

from swarmplayer.identity import box_id


def test_the_box_is_found_keeps_its_id_and_says_goodbye(lan: Lan, tmp_path: Path) -> None:
    lan.add_host("box", 1)
    phone = lan.add_host("phone", 2)
    data_dir = tmp_path / "box"
    watch = Lines(phone, str(REPO / "tests" / "mdns_watch.py"), "240")
    server = serve_box(lan, data_dir)
    try:
        watch.expect("browsing", 30)
        box = (data_dir / "box-id").read_text().strip()
        watch.expect(f"add Test Box._swarmplayer._tcp.local. {box}", 30)

        found = subprocess.run(["ip", "netns", "exec", phone, sys.executable, "-m",
                                "swarmplayer", "discover", "--seconds", "3"],
                               capture_output=True, text=True, timeout=60, env=ns_env())
        assert found.returncode == 0, found.stdout + found.stderr
        assert f"Test Box  id {box}" in found.stdout
        assert f"http://{SUBNET}.1:{PORT}" in found.stdout  # confirmed with /api/v1/info

        # SIGTERM: goodbye packets take the box off the phone's list within 2 s.
        server.proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        gone = watch.expect("remove Test Box._swarmplayer._tcp.local.", 10)
        assert gone - sent < 2.0, f"the box went off the list {gone - sent:.2f} s after SIGTERM"
        assert server.proc.wait(30) == 0

        # A restart: the same id.
        server = serve_box(lan, data_dir)
        watch.expect(f"add Test Box._swarmplayer._tcp.local. {box}", 30)
        assert (data_dir / "box-id").read_text().strip() == box
    finally:
        server.stop()
        watch.stop()


def test_a_crashed_box_is_listed_but_not_online(lan: Lan, tmp_path: Path) -> None:
    lan.add_host("box", 1)
    phone = lan.add_host("phone", 2)
    server = serve_box(lan, tmp_path / "box")
    try:
        server.proc.kill()  # no goodbye: the phone's cache still lists it
        server.proc.wait(20)
        # Another process on the box announces the same records but serves nothing.
        fake = Lines(lan.hosts["box"], "-c", (
            "import threading, sys\n"
            "from swarmplayer.mdns import Advertiser\n"
            "a = Advertiser('Test Box', '00000000deadbeef', 8642).start()\n"
            "print('up', flush=True)\n"
            "threading.Event().wait(60)\n"))
        fake.expect("up", 30)
        found = wait_until(lambda: _discover(phone), 60, "the announced box to be listed")
        assert "offline (listed, not answering)" in found
        fake.stop()
    finally:
        server.stop()


def _discover(ns: str) -> str:
    result = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-m", "swarmplayer",
                             "discover", "--seconds", "3"], capture_output=True, text=True,
                            timeout=60, env=ns_env())
    return result.stdout if "Test Box" in result.stdout else ""


def test_a_box_lists_the_others_for_the_page(lan: Lan, tmp_path: Path) -> None:
    """GET /api/v1/boxes (the page's Boxes screen): this box first, then the others its own
    browse finds, each confirmed by its /api/v1/info."""
    lan.add_host("box", 1)
    lan.add_host("other", 3)
    server = serve_box(lan, tmp_path / "box")
    other = serve_box(lan, tmp_path / "other", host="other", name="Other Box")
    try:
        answer = ns_request(lan.hosts["box"], "GET", f"http://127.0.0.1:{PORT}/api/v1/boxes")
        this, *others = answer["boxes"]
        assert answer["discovery"] is True
        assert (this["name"], this["this"], this["online"]) == ("Test Box", True, True)
        assert this["id"] == box_id(str(tmp_path / "box"))
        assert [(b["name"], b["id"], b["url"], b["online"], b["this"]) for b in others] == [
            ("Other Box", box_id(str(tmp_path / "other")), f"http://{SUBNET}.3:{PORT}", True,
             False)]
    finally:
        other.stop()
        server.stop()
