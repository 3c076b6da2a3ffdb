"""Which releases are one release, which are one episode, and which release a subscription's
rules pick. Pure: works on anything with a release's attributes (feed items, stored rows)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# What release names add around a show's name and are not part of it.
_YEAR_SUFFIX = re.compile(r" (19|20)\d\d$")


class Release(Protocol):
    title: str
    info_hash: str | None
    size: int | None
    seeders: int | None
    resolution: str | None


R = TypeVar("R", bound=Release)


def normal_title(text: str | None) -> str:
    """A name with case, punctuation and spacing taken out: "Show.Name!" == "show name"."""
    return " ".join(_NOT_WORD.sub(" ", (text or "").lower()).split())


def show_key(show_title: str | None) -> str:
    """The key one show has whatever the feed calls it ("The.Show (2019)" == "the show")."""
    return _YEAR_SUFFIX.sub("", normal_title(show_title))


def release_key(release: Any) -> str:
    """One release seen twice, or in two feeds, has one key: its info-hash, else its name."""
    if release.info_hash:
        return f"ih:{release.info_hash.lower()}"
    return f"name:{normal_title(release.title)}"


def episode_key(item: Any) -> tuple[str, str] | None:
    """(show key, "S01E02" | "2026-11-30" | "#123") of an item, or None when it has no number."""
    return (show_key(item.show_title), label(item)) if item.show_title and label(item) else None


def label(item: Any) -> str | None:
    """How an episode is named in lists: S01E02, an air date, or #absolute."""
    if item.episode is not None:
        return f"S{item.season or 0:02d}E{item.episode:02d}"
    if item.air_date:
        return item.air_date
    if item.absolute is not None:
        return f"#{item.absolute}"
    return None


def unique(releases: Iterable[R]) -> list[R]:
    """`releases` without repeats (first seen kept), by release_key."""
    seen: dict[str, R] = {}
    for release in releases:
        seen.setdefault(release_key(release), release)
    return list(seen.values())


def by_episode(items: Iterable[R]) -> dict[tuple[str, str], list[R]]:
    """The unique releases of each episode; items with no episode number are left out."""
    episodes: dict[tuple[str, str], list[R]] = {}
    for item in unique(items):
        key = episode_key(item)
        if key:
            episodes.setdefault(key, []).append(item)
    return episodes


@dataclass
class Rules:
    """A subscription's choice among an episode's releases."""

    qualities: Sequence[str] = field(default_factory=list)  # preference order; empty: any
    min_size: int | None = None
    max_size: int | None = None
    min_seeders: int | None = None

    def allows(self, release: Release) -> bool:
        """Within the bounds; what a feed does not say (size, seeders) does not rule it out."""
        if self.qualities and release.resolution not in self.qualities:
            return False
        if release.size is not None:
            if self.min_size is not None and release.size < self.min_size:
                return False
            if self.max_size is not None and release.size > self.max_size:
                return False
        if self.min_seeders is not None and release.seeders is not None:
            return release.seeders >= self.min_seeders
        return True


def pick(releases: Iterable[R], rules: Rules) -> R | None:
    """The release the rules prefer: the first quality in their order, then most seeders."""
    allowed = [r for r in releases if rules.allows(r)]
    if not allowed:
        return None

    def preference(release: R) -> tuple[int, int]:
        rank = (list(rules.qualities).index(release.resolution)
                if rules.qualities else 0)
        return rank, -(release.seeders or 0)

    return min(allowed, key=preference)


def wanted(episodes: Sequence[tuple[Any, float]], *, since: float, backfill: int) -> list[Any]:
    """Which episodes a subscription acts on: those first seen after it began (`since`), plus
    the newest `backfill` of the ones before. `episodes` are (episode, first seen) pairs."""
    new = [e for e, seen in episodes if seen >= since]
    older = sorted(((seen, i) for i, (_, seen) in enumerate(episodes) if seen < since),
                   reverse=True)[:max(backfill, 0)]
    return [episodes[i][0] for _, i in sorted(older, key=lambda pair: pair[1])] + new
