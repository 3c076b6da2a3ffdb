"""What the cache may hold and what goes when it is full. Pure: numbers in, decisions out.

Sizes are "planned" bytes: what a torrent will take once its wanted files are complete. Planning
with them, rather than with what is on disk now, is what keeps a download from crossing the
free-disk floor between two checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:(%)|([kmgt]?)(?:i?b)?)", re.IGNORECASE)


@dataclass(frozen=True)
class Amount:
    """Disk space given as bytes or as a percentage of the disk."""

    value: float
    percent: bool = False

    def of(self, disk_total: int) -> int:
        """The amount in bytes on a disk of `disk_total` bytes."""
        return int(disk_total * self.value / 100) if self.percent else int(self.value)

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.percent else f"{int(self.value)} bytes"


def parse_amount(raw: object) -> Amount:
    """'80%', '500M', '20 GB', '1.5GiB' or a number of bytes; units are powers of 1024."""
    if isinstance(raw, bool):
        raise ValueError(f"give bytes like 500M or 20G, or a share of the disk like 80%, "
                         f"not {raw!r}")
    if isinstance(raw, int):
        if raw < 0:
            raise ValueError(f"an amount of disk cannot be negative, not {raw}")
        return Amount(raw)
    match = _AMOUNT.fullmatch(str(raw).strip())
    if match is None:
        raise ValueError(f"give bytes like 500M or 20G, or a share of the disk like 80%, "
                         f"not {raw!r}")
    number = float(match[1])
    if match[2]:
        if number > 100:
            raise ValueError(f"a share of the disk is at most 100%, not {raw!r}")
        return Amount(number, percent=True)
    return Amount(number * _UNITS[(match[3] or "").lower()])


@dataclass(frozen=True)
class Item:
    """One torrent as the cache sees it."""

    info_hash: str
    size: int  # bytes of its wanted files
    on_disk: int  # bytes its folder takes now
    complete: bool
    added_at: float
    played_at: float | None = None
    playing: bool = False  # a stream of it is open
    pinned: bool = False  # the user said: never evict
    keep: bool = False  # the user asked for this download: never evict it before it completes

    @property
    def planned(self) -> int:
        return max(self.size, self.on_disk)

    @property
    def remaining(self) -> int:
        """Bytes it will still write if it runs to the end."""
        return self.planned - self.on_disk

    @property
    def protected(self) -> bool:
        return self.playing or self.pinned or (self.keep and not self.complete)

    @property
    def watched(self) -> bool:
        return self.played_at is not None


def eviction_order(items: Iterable[Item]) -> list[Item]:
    """What may be evicted, first to go first: watched and complete, then least recently used
    (played, or added if never played). Never what plays, is pinned or is kept."""
    return sorted((i for i in items if not i.protected),
                  key=lambda i: (not (i.watched and i.complete),
                                 i.played_at if i.played_at is not None else i.added_at))


@dataclass(frozen=True)
class Plan:
    evict: tuple[str, ...]  # remove these, data and all, in this order
    hold: tuple[str, ...]  # pause these downloads: they do not fit
    planned: int  # bytes the cache will take after the plan


def plan(items: list[Item], quota: int, room: int) -> Plan:
    """Fit the cache within `quota` (the user's, soft) and `room` (what it may take without
    crossing the free-disk floor, hard).

    Items are admitted most deserving first: the streams playing, then what is pinned or kept
    (oldest first), then the rest in the reverse of the eviction order. What does not fit is
    held when it is a download (what it has stays), else evicted. So only as much is evicted
    as the more deserving items need, and a download too big for the disk is held, never
    deleted to make room for itself. The playing streams may exceed the quota, never the floor.
    """
    limit = min(quota, room)
    protected = sorted((i for i in items if i.protected), key=lambda i: (not i.playing, i.added_at))
    total = 0
    hold: list[str] = []
    evict: list[str] = []
    for item in protected + eviction_order(items)[::-1]:
        cap = room if item.playing else limit
        if total + item.planned <= cap:
            total += item.planned
        elif not item.complete and (item.protected or total + item.on_disk <= cap):
            hold.append(item.info_hash)
            total += item.on_disk
        elif item.protected:
            total += item.planned  # pinned and complete: it stays, over the limit or not
        else:
            evict.append(item.info_hash)
    return Plan(tuple(evict[::-1]), tuple(sorted(hold)), total)
