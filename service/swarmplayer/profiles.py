"""Resource profiles: libtorrent sizes and limits for the box we run on. Pure (no psutil here).

A profile is chosen at start from the RAM and CPU count (or named in the config), and any of its
settings can be overridden with `tuning = "connections_limit=40,aio_threads=2"`. Every setting
named here exists, with the same meaning, in libtorrent 2.0 and 2.1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from .units import whole_number

MiB = 1 << 20
GiB = 1 << 30
AUTO = "auto"


@dataclass(frozen=True)
class Machine:
    """What the profile is chosen from."""

    ram: int  # bytes
    cpus: int
    arch: str  # platform.machine(): 'aarch64', 'armv7l', 'x86_64', …
    model: str | None = None  # e.g. 'Raspberry Pi 4 Model B Rev 1.4', from the device tree

    @property
    def is_arm(self) -> bool:
        return self.arch.lower().startswith(("arm", "aarch"))


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str
    # libtorrent settings_pack names → values; the governor's baseline.
    settings: Mapping[str, int]
    # Seed while a stream plays (a weak box needs its upload and CPU for the stream).
    seed_while_playing: bool
    # Upload cap (bytes/s) the governor applies under pressure when none is configured.
    strained_upload_rate: int
    why: str = ""  # how it was chosen
    overrides: Mapping[str, int] = field(default_factory=dict)


def _settings(connections: int, downloads: int, seeds: int, active: int, disk_queue: int,
              send_buffer: int, checking_blocks: int, aio: int, hashing: int, alerts: int,
              unchoke: int) -> dict[str, int]:
    return {
        "connections_limit": connections,
        # libtorrent's queue limits (only auto-managed torrents); the seeding policy also
        # holds seeds beyond active_seeds.
        "active_downloads": downloads,
        "active_seeds": seeds,
        "active_limit": active,
        # Memory: bytes waiting to be written (2.1 allows 100 MiB by default: a Pi Zero's whole
        # free RAM), per-peer send buffers, and blocks held while checking files.
        "max_queued_disk_bytes": disk_queue,
        "send_buffer_watermark": send_buffer,
        "checking_mem_usage": checking_blocks,  # 16 KiB blocks
        # Threads: disk I/O and piece hashing.
        "aio_threads": aio,
        "hashing_threads": hashing,
        "alert_queue_size": alerts,
        "unchoke_slots_limit": unchoke,
    }


PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile("pi-zero-2", "512 MB class (Raspberry Pi Zero 2 W, single-core boards)",
            _settings(40, 1, 2, 3, 2 * MiB, 128 << 10, 16, 1, 1, 500, 4),
            seed_while_playing=False, strained_upload_rate=64 << 10),
    Profile("pi-3", "1 GB class (Raspberry Pi 3)",
            _settings(80, 2, 3, 5, 4 * MiB, 256 << 10, 32, 2, 1, 1000, 6),
            seed_while_playing=False, strained_upload_rate=128 << 10),
    Profile("pi-4", "2 GB and more on ARM (Raspberry Pi 4/5), small x86 boxes",
            _settings(150, 3, 5, 10, 8 * MiB, 512 << 10, 128, 4, 2, 2000, 8),
            seed_while_playing=True, strained_upload_rate=512 << 10),
    Profile("desktop", "x86 PCs with 3 GB and more",
            _settings(200, 4, 8, 20, 32 * MiB, 1 * MiB, 256, 8, 2, 4000, 8),
            seed_while_playing=True, strained_upload_rate=2 * MiB),
)}


def choose(machine: Machine) -> Profile:
    """The profile for a machine, from its RAM and CPU count (and whether it is an ARM board)."""
    # Thresholds sit below the nominal sizes: the GPU's share and the kernel are not reported.
    if machine.ram < 640 * MiB or machine.cpus < 2:
        name = "pi-zero-2"
    elif machine.ram < 1536 * MiB:
        name = "pi-3"
    elif machine.is_arm or machine.ram < 3 * GiB:
        name = "pi-4"
    else:
        name = "desktop"
    return PROFILES[name]


def resolve(name: str, machine: Machine, tuning: str = "",
            connections_limit: int = 0) -> Profile:
    """The profile in force: named (or chosen when 'auto'), with the user's overrides applied."""
    check_profile_name(name)
    base = choose(machine) if name == AUTO else PROFILES[name]
    ram = f"{machine.ram / GiB:.1f} GB RAM, {machine.cpus} CPUs, {machine.arch}"
    why = f"chosen from {ram}" if name == AUTO else f"set in the config ({ram})"
    overrides = parse_tuning(tuning)
    if connections_limit:
        overrides.setdefault("connections_limit", connections_limit)
    return dataclasses.replace(base, settings={**base.settings, **overrides}, why=why,
                               overrides=overrides)


def check_profile_name(raw: object) -> None:
    if raw != AUTO and raw not in PROFILES:
        raise ValueError(f"must be {AUTO!r} or one of {', '.join(PROFILES)}, not {raw!r}")


def parse_tuning(raw: object) -> dict[str, int]:
    """'name=value,…' over a profile's settings; '' for none."""
    text = str(raw).strip()
    known = PROFILES["desktop"].settings
    result: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep or name not in known:
            raise ValueError(f"{part!r} is not name=value with a name among {', '.join(known)}")
        number = whole_number(value)
        if number is None or number < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
        result[name] = number
    return result


def parse_switch(raw: object) -> bool | None:
    """'auto' (None: the profile decides), or true/false."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text == AUTO:
        return None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be {AUTO!r}, true or false, not {raw!r}")
