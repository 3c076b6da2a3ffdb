"""Seeding policy: keep giving back what was watched, within the limits the user set.

The publisher's saving: a finished torrent stays in the swarm until its upload reaches the ratio
limit or it has seeded for the time limit, at a shared upload rate, by at most the profile's
number of torrents at once, and (on weak boxes, or when told) not while a stream plays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .config import Config
from .engine.engine import Engine
from .engine.status import TorrentStatus
from .errors import NotFound
from .periodic import Periodic
from .profiles import Profile, parse_switch
from .store import Store

log = logging.getLogger(__name__)

HOLD = "seeding"  # the reason the seeding policy holds a torrent under


@dataclass(frozen=True)
class SeedLimits:
    ratio: float  # uploaded / size; 0: no limit
    seconds: float  # seeding time; 0: no limit
    upload_rate: int  # bytes/s shared by every torrent seeding; 0: no limit
    while_playing: bool
    active: int  # torrents seeding at once

    @classmethod
    def from_config(cls, config: Config, profile: Profile) -> SeedLimits:
        switch = parse_switch(config.seed_while_playing)
        return cls(config.seed_ratio_limit, config.seed_time_limit, config.seed_upload_rate_limit,
                   profile.seed_while_playing if switch is None else switch,
                   profile.settings["active_seeds"])


@dataclass(frozen=True)
class Seed:
    """A complete torrent, as the policy sees it."""

    info_hash: str
    size: int
    uploaded: int
    seeding_seconds: int
    playing: bool
    last_used: float  # played, else added


def decide(seeds: list[Seed], limits: SeedLimits, stream_playing: bool) -> dict[str, str | None]:
    """For each seed: why it must stop seeding (a message), or None to let it seed.

    What plays is never held. The others, most recently used first, take the active slots.
    """
    result: dict[str, str | None] = {}
    active = 0
    for seed in sorted(seeds, key=lambda s: (not s.playing, -s.last_used)):
        why = None
        if seed.playing:
            pass
        elif limits.ratio and seed.uploaded >= limits.ratio * seed.size:
            why = (f"seeding done: uploaded {seed.uploaded / max(seed.size, 1):.2f}× its size "
                   f"(ratio limit {limits.ratio:g})")
        elif limits.seconds and seed.seeding_seconds >= limits.seconds:
            why = (f"seeding done: seeded {_duration(seed.seeding_seconds)} "
                   f"(time limit {_duration(limits.seconds)})")
        elif stream_playing and not limits.while_playing:
            why = "seeding waits while a stream plays (seed_while_playing is off on this box)"
        elif active >= limits.active:
            why = f"queued: {limits.active} torrents seed at once on this box"
        if why is None:
            active += 1
        result[seed.info_hash] = why
    return result


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def upload_share(limits: SeedLimits, seeding: int) -> int:
    """Each seeding torrent's part of the shared upload rate (0: no cap)."""
    if not limits.upload_rate or not seeding:
        return 0
    return max(limits.upload_rate // seeding, 1024)


class Seeder:
    """Applies the seeding policy to the engine's complete torrents every few seconds."""

    def __init__(self, config: Config, engine: Engine, store: Store, profile: Profile) -> None:
        self.engine = engine
        self.store = store
        self.limits = SeedLimits.from_config(config, profile)
        self._periodic = Periodic("seeding", config.cache_interval, self.tick)
        engine.on_playing(lambda _info_hash: self._periodic.wake())

    def start(self) -> None:
        self.tick()
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

    def tick(self) -> None:
        rows = {r.info_hash: r for r in self.store.torrents()}
        every = self.engine.statuses()
        # A published video (its own folder) is what the publisher wants seeded: no limits.
        statuses = [s for s in every if s.complete and s.save_path is None]
        seeds = []
        for s in statuses:
            row = rows.get(s.info_hash)
            last_used = (row.last_played_at or row.added_at) if row else 0.0
            seeds.append(Seed(s.info_hash, s.total_wanted, s.total_uploaded,
                              s.seeding_seconds, s.playing, last_used))
        playing = any(s.playing for s in every)
        decisions = decide(seeds, self.limits, playing)
        share = upload_share(self.limits, sum(why is None for why in decisions.values()))
        for s in every:
            # Not complete (any more: a prefetched head's torrent is complete until someone
            # plays it and its other pieces are wanted again): no seeding hold of ours.
            why = decisions.get(s.info_hash)
            if s.info_hash not in decisions and HOLD not in s.holds:
                continue
            try:
                self._apply(s, why, share)
            except NotFound:  # removed meanwhile
                continue

    def _apply(self, status: TorrentStatus, why: str | None, share: int) -> None:
        info_hash = status.info_hash
        if status.holds.get(HOLD) != why:
            if why:
                log.info("%s stops seeding: %s", info_hash, why)
            self.engine.hold(info_hash, HOLD, why)
        if why is None and status.upload_limit != share:
            self.engine.set_upload_limit(info_hash, share)
