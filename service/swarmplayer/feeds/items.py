"""What a feed item becomes: a release of an episode (plain data, shared by every feeds module)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Release:
    """One feed item that can be played: a torrent of one episode (or pack) in one quality."""

    title: str  # the release name as the feed gives it
    link: str  # magnet: or http(s) URL of a .torrent/.tstream
    info_hash: str | None = None  # 40 hex, lower case
    size: int | None = None
    seeders: int | None = None
    peers: int | None = None
    published_at: float | None = None
    guid: str | None = None
    # From the release name (names.py): which episode, in which quality.
    show: str | None = None
    season: int | None = None
    episode: int | None = None
    air_date: str | None = None  # YYYY-MM-DD, daily shows
    absolute: int | None = None  # anime: episode number without a season
    episode_title: str | None = None
    resolution: str | None = None
    source: str | None = None
    group: str | None = None
    plot: str | None = None
    artwork: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Release:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Skipped:
    title: str | None
    why: str


@dataclass
class ParsedFeed:
    title: str | None = None
    releases: list[Release] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    known: int = 0  # items left out because an earlier poll gave them
    # What feedparser could not read (a bozo feed): the rest is still used.
    warning: str | None = None
