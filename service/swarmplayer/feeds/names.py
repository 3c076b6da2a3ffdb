"""Release names → which episode, in which quality (guessit).

guessit costs ~13 MB of memory once imported, so the service never imports this module: the
feed worker (worker.py) does, in a short-lived process at poll time.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from guessit import guessit

from .items import Release

_SOURCES = {"Web": "WEB-DL", "Blu-ray": "BluRay", "HDTV": "HDTV", "DVD": "DVD",
            "Ultra HD Blu-ray": "BluRay", "TV": "TV"}


def named(release: Release) -> Release:
    """The release with its show, numbering and quality filled in from its name (what the feed
    said itself, e.g. Torznab's season, wins)."""
    guess: dict[str, Any] = dict(guessit(release.title, {"type": "episode"}))
    season, episode = _first(guess.get("season")), _first(guess.get("episode"))
    day = guess.get("date")
    absolute = None
    if season is None and episode is not None and not isinstance(day, datetime.date):
        absolute, episode = episode, None  # anime: "Show - 05" counts from the first episode
    found = {
        "show": release.show or _text(guess.get("title")),
        "season": release.season if release.season is not None else season,
        "episode": release.episode if release.episode is not None else episode,
        "air_date": day.isoformat() if isinstance(day, datetime.date) else None,
        "absolute": absolute,
        "episode_title": _text(guess.get("episode_title")),
        "resolution": _text(guess.get("screen_size")),
        "source": _SOURCES.get(str(guess.get("source")), _text(guess.get("source"))),
        "group": _text(guess.get("release_group")),
    }
    return dataclasses.replace(release, **found)


def _first(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, int) else None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None
