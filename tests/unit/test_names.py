"""Release names read by their shape give what guessit gives, name by name, while a show's feed
asks guessit only twice per shape."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from guessit import guessit

from swarmplayer.feeds import names
from swarmplayer.feeds.items import Release
from swarmplayer.feeds.parse import FeedError, parse_feed

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "feeds"
TOKEN = re.compile(r"(?<![A-Za-z0-9])([Ss])(\d{1,4})([Ee])(\d{1,4})(?![A-Za-z0-9])")
# Names whose numbers could tempt a shape: two tokens, multi-episodes, a token glued to a word,
# a year, a resolution or a CRC beside the token, numbers that change their width.
AWKWARD = [
    "Show.S01E02E03.720p.HDTV.x264-GRP",
    "Show.S01E02-03.720p.HDTV.x264-GRP",
    "Show.S01E02.S01E03.720p.HDTV.x264-GRP",
    "ShowS01E02.720p.HDTV.x264-GRP",
    "Show.2019.S01E02.1080p.WEB.h264-GRP",
    "Show.S01E02.1080.WEB.h264-GRP",
    "[Grp] Show - S01E02 [1080p][ABCD1234].mkv",
    "Show.S09E99.720p.HDTV.x264-GRP",
    "Show s01e02 Episode Title 720p",
    "Show.S01E2.WEB-DL",
    "Show.S2019E101.WEB-DL",
    "24.S05E24.720p.HDTV.x264-GRP",
    "Show.S01E02.PROPER.REPACK.720p.HDTV.x264-GRP",
]


def _release(title: str) -> Release:
    return Release(title=title, link="magnet:?xt=urn:btih:" + "a" * 40)


def _direct(title: str) -> Release:
    """named() as it was: guessit on every name."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(names, "_guess", lambda text: dict(guessit(text, {"type": "episode"})))
        return names.named(_release(title))


def _renumbered(title: str, step: int) -> str:
    """The name with its token's numbers moved by `step`, each keeping its width."""
    def other(found: re.Match[str]) -> str:
        season, episode = found.group(2), found.group(4)
        new_season = (int(season) + step) % 10 ** len(season)
        new_episode = (int(episode) + 2 * step) % 10 ** len(episode)
        return (f"{found.group(1)}{new_season:0{len(season)}d}"
                f"{found.group(3)}{new_episode:0{len(episode)}d}")
    return TOKEN.sub(other, title)


def _corpus_titles() -> list[str]:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}: corpus names not read")
    titles = []
    for path in sorted(CORPUS.iterdir()):
        try:
            titles += [r.title for r in parse_feed(path.read_bytes()).releases]
        except FeedError:
            continue
    return titles


@pytest.fixture(autouse=True)
def fresh_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(names, "_shapes", {})


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def counting(title: str, options: dict[str, str]) -> object:
        asked.append(title)
        return guessit(title, options)
    monkeypatch.setattr(names, "guessit", counting)
    return asked


def test_every_corpus_name_renumbered_reads_as_guessit_reads_it():
    titles = _corpus_titles()
    assert len(titles) > 100
    shaped = 0
    # Each name three times with other numbers: the third is read from its shape if trusted.
    for title in titles:
        for step in (0, 1, 3, 7):
            name = _renumbered(title, step)
            assert names.named(_release(name)) == _direct(name), name
        shaped += len(TOKEN.findall(title)) == 1
    assert shaped > 20  # the corpus has show names to read by shape


@pytest.mark.parametrize("title", AWKWARD)
def test_awkward_names_renumbered_read_as_guessit_reads_them(title: str):
    for step in (0, 1, 2, 5, 11):
        name = _renumbered(title, step)
        assert names.named(_release(name)) == _direct(name), name


def test_a_show_feed_in_two_qualities_asks_guessit_twice_per_quality(calls: list[str]):
    titles = [f"Starling.Point.S{season:02d}E{episode:02d}.{quality}.WEB.h264-GRP"
              for season in (1, 2, 3) for episode in range(1, 21)
              for quality in ("720p", "1080p")]
    read = [names.named(_release(title)) for title in titles]
    assert len(calls) == 4
    last = read[-1]
    assert (last.show, last.season, last.episode, last.resolution, last.source, last.group) == \
        ("Starling Point", 3, 20, "1080p", "WEB-DL", "GRP")
    assert read == [_direct(title) for title in titles]


def test_a_shape_whose_answers_differ_keeps_asking_guessit(calls: list[str]):
    # S01E02-09 is episodes 2 to 9 to guessit, not the token's one: never read by shape.
    titles = [f"Show.S01E{n:02d}-09.720p.HDTV.x264-GRP" for n in range(1, 9)]
    for title in titles:
        assert names.named(_release(title)) == _direct(title)
    assert len(calls) == len(titles)


def test_what_the_feed_says_still_wins_over_the_shape():
    for n in (1, 2, 3):
        names.named(_release(f"Show.S01E{n:02d}.720p.HDTV.x264-GRP"))
    torznab = dataclasses.replace(_release("Show.S01E04.720p.HDTV.x264-GRP"), season=7,
                                  episode=9, show="The Show")
    read = names.named(torznab)
    assert (read.show, read.season, read.episode) == ("The Show", 7, 9)


def test_shapes_are_bounded(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(names, "_SHAPES_MAX", 5)
    for n in range(40):
        names.named(_release(f"Show{n}.S01E01.720p.HDTV.x264-GRP"))
    assert len(names._shapes) == 5
