"""Show, episode and quality of a release name, by guessit. guessit costs ~13 MB once imported,
so only the short-lived parse worker (feeds/worker.py) imports this module, never the service."""

from __future__ import annotations

import datetime
from typing import Any

from guessit import guessit

from .parse import Item

_RESOLUTIONS = {"2160p": "2160p", "4k": "2160p", "1080p": "1080p", "1080i": "1080p",
                "720p": "720p", "576p": "480p", "480p": "480p", "480i": "480p"}
_SOURCES = {"Web": "WEB-DL", "HDTV": "HDTV", "Blu-ray": "BluRay", "DVD": "DVD",
            "Ultra HDTV": "HDTV", "Digital TV": "PDTV", "TV": "PDTV"}


def describe(item: Item) -> Item:
    """`item` with its show title, numbering and quality filled from its release name (what the
    feed itself said, e.g. torznab season/episode or showRSS's show name, wins)."""
    found = _guess(item.title)
    item.show_title = item.show_title or _text(found.get("title"))
    if item.season is None:
        item.season = _number(found.get("season"))
    if item.episode is None:
        item.episode = _number(found.get("episode"))
    when = found.get("date")
    if isinstance(when, datetime.date) and item.season is None and item.episode is None:
        item.air_date = when.isoformat()
    if found.get("absolute_episode") is not None:
        item.absolute = _number(found.get("absolute_episode"))
    elif item.season is None and item.episode is not None and item.air_date is None:
        # anime numbering: "Show - 50" has an episode but no season
        item.absolute, item.episode = item.episode, None
    item.resolution = _RESOLUTIONS.get(str(found.get("screen_size", "")).lower())
    source = found.get("source")
    item.source = _SOURCES.get(source[0] if isinstance(source, list) else source) \
        if source else None
    if item.source == "WEB-DL" and "Rip" in found.get("other", []):
        item.source = "WEBRip"
    item.group = _text(found.get("release_group"))
    return item


def _guess(title: str) -> dict[str, Any]:
    try:
        return dict(guessit(title, {"type": "episode"}))
    except Exception:  # guessit fails on odd names; the item stays usable
        return {}


def _number(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, int) else None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() or None if value is not None else None
