"""The resource governor: watches the box's load and adapts libtorrent's limits to it.

Every few seconds a SystemReader (psutil here; a fake one in tests) gives CPU use, memory,
swapping, disk and SoC temperature. Under pressure or heat the governor lowers connection and
upload limits and pauses seeding; when it is critical, downloads no stream is playing too. The
stream being watched keeps its download. It backs off at once and restores only after the
figures have stayed clearly below the thresholds for a few ticks (hysteresis), so limits do not
flap with every reading.
"""

from __future__ import annotations

import logging
import math
import os
import platform
import shutil
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, Protocol

import psutil

from .config import Config
from .engine.engine import Engine
from .engine.status import TorrentStatus
from .errors import NotFound
from .periodic import Periodic
from .profiles import Machine, Profile

log = logging.getLogger(__name__)

HOLD = "governor"  # the reason the governor holds a torrent under
CALM_TICKS = 3  # readings below the calm thresholds before a level is lowered
MIN_CONNECTIONS = 10
# CPU use counts as pressure only averaged over this long: starting a stream (ffmpeg probing,
# the first pieces hashed, the player starting) is a burst of a second or two that would
# otherwise halve our connections and upload exactly when the stream needs them.
CPU_SUSTAIN_SECONDS = 5.0
MiB = 1 << 20


class Level(IntEnum):
    NORMAL = 0
    STRAINED = 1  # cut upload and seeding, fewer connections
    CRITICAL = 2  # also pause downloads nobody is watching


@dataclass(frozen=True)
class Reading:
    """One look at the system."""

    at: float  # monotonic seconds
    cpu_percent: float  # all CPUs, since the previous reading
    load_average: float  # 1-minute load per CPU
    memory_total: int
    memory_available: int
    swap_total: int
    swap_used: int
    swapped: int  # bytes swapped in and out since boot
    disk_total: int  # the cache's disk
    disk_free: int
    temperature: float | None  # °C, the hottest SoC/CPU sensor; None when there is none
    rss: int  # this process
    cpu_seconds: float  # this process, user + system


class SystemReader(Protocol):
    def machine(self) -> Machine: ...
    def read(self) -> Reading: ...


# Sensor groups that measure the SoC or CPU, by psutil's names on a Pi and common PCs.
_CPU_SENSORS = ("cpu_thermal", "cpu-thermal", "soc_thermal", "coretemp", "k10temp", "zenpower")


class PsutilReader:
    """The real system, through psutil."""

    def __init__(self, disk_path: Path) -> None:
        self._disk_path = disk_path
        self._process = psutil.Process()
        psutil.cpu_percent(None)  # the first call only starts the measurement

    def machine(self) -> Machine:
        model = None
        for path in ("/proc/device-tree/model", "/sys/firmware/devicetree/base/model"):
            try:
                model = Path(path).read_text().strip("\0\n ") or None
                break
            except OSError:
                continue
        return Machine(psutil.virtual_memory().total, os.cpu_count() or 1, platform.machine(),
                       model)

    def read(self) -> Reading:
        memory = psutil.virtual_memory()
        swap = psutil.swap_memory()
        disk = shutil.disk_usage(self._disk_path)
        times = self._process.cpu_times()
        return Reading(
            at=time.monotonic(),
            cpu_percent=psutil.cpu_percent(None),
            load_average=os.getloadavg()[0] / (os.cpu_count() or 1),
            memory_total=memory.total, memory_available=memory.available,
            swap_total=swap.total, swap_used=swap.used, swapped=swap.sin + swap.sout,
            disk_total=disk.total, disk_free=disk.free,
            temperature=_temperature(),
            rss=self._process.memory_info().rss,
            cpu_seconds=times.user + times.system,
        )


def _temperature() -> float | None:
    read = getattr(psutil, "sensors_temperatures", None)  # absent on some platforms
    if read is None:
        return None
    try:
        groups = read()
    except (OSError, RuntimeError):
        return None
    chosen = [groups[name] for name in _CPU_SENSORS if name in groups] or list(groups.values())
    return max((t.current for group in chosen for t in group if t.current), default=None)


@dataclass(frozen=True)
class Signal:
    """One figure the governor reacts to, with its thresholds."""

    name: str
    label: str
    unit: str
    strained: float
    critical: float
    margin: float  # how far past a threshold a figure must be back to count as calm
    rising: bool = True  # higher is worse

    def level(self, value: float, calm: bool = False) -> Level:
        shift = self.margin if calm else 0.0
        for level, threshold in ((Level.CRITICAL, self.critical), (Level.STRAINED, self.strained)):
            if (value >= threshold - shift) if self.rising else (value <= threshold + shift):
                return level
        return Level.NORMAL

    def reason(self, value: float, level: Level) -> str:
        threshold = self.critical if level == Level.CRITICAL else self.strained
        sign = "≥" if self.rising else "≤"
        return f"{self.label} {value:.0f}{self.unit} {sign} {threshold:g}{self.unit}"


SIGNALS = (
    # CPU alone never makes it critical: a busy CPU slows us, it does not freeze the box.
    Signal("cpu_percent", "CPU use", "%", 90.0, math.inf, 20.0),
    Signal("memory_available_percent", "available memory", "%", 10.0, 5.0, 5.0, rising=False),
    Signal("swap_mib_per_s", "swapping", " MiB/s", 1.0, 8.0, 0.5),
    # A Pi's firmware throttles at 80 °C (85 °C hard): act before it does.
    Signal("temperature", "SoC temperature", " °C", 75.0, 80.0, 5.0),
)


def figures(reading: Reading, previous: Reading | None) -> dict[str, float]:
    """The figures the signals read. Rates (CPU use, swapping) need a previous reading: the
    first one would measure our own start; temperature needs a sensor."""
    values = {
        "memory_available_percent": 100.0 * reading.memory_available / max(reading.memory_total, 1),
    }
    elapsed = reading.at - previous.at if previous else 0.0
    if previous is not None and elapsed > 0:
        values["cpu_percent"] = reading.cpu_percent
        values["swap_mib_per_s"] = max(reading.swapped - previous.swapped, 0) / elapsed / MiB
    if reading.temperature is not None:
        values["temperature"] = reading.temperature
    return values


def sustained_cpu(samples: Sequence[tuple[float, float]],
                  window: float = CPU_SUSTAIN_SECONDS) -> float | None:
    """Time-weighted mean CPU use over the latest readings, (seconds covered, percent) oldest
    first, that span at least `window` seconds; None while they span less."""
    covered = weighted = 0.0
    for seconds, percent in reversed(samples):
        covered += seconds
        weighted += seconds * percent
        if covered >= window:
            return weighted / covered
    return None


def assess(values: dict[str, float], calm: bool = False) -> tuple[Level, list[str]]:
    """The level the figures call for, and why; calm=True uses the stricter calm thresholds."""
    level, reasons = Level.NORMAL, []
    for signal in SIGNALS:
        if signal.name not in values:
            continue
        found = signal.level(values[signal.name], calm)
        if found > Level.NORMAL:
            reasons.append(signal.reason(values[signal.name], found))
        level = max(level, found)
    return level, reasons


def limits(level: Level, baseline: dict[str, int], strained_upload_rate: int) -> dict[str, int]:
    """The session settings for a level: the baseline, or fewer connections and less upload."""
    if level == Level.NORMAL:
        return dict(baseline)
    share = 2 if level == Level.STRAINED else 4
    cap = strained_upload_rate if level == Level.STRAINED else strained_upload_rate // 2
    configured = baseline["upload_rate_limit"]
    return {
        **baseline,
        "connections_limit": max(MIN_CONNECTIONS, baseline["connections_limit"] // share),
        "unchoke_slots_limit": max(2, baseline["unchoke_slots_limit"] // share),
        "upload_rate_limit": min(configured, cap) if configured else cap,
    }


def held_at(level: Level, status: TorrentStatus) -> bool:
    """Whether the governor pauses this torrent at this level: never one that plays."""
    if status.playing or status.broken or level == Level.NORMAL:
        return False
    return level == Level.CRITICAL or status.complete


class Governor:
    """Applies the profile, then adapts it to the readings; `tick()` is what the timer runs."""

    def __init__(self, config: Config, engine: Engine, profile: Profile,
                 reader: SystemReader) -> None:
        self.engine = engine
        self.profile = profile
        self.reader = reader
        self.baseline = {**profile.settings, "upload_rate_limit": config.upload_rate_limit}
        self.level = Level.NORMAL
        self.reasons: list[str] = []
        self.reading: Reading | None = None
        self.values: dict[str, float] = {}
        self.changes: deque[dict[str, Any]] = deque(maxlen=20)
        self._applied: dict[str, int] = {}
        self._calm = 0
        self._cpu: deque[tuple[float, float]] = deque(maxlen=32)  # (seconds, percent)
        self._lock = threading.Lock()
        self._periodic = Periodic("monitor", config.monitor_interval, self.tick)
        engine.on_playing(lambda _info_hash: self._periodic.wake())

    def start(self) -> None:
        log.info("resource profile %s (%s), %s", self.profile.name, self.profile.summary,
                 self.profile.why)
        self.tick()
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

    def tick(self) -> None:
        with self._lock:
            reading = self.reader.read()
            self.values = self._sustained(figures(reading, self.reading), reading)
            self.reading = reading
            level, reasons = assess(self.values)
            new: Level | None = None
            if level > self.level:
                new = level  # back off at once
            elif level < self.level:
                calm, _ = assess(self.values, calm=True)
                self._calm = self._calm + 1 if calm < self.level else 0
                new = calm if self._calm >= CALM_TICKS else None
            else:
                self._calm = 0
                self.reasons = reasons
            if new is None:
                self._enforce()  # torrents come and go, start and stop playing
            else:
                self._change(new, reasons)

    def _sustained(self, values: dict[str, float], reading: Reading) -> dict[str, float]:
        """The figures with CPU use averaged over CPU_SUSTAIN_SECONDS (none until then)."""
        if "cpu_percent" in values and self.reading is not None:
            self._cpu.append((reading.at - self.reading.at, values.pop("cpu_percent")))
            cpu = sustained_cpu(self._cpu)
            if cpu is not None:
                values["cpu_percent"] = cpu
        return values

    def _change(self, level: Level, reasons: list[str]) -> None:
        before = dict(self._applied)
        entry: dict[str, Any] = {"at": time.time(), "from": self.level.name.lower(),
                                 "to": level.name.lower(),
                                 "why": reasons or [f"calm for {CALM_TICKS} readings"]}
        log.warning("resource level %s → %s: %s", entry["from"], entry["to"],
                    "; ".join(entry["why"]))
        self.level, self.reasons, self._calm = level, reasons, 0
        held, released = self._enforce()
        entry["settings"] = {k: [before.get(k), v] for k, v in self._applied.items()
                             if before.get(k) != v}
        entry["held"], entry["released"] = held, released
        self.changes.appendleft(entry)

    def _enforce(self) -> tuple[list[str], list[str]]:
        """Make the session and the torrents match the level; (held, released) torrents."""
        wanted = limits(self.level, self.baseline, self.profile.strained_upload_rate)
        diff = {k: v for k, v in wanted.items() if self._applied.get(k) != v}
        if diff:
            self.engine.apply_settings(diff)
            self._applied.update(diff)
        message = f"paused while the box is under pressure ({'; '.join(self.reasons)})"
        held, released = [], []
        for status in self.engine.statuses():
            want = held_at(self.level, status)
            if want == (HOLD in status.holds):
                continue
            try:
                self.engine.hold(status.info_hash, HOLD, message if want else None)
            except NotFound:  # removed meanwhile
                continue
            (held if want else released).append(status.info_hash)
        return held, released

    # ---- for the health endpoint -------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        with self._lock:
            adjusted = {k: {"profile": self.baseline[k], "now": v}
                        for k, v in self._applied.items() if self.baseline.get(k) != v}
            held = [s.info_hash for s in self.engine.statuses() if HOLD in s.holds]
            return {
                "level": self.level.name.lower(),
                "reasons": list(self.reasons),
                "adjusted": adjusted,
                "held": held,
                "changes": list(self.changes),
                "figures": {**{k: v for k, v in asdict(self.reading).items() if k != "at"},
                            **{k: round(v, 2) for k, v in self.values.items()}}
                if self.reading else {},
            }

    def profile_report(self) -> dict[str, Any]:
        p = self.profile
        return {"name": p.name, "summary": p.summary, "why": p.why,
                "settings": dict(self.baseline), "overrides": dict(p.overrides),
                "seed_while_playing": p.seed_while_playing}
