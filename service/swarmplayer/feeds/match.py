"""Which release of an episode a subscription takes (pure): the first of its preferred
qualities that fits its size and seeder bounds, the best-seeded of those."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# The rules' vocabulary (the API checks bodies against it, the CLI its flags).
QUALITIES = ("2160p", "1080p", "720p", "576p", "480p", "360p")
ACTIONS = ("prefetch", "download")  # what a subscription does with a new episode


def pick(releases: Sequence[Mapping[str, Any]],
         rules: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The release to take, or None when none fits. `rules`: qualities (resolutions in order
    of preference; empty: any), min_size, max_size, min_seeders (None: no bound). A bound that
    a release cannot be judged by (its size or seeders unknown) does not rule it out."""
    qualities = [q.lower() for q in rules.get("qualities") or ()]

    def fits(r: Mapping[str, Any]) -> bool:
        size, seeders = r.get("size"), r.get("seeders")
        if qualities and str(r.get("resolution") or "").lower() not in qualities:
            return False
        if size is not None and rules.get("min_size") is not None and size < rules["min_size"]:
            return False
        if size is not None and rules.get("max_size") is not None and size > rules["max_size"]:
            return False
        min_seeders = rules.get("min_seeders")
        return not (seeders is not None and min_seeders is not None and seeders < min_seeders)

    def rank(r: Mapping[str, Any]) -> tuple[int, int]:
        quality = str(r.get("resolution") or "").lower()
        preference = qualities.index(quality) if quality in qualities else 0
        return preference, -(r.get("seeders") or 0)

    candidates = [r for r in releases if fits(r)]
    return min(candidates, key=rank) if candidates else None
