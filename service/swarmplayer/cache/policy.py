"""What the cache may hold and what goes when it is full. Pure: numbers in, decisions out.

Sizes are "planned" bytes: what a torrent will take once its wanted files are complete. Planning
with them, rather than with what is on disk now, is what keeps a download from crossing the
free-disk floor between two checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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
