"""Release names → which episode, in which quality (guessit).

guessit costs ~13 MB of memory once imported, so the service never imports this module: the
feed worker (worker.py) does, in a short-lived process at poll time.

guessit also costs 8-10 ms a name (rebulk tries ~500 patterns), and a show's feed is one name
over and over with other numbers: "Show.S01E02.720p.WEB-x264-GRP". So names are read by their
shape, the name with its one SxxEyy token's digits blanked: once two names of a shape with other
numbers got answers that differ only in season and episode, and those were the token's, later
names of that shape take the same answer with their own numbers (a first poll of 500 items of
one show in two qualities: 4.6 -> 0.5 s CPU). A shape whose answers differ keeps asking guessit.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any

from guessit import guessit

from .items import Release

_SOURCES = {"Web": "WEB-DL", "Blu-ray": "BluRay", "HDTV": "HDTV", "DVD": "DVD",
            "Ultra HD Blu-ray": "BluRay", "TV": "TV"}


# One SxxEyy token, not glued to other letters or digits ("S01E02", "s1e2"; not "S01E02E03").
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[Ss](\d{1,4})[Ee](\d{1,4})(?![A-Za-z0-9])")
_SHAPES_MAX = 1024  # a worker reads one feed or one search: a bound, not an eviction policy
_UNTRUSTED = object()
# shape -> guessit's answer once trusted, _UNTRUSTED, or the first answer and its numbers.
_shapes: dict[str, Any] = {}


def named(release: Release) -> Release:
    """The release with its show, numbering and quality filled in from its name (what the feed
    said itself, e.g. Torznab's season, wins)."""
    guess = _guess(release.title)
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


def _guess(title: str) -> dict[str, Any]:
    """guessit's answer for an episode's name, read from its shape where that is trusted."""
    tokens = list(_TOKEN.finditer(title))
    if len(tokens) != 1:
        return _guessit(title)
    token = tokens[0]
    numbers = (int(token.group(1)), int(token.group(2)))
    shape = "".join((title[:token.start(1)], "#" * len(token.group(1)),
                     title[token.end(1):token.start(2)], "#" * len(token.group(2)),
                     title[token.end(2):]))
    known = _shapes.get(shape)
    if isinstance(known, dict):
        return {**known, "season": numbers[0], "episode": numbers[1]}
    guess = _guessit(title)
    if known is _UNTRUSTED:
        return guess
    if known is None:
        if len(_shapes) < _SHAPES_MAX:
            _shapes[shape] = (numbers, guess)
        return guess
    first_numbers, first = known
    if first_numbers != numbers:
        same = (_numbers(first) == first_numbers and _numbers(guess) == numbers
                and _rest(first) == _rest(guess))
        _shapes[shape] = _rest(guess) if same else _UNTRUSTED
    return guess


def _guessit(title: str) -> dict[str, Any]:
    return dict(guessit(title, {"type": "episode"}))


def _numbers(guess: dict[str, Any]) -> tuple[Any, Any]:
    return guess.get("season"), guess.get("episode")


def _rest(guess: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in guess.items() if key not in ("season", "episode")}


def _first(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, int) else None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None
