"""The governor on a real service: a fake system reader (the one edge a test cannot reach: the
box's RAM, heat and swapping) drives it, and the settings it applies are read back from the
real libtorrent session, the torrents' states from real peers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support import Swarm, api, wait_until

from swarmplayer.config import Config
from swarmplayer.monitor import Level, Reading
from swarmplayer.profiles import PROFILES, GiB, Machine, MiB
from swarmplayer.supervisor import Service

PI_ZERO_2 = Machine(427 * MiB, 4, "aarch64", "Raspberry Pi Zero 2 W Rev 1.0")
PI_4 = Machine(3788 * MiB, 4, "aarch64", "Raspberry Pi 4 Model B Rev 1.4")
CALM = Reading(at=0.0, cpu_percent=20.0, load_average=0.2, memory_total=4 * GiB,
               memory_available=2 * GiB, swap_total=100 * MiB, swap_used=0, swapped=0,
               disk_total=32 * GiB, disk_free=20 * GiB, temperature=55.0, rss=40 * MiB,
               cpu_seconds=1.0)


class FakeReader:
    """The system as the test says it is; each reading is five seconds after the last."""

    def __init__(self, machine: Machine) -> None:
        self._machine = machine
        self.now = CALM

    def machine(self) -> Machine:
        return self._machine

    def read(self) -> Reading:
        self.now = replace(self.now, at=self.now.at + 5.0)
        return self.now

    def set(self, **figures: Any) -> None:
        self.now = replace(self.now, **figures)


@pytest.fixture
def governed(tmp_path: Path) -> Iterator[Callable[..., tuple[Service, FakeReader]]]:
    """Start services whose governor reads a FakeReader; tests drive its tick() by hand."""
    started: list[Service] = []

    def start(machine: Machine, **overrides: Any) -> tuple[Service, FakeReader]:
        reader = FakeReader(machine)
        config = Config.for_tests(tmp_path / f"service{len(started)}", cache_interval=3600.0,
                                  **overrides)
        started.append(Service(config, system_reader=reader).start())
        return started[-1], reader

    yield start
    for service in reversed(started):
        service.stop()


def tick(service: Service, times: int) -> None:
    for _ in range(times):
        service.governor.tick()


def session(service: Service, *names: str) -> dict[str, int]:
    settings = service.engine.session_settings()
    return {name: settings[name] for name in names}


def test_profile_from_the_machine_is_applied_to_the_session(
        governed: Callable[..., tuple[Service, FakeReader]]) -> None:
    service, _ = governed(PI_ZERO_2, tuning="aio_threads=2")
    wanted = {**PROFILES["pi-zero-2"].settings, "aio_threads": 2}
    assert session(service, *wanted) == wanted
    health = api(service.url, "GET", "/api/v1/health").json()
    assert health["profile"]["name"] == "pi-zero-2"
    assert "0.4 GB RAM, 4 CPUs, aarch64" in health["profile"]["why"]
    assert health["profile"]["overrides"] == {"aio_threads": 2}
    assert health["system"]["memory_total"] == 4 * GiB
    assert health["governor"]["level"] == "normal"


def test_pressure_and_heat_cut_seeding_then_downloads_never_the_stream_then_restore(
        governed: Callable[..., tuple[Service, FakeReader]], swarm: Callable[..., Swarm],
        watch: Callable[[Service, str], Callable[[], None]], tmp_path: Path) -> None:
    service, reader = governed(PI_4)
    base = PROFILES["pi-4"].settings
    media = tmp_path / "media"
    media.mkdir()

    def torrent(name: str, size: int, rate: int) -> Swarm:
        path = media / name
        path.write_bytes(os.urandom(size))
        return swarm(path, into=service, rate=rate)

    seed = torrent("watched.mp4", 1 * MiB, 0)
    wait_until(lambda: seed.status().complete, 60, "the seed to complete")
    background = torrent("background.mp4", 8 * MiB, 100_000)
    stream = torrent("stream.mp4", 8 * MiB, 100_000)
    watch(service, stream.info_hash)
    figures = ("connections_limit", "upload_rate_limit", "unchoke_slots_limit",
               "download_rate_limit")
    assert session(service, *figures) == {
        "connections_limit": base["connections_limit"], "upload_rate_limit": 0,
        "unchoke_slots_limit": base["unchoke_slots_limit"], "download_rate_limit": 0}

    # Memory runs short: upload and seeding go first, fewer connections.
    reader.set(memory_available=int(0.08 * 4 * GiB))
    tick(service, 1)
    assert session(service, *figures) == {
        "connections_limit": base["connections_limit"] // 2, "upload_rate_limit": 512 << 10,
        "unchoke_slots_limit": base["unchoke_slots_limit"] // 2, "download_rate_limit": 0}
    assert "governor" in seed.status().holds
    assert seed.status().state == "paused"
    assert background.status().holds == {} and stream.status().holds == {}

    # And the SoC overheats: downloads nobody watches pause too; the stream keeps downloading.
    reader.set(temperature=82.0)
    tick(service, 1)
    assert session(service, "connections_limit", "upload_rate_limit") == {
        "connections_limit": base["connections_limit"] // 4, "upload_rate_limit": 256 << 10}
    assert "governor" in background.status().holds
    assert background.status().state == "paused"
    assert stream.status().holds == {} and stream.status().state != "paused"
    done = stream.status().total_done
    wait_until(lambda: stream.status().total_done > done, 30, "the stream to keep downloading")
    health = api(service.url, "GET", "/api/v1/health").json()["governor"]
    assert health["level"] == "critical"
    assert any("SoC temperature 82 °C ≥ 80 °C" in why for why in health["changes"][0]["why"])
    assert health["changes"][0]["settings"]["connections_limit"] == [
        base["connections_limit"] // 2, base["connections_limit"] // 4]
    assert health["adjusted"]["upload_rate_limit"] == {"profile": 0, "now": 256 << 10}
    assert sorted(health["held"]) == sorted([seed.info_hash, background.info_hash])

    # Cooler, but 73 °C is within 5 °C of the 75 °C threshold: critical passes after three
    # calm readings, strain does not.
    reader.set(temperature=73.0, memory_available=2 * GiB)
    tick(service, 2)
    assert service.governor.level == Level.CRITICAL
    tick(service, 1)
    assert service.governor.level == Level.STRAINED
    tick(service, 3)
    assert service.governor.level == Level.STRAINED
    assert background.status().holds == {} and "governor" in seed.status().holds

    # Clearly calm: restored after a few readings, not at the first.
    reader.set(temperature=60.0)
    tick(service, 2)
    assert "governor" in seed.status().holds
    tick(service, 1)
    assert session(service, *figures) == {
        "connections_limit": base["connections_limit"], "upload_rate_limit": 0,
        "unchoke_slots_limit": base["unchoke_slots_limit"], "download_rate_limit": 0}
    assert seed.status().holds == {} and seed.status().state == "seeding"
    assert api(service.url, "GET", "/api/v1/health").json()["governor"]["level"] == "normal"


def test_a_configured_upload_limit_stays_when_lower(
        governed: Callable[..., tuple[Service, FakeReader]]) -> None:
    service, reader = governed(PI_4, upload_rate_limit=10_000)
    reader.set(swapped=200 * MiB)  # 40 MiB/s of swapping since the last reading
    tick(service, 1)
    assert service.governor.level == Level.CRITICAL
    assert session(service, "upload_rate_limit") == {"upload_rate_limit": 10_000}


def test_starting_to_watch_a_held_download_releases_it_at_once(
        governed: Callable[..., tuple[Service, FakeReader]], swarm: Callable[..., Swarm],
        watch: Callable[[Service, str], Callable[[], None]], tmp_path: Path) -> None:
    service, reader = governed(PI_4)  # readings only when told: no interval tick will come
    media = tmp_path / "media"
    media.mkdir()
    (media / "later.mp4").write_bytes(os.urandom(4 * MiB))
    later = swarm(media / "later.mp4", into=service, rate=100_000)
    reader.set(temperature=82.0)
    tick(service, 1)
    assert "governor" in later.status().holds
    watch(service, later.info_hash)
    wait_until(lambda: later.status().holds == {}, 5, "watching to lift the governor's hold")
    assert later.status().state != "paused"
