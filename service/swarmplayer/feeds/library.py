"""The feeds component: feeds and their poller, subscriptions acting on new episodes, and
playing an episode through the engine. The API and the CLI use it; it uses the engine."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from .. import fetch
from ..engine.engine import Engine, FileInfo
from ..errors import BadInput, NotFound, ServiceError
from ..prefetch import Prefetcher
from ..slots import Slots
from ..sources import add_source
from ..store import Store
from .match import pick
from .poller import Poller
from .store import FeedStore

log = logging.getLogger(__name__)

SUBTITLES = (".srt", ".ass", ".ssa", ".vtt", ".sub")


class Library:
    def __init__(self, engine: Engine, store: Store, prefetcher: Prefetcher) -> None:
        self.engine = engine
        self.prefetcher = prefetcher
        self._cache_flags = store
        self.feeds = FeedStore(store)
        self.poller = Poller(self.feeds, self.on_new_episodes)

    def start(self) -> None:
        self.poller.start()

    def stop(self) -> None:
        self.poller.stop()

    # ---- feeds -----------------------------------------------------------------------------
    def add_feed(self, url: str, title: str | None, interval_minutes: int) -> tuple[int, bool]:
        feed_id, created = self.feeds.add_feed(fetch.check_url(url), title, interval_minutes)
        if created:
            self.poller.wake()  # its first poll now, in the background
        return feed_id, created

    def refresh(self, feed_id: int, wait: float | None = None) -> bool:
        """Poll the feed now (again after a poll of it already running); with `wait`, block up
        to that many seconds for that poll: whether it is done."""
        ticket = self.poller.refresh(feed_id)
        return wait is not None and self.poller.wait_polled(feed_id, ticket, wait)

    # ---- subscriptions ---------------------------------------------------------------------
    def subscribe(self, rules: dict[str, Any], show_name: str | None = None) -> int:
        """A subscription to a show (by id or name) or a whole feed; the newest `backfill`
        episodes it covers are acted on at once."""
        if show_name is not None:
            show_id = self.feeds.show_by_name(show_name) or self.feeds.add_show(show_name)
            rules = {**rules, "show_id": show_id}
        elif rules.get("show_id") is not None:
            self.feeds.show(rules["show_id"])
        elif rules.get("feed_id") is not None:
            self.feeds.feed(rules["feed_id"])
        sub_id = self.feeds.add_subscription(rules)
        self._backfill(self.feeds.subscription(sub_id))
        return sub_id

    def on_new_episodes(self, episode_ids: list[int], poll_started: float,
                        first_read: bool = False) -> None:
        """Act on the episodes a poll found, for the subscriptions they are new to (is_new_to).
        To the others they were there before the subscription: its backfill's business, run
        again now that they are stored. A feed's first read holds its whole history (150
        episodes of a show are common), so there only what was published since the
        subscription is new."""
        backfills: dict[int, sqlite3.Row] = {}
        for episode_id in episode_ids:
            published = self.feeds.episode(episode_id)["published_at"] if first_read else None
            acting = None
            for sub in self.feeds.subscriptions_for(episode_id):
                if not is_new_to(sub, poll_started, first_read, published):
                    backfills[sub["id"]] = sub
                elif acting is None:  # one subscription is enough to fetch an episode once
                    acting = sub
            if acting is not None:
                self._act(episode_id, acting)
        for sub in backfills.values():
            self._backfill(sub)

    def _backfill(self, sub: sqlite3.Row) -> None:
        """Act on the newest `backfill` episodes published before the subscription was made,
        but those fetched already (by an earlier backfill or a play)."""
        for episode_id in self.feeds.newest_episodes(sub, sub["backfill"],
                                                     float(sub["created_at"])):
            if self.feeds.episode(episode_id)["info_hash"] is None:
                self._act(episode_id, sub)

    def _act(self, episode_id: int, sub: sqlite3.Row) -> None:
        """Fetch a subscribed episode's release as the subscription says: its head (the
        default) or all of it."""
        release = pick(self.feeds.releases(episode_id), _rules(sub))
        if release is None:
            log.info("episode %s: no release fits subscription %s", episode_id, sub["id"])
            return
        try:
            info_hash = add_source(self.engine, release["link"],
                                   waiting=sub["action"] != "download").info_hash
        except ServiceError as exc:
            log.warning("episode %s: cannot add %s: %s", episode_id, release["title"],
                        exc.message)
            return
        self.feeds.set_torrent(episode_id, info_hash, None, release["id"])
        if sub["action"] == "download":
            self.download(info_hash)
        else:
            self.prefetcher.prefetch(info_hash)

    # ---- playing ---------------------------------------------------------------------------
    def play(self, episode_id: int, release_id: int | None, file_index: int | None,
             fetch_slots: Slots | None = None) -> tuple[str, int | None]:
        """Add the episode's release (the one asked for, else the subscription's or the
        best-seeded pick) and start its prefetch; (info-hash, the episode's file, when the
        metadata is known). `fetch_slots` bounds the request threads fetching .torrent links
        (api/limits.py)."""
        info_hash, file_index, release_id = self._add(episode_id, release_id, file_index,
                                                      fetch_slots)
        self.feeds.set_played(episode_id, info_hash, file_index, release_id)
        self.prefetcher.prefetch(info_hash, file_index)
        return info_hash, file_index

    def download_episode(self, episode_id: int, release_id: int | None,
                         fetch_slots: Slots | None = None) -> None:
        """All of the episode's release, for later."""
        info_hash, file_index, release_id = self._add(episode_id, release_id, None, fetch_slots)
        self.feeds.set_torrent(episode_id, info_hash, file_index, release_id)
        self.download(info_hash)

    def _add(self, episode_id: int, release_id: int | None, file_index: int | None,
             fetch_slots: Slots | None) -> tuple[str, int | None, int]:
        episode = self.feeds.episode(episode_id)
        releases = self.feeds.releases(episode_id)
        if release_id is not None:
            release = next((r for r in releases if r["id"] == release_id), None)
            if release is None:
                raise NotFound(f"episode {episode_id} has no release {release_id}")
        else:
            subs = self.feeds.subscriptions_for(episode_id)
            release = pick(releases, _rules(subs[0]) if subs else {}) or pick(releases, {})
            if release is None:
                raise NotFound(f"episode {episode_id} has no release to play")
        info_hash = add_source(self.engine, release["link"], fetch_slots=fetch_slots).info_hash
        files = self.engine.files(info_hash)
        if file_index is None and files:
            file_index = episode_file(files, episode)
        elif file_index is not None and files and file_index not in {f.index for f in files}:
            raise BadInput(f"the torrent has no file {file_index}", code="invalid_field")
        return info_hash, file_index, int(release["id"])

    def download(self, info_hash: str) -> None:
        """All of a torrent, kept until it is complete (the cache does not evict it)."""
        self.engine.download_all(info_hash)
        self._cache_flags.set_cache_flag(info_hash, "keep", True)


    def delete_cache(self, episode_id: int) -> None:
        """The episode's torrent and data go; the episode and its watched state stay."""
        episode = self.feeds.episode(episode_id)
        if episode["info_hash"]:
            with contextlib.suppress(NotFound):  # gone already: evicted, or removed
                self.engine.remove(episode["info_hash"])
        self.feeds.set_torrent(episode_id, None, None, episode["release_id"])


def is_new_to(sub: Mapping[str, Any], poll_started: float, first_read: bool = False,
              published_at: float | None = None) -> bool:
    """What "new" means to a subscription: found by a poll that started after it was made and,
    on a feed's first read, published after it was made (undated: not new)."""
    made = float(sub["created_at"])
    if first_read and (published_at is None or published_at <= made):
        return False
    return made < poll_started


def _rules(sub: Mapping[str, Any]) -> dict[str, Any]:
    return {**dict(sub), "qualities": json.loads(sub["qualities"] or "[]")}


def episode_file(files: list[FileInfo], episode: Mapping[str, Any]) -> int:
    """A season pack's file for this episode: the video whose name says its number, else the
    largest video."""
    videos = [f for f in files if f.is_video] or files
    wanted = _episode_pattern(episode)
    if wanted is not None:
        for f in videos:
            if wanted.search(PurePosixPath(f.path).name):
                return f.index
    return max(videos, key=lambda f: f.size).index


def _episode_pattern(episode: Mapping[str, Any]) -> re.Pattern[str] | None:
    season, number = episode["season"], episode["episode"]
    if season is not None and number is not None:
        return re.compile(rf"(?i)(s0*{season}[ ._-]*e0*{number}(?!\d)|\b0*{season}x0*{number}\b)")
    if episode["air_date"]:
        return re.compile(re.escape(episode["air_date"]).replace(r"\-", r"[.\- ]"))
    if episode["absolute"] is not None:
        return re.compile(rf"(?<!\d)0*{episode['absolute']}(?!\d)")
    return None


def subtitles_for(files: list[FileInfo], video: FileInfo) -> list[FileInfo]:
    """Subtitle files beside a video whose name starts like the video's."""
    stem = PurePosixPath(video.path).stem.lower()
    return [f for f in files if PurePosixPath(f.path).suffix.lower() in SUBTITLES
            and PurePosixPath(f.path).name.lower().startswith(stem[:max(len(stem) - 4, 1)])]

