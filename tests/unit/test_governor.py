"""The governor's pure parts: profiles from the machine, figures, levels and the limits they set.

How it drives a real libtorrent session (pressure, heat, recovery) is in
tests/integration/test_governor_session.py.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from swarmplayer import profiles
from swarmplayer.config import Config
from swarmplayer.engine import lt
from swarmplayer.engine.settings import settings_pack
from swarmplayer.engine.status import StreamStatus, TorrentStatus
from swarmplayer.monitor import (
    Level,
    Reading,
    assess,
    figures,
    held_at,
    limits,
    sustained_cpu,
)
from swarmplayer.profiles import GiB, Machine, MiB

# What the boards report (RAM after the GPU's share), and two PCs.
PI_ZERO_2 = Machine(427 * MiB, 4, "aarch64", "Raspberry Pi Zero 2 W Rev 1.0")
PI_3 = Machine(906 * MiB, 4, "armv7l", "Raspberry Pi 3 Model B Rev 1.2")
PI_4 = Machine(3788 * MiB, 4, "aarch64", "Raspberry Pi 4 Model B Rev 1.4")
PI_5 = Machine(8048 * MiB, 4, "aarch64", "Raspberry Pi 5 Model B Rev 1.0")
DESKTOP = Machine(24 * GiB, 2, "x86_64")
SMALL_PC = Machine(2 * GiB, 2, "x86_64")
SINGLE_CORE = Machine(1 * GiB, 1, "armv6l")

CALM = Reading(at=0.0, cpu_percent=20.0, load_average=0.2, memory_total=1000 * MiB,
               memory_available=600 * MiB, swap_total=100 * MiB, swap_used=0, swapped=0,
               disk_total=8 * GiB, disk_free=4 * GiB, temperature=55.0, rss=40 * MiB,
               cpu_seconds=1.0)


@pytest.mark.parametrize(("machine", "name"), [
    (PI_ZERO_2, "pi-zero-2"), (PI_3, "pi-3"), (PI_4, "pi-4"), (PI_5, "pi-4"),
    (DESKTOP, "desktop"), (SMALL_PC, "pi-4"), (SINGLE_CORE, "pi-zero-2"),
])
def test_profile_is_chosen_from_ram_and_cpus(machine: Machine, name: str) -> None:
    assert profiles.choose(machine).name == name


def test_smaller_boxes_get_smaller_limits() -> None:
    order = [profiles.PROFILES[n] for n in ("pi-zero-2", "pi-3", "pi-4", "desktop")]
    for key in ("connections_limit", "max_queued_disk_bytes", "aio_threads", "alert_queue_size"):
        values = [p.settings[key] for p in order]
        assert values == sorted(values) and values[0] < values[-1], key
    assert not order[0].seed_while_playing and order[-1].seed_while_playing


def test_profile_settings_exist_in_this_libtorrent(tmp_path: Path) -> None:
    """The suite runs on 2.0.8 and 2.1: a setting missing from either fails here."""
    session = lt.new_session(settings_pack(Config.for_tests(tmp_path)))
    known = set(session.get_settings())
    for profile in profiles.PROFILES.values():
        assert set(profile.settings) <= known, profile.name


def test_profile_can_be_named_and_tuned() -> None:
    chosen = profiles.resolve("pi-3", DESKTOP, "aio_threads=3, alert_queue_size=700",
                              connections_limit=55)
    assert chosen.name == "pi-3" and "set in the config" in chosen.why
    assert chosen.settings["aio_threads"] == 3
    assert chosen.settings["alert_queue_size"] == 700
    assert chosen.settings["connections_limit"] == 55
    assert chosen.settings["hashing_threads"] == profiles.PROFILES["pi-3"].settings[
        "hashing_threads"]
    assert chosen.overrides == {"aio_threads": 3, "alert_queue_size": 700,
                                "connections_limit": 55}
    auto = profiles.resolve("auto", PI_4)
    assert auto.name == "pi-4" and "chosen from" in auto.why


@pytest.mark.parametrize("tuning", ["aio_threads", "nosuch=3", "aio_threads=0",
                                    "aio_threads=two"])
def test_bad_tuning_is_refused(tuning: str) -> None:
    with pytest.raises(ValueError):
        profiles.parse_tuning(tuning)


def test_rates_need_two_readings() -> None:
    assert "cpu_percent" not in figures(CALM, None)
    later = replace(CALM, at=10.0, swapped=30 * MiB, cpu_percent=95.0)
    values = figures(later, CALM)
    assert values["swap_mib_per_s"] == pytest.approx(3.0)
    assert values["cpu_percent"] == 95.0
    assert values["memory_available_percent"] == pytest.approx(60.0)
    assert "temperature" not in figures(replace(CALM, temperature=None), None)


@pytest.mark.parametrize(("changes", "level", "word"), [
    ({}, Level.NORMAL, None),
    ({"cpu_percent": 92.0}, Level.STRAINED, "CPU"),
    ({"cpu_percent": 100.0}, Level.STRAINED, "CPU"),  # CPU alone is never critical
    ({"memory_available_percent": 8.0}, Level.STRAINED, "memory"),
    ({"memory_available_percent": 4.0}, Level.CRITICAL, "memory"),
    ({"swap_mib_per_s": 2.0}, Level.STRAINED, "swapping"),
    ({"swap_mib_per_s": 9.0}, Level.CRITICAL, "swapping"),
    ({"temperature": 76.0}, Level.STRAINED, "temperature"),
    ({"temperature": 81.0}, Level.CRITICAL, "temperature"),
])
def test_levels_and_reasons(changes: dict[str, float], level: Level, word: str | None) -> None:
    values = {"cpu_percent": 20.0, "memory_available_percent": 60.0, "swap_mib_per_s": 0.0,
              "temperature": 55.0, **changes}
    found, reasons = assess(values)
    assert found == level
    if word:
        assert any(word in r for r in reasons)
    else:
        assert reasons == []


def test_calm_needs_a_margin_below_the_threshold() -> None:
    """Hysteresis: 73 °C is below the 75 °C threshold but not yet calm."""
    values = {"temperature": 73.0, "memory_available_percent": 60.0}
    assert assess(values)[0] == Level.NORMAL
    assert assess(values, calm=True)[0] == Level.STRAINED
    assert assess({**values, "temperature": 69.0}, calm=True)[0] == Level.NORMAL


def test_limits_cut_connections_and_upload_never_download() -> None:
    baseline = {**profiles.PROFILES["pi-4"].settings, "upload_rate_limit": 0}
    assert limits(Level.NORMAL, baseline, 512_000) == baseline
    strained = limits(Level.STRAINED, baseline, 512_000)
    critical = limits(Level.CRITICAL, baseline, 512_000)
    assert strained["connections_limit"] == baseline["connections_limit"] // 2
    assert critical["connections_limit"] == baseline["connections_limit"] // 4
    assert strained["upload_rate_limit"] == 512_000
    assert critical["upload_rate_limit"] == 256_000
    assert "download_rate_limit" not in strained
    # A configured upload limit lower than the cap stays.
    assert limits(Level.STRAINED, {**baseline, "upload_rate_limit": 1000},
                  512_000)["upload_rate_limit"] == 1000


def test_what_is_held_at_each_level_never_the_stream() -> None:
    seed = TorrentStatus("a" * 40, "seed", "", "seeding", complete=True)
    download = TorrentStatus("b" * 40, "download", "", "downloading")
    stream = TorrentStatus("c" * 40, "stream", "", "downloading",
                           stream=StreamStatus(0, 0, 100_000, 3.0, 1))
    broken = TorrentStatus.of_broken("d" * 40, "", "unreadable")
    every = (seed, download, stream, broken)
    assert [held_at(Level.NORMAL, s) for s in every] == [False] * 4
    assert [held_at(Level.STRAINED, s) for s in every] == [True, False, False, False]
    assert [held_at(Level.CRITICAL, s) for s in every] == [True, True, False, False]


def test_a_cpu_burst_shorter_than_the_window_is_not_pressure() -> None:
    # 4.5 s at 20 %, then a 0.5 s start-up burst at 100 %: 28 % over the last 5 s.
    assert sustained_cpu([(4.5, 20.0), (0.5, 100.0)]) == pytest.approx(28.0)
    assert assess({"cpu_percent": 28.0})[0] == Level.NORMAL
    # Readings spanning less than the window give no CPU figure at all yet.
    assert sustained_cpu([(0.5, 100.0), (1.0, 100.0)]) is None


def test_sustained_cpu_reads_only_the_latest_window() -> None:
    # An old calm reading does not water down five seconds of real pressure.
    assert sustained_cpu([(60.0, 10.0), (5.0, 95.0)]) == pytest.approx(95.0)
    assert sustained_cpu([(5.0, 10.0), (3.0, 95.0), (3.0, 95.0)]) == pytest.approx(95.0)
