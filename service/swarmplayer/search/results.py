"""Releases found by indexers → episodes (pure): one release seen by two indexers is one, the
releases of one episode are grouped, best-seeded first, as feeds group theirs (feeds/store.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..feeds.items import Release
from ..feeds.store import episode_key, key, label, release_key


@dataclass(frozen=True)
class Found:
    """A release as an indexer answered it (its link already without the key)."""

    indexer_id: int
    indexer: str
    release: Release


def grouped(found: Iterable[Found], season: int | None = None,
            episode: int | None = None) -> list[dict[str, Any]]:
    """Episodes with their releases, the best-seeded episode first. With `season`/`episode`,
    releases known to be of another season or episode are left out (an indexer that cannot
    search by them answers with any)."""
    episodes: dict[tuple[str, str], dict[str, Any]] = {}
    seen: dict[str, dict[str, Any]] = {}
    for item in found:
        r = item.release
        if not _wanted(r, season, episode):
            continue
        ours = release_json(item)
        twin = seen.get(release_key(r))
        if twin is not None:
            if (ours["seeders"] or 0) > (twin["seeders"] or 0):
                twin.update(ours)
            continue
        seen[release_key(r)] = ours
        group = episodes.setdefault((key(r.show or ""), episode_key(r)), _episode(r))
        group["releases"].append(ours)
    for group in episodes.values():
        group["releases"].sort(key=lambda x: -(x["seeders"] or 0))
        group["seeders"] = group["releases"][0]["seeders"]
    return sorted(episodes.values(), key=lambda g: -(g["seeders"] or 0))


def _wanted(r: Release, season: int | None, episode: int | None) -> bool:
    if season is not None and r.season is not None and r.season != season:
        return False
    return not (episode is not None and r.episode is not None and r.episode != episode)


def _episode(r: Release) -> dict[str, Any]:
    numbers = {"season": r.season, "episode": r.episode, "air_date": r.air_date,
               "absolute": r.absolute, "title": r.episode_title}
    return {"show_title": r.show, **numbers, "label": label(numbers) or r.title,
            "show_id": None, "subscription_id": None, "seeders": None, "releases": []}


def release_json(item: Found) -> dict[str, Any]:
    r = item.release
    return {"title": r.title, "link": r.link, "indexer_id": item.indexer_id,
            "indexer": item.indexer, "info_hash": r.info_hash, "size": r.size,
            "seeders": r.seeders, "peers": r.peers, "resolution": r.resolution,
            "source": r.source, "group": r.group, "published_at": r.published_at}
