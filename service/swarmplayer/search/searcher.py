"""One search: every indexer asked at once, each within the deadline (one that fails or is late
is reported, the others still count), their answers read in one feed-worker process."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from .. import malloc
from ..errors import ServiceError
from ..feeds.items import Release
from ..feeds.poller import parse_answers_in_worker
from ..feeds.store import FeedStore
from ..feeds.torznab import Caps
from .indexers import fetch_call
from .results import Found, grouped
from .secret import redact
from .store import Indexer, IndexerStore

log = logging.getLogger(__name__)

SEARCH_DEADLINE = 15.0
WORKER_DEADLINE = 60.0
ANSWER_MAX_BYTES = 4 << 20
MAX_AT_ONCE = 8
# What a search asks each indexer for: its most (caps `limits max`) up to this. The worker
# reads a release in ~10 ms here (bench/search.py), ~10x that on a Pi: 3 indexers x 50 is
# ~15 s there, within WORKER_DEADLINE.
WANTED = 50
# A search's answers are kept a while, so that the next page of it (or the same search from
# another screen) does not ask every indexer again: indexers limit their callers, and a
# search costs seconds. Only an answer from every indexer is kept (a failure is asked again).
KEPT_SECONDS = 300.0
KEPT_SEARCHES = 2  # each holds its releases (~0.4 MB for 3 indexers x 100)


@dataclass(frozen=True)
class Query:
    text: str
    season: int | None = None
    episode: int | None = None


@dataclass
class Outcome:
    results: list[dict[str, Any]] = field(default_factory=list)
    # Per indexer asked: {"id", "name", "mode", "state": "ok"|"error", "found", "error",
    # "message"}.
    indexers: list[dict[str, Any]] = field(default_factory=list)


def tv_params(caps: Caps) -> list[str] | None:
    """The parameters of the indexer's tv-search when it takes a text query, else None."""
    tv = caps.modes.get("tv-search") or caps.modes.get("tvsearch")
    return tv if tv is not None and "q" in tv else None


def params(indexer: Indexer, query: Query) -> dict[str, str]:
    """The Torznab call for a query: `t=tvsearch` with q, season and ep where the caps say it
    takes them, else `t=search`; numbers an indexer cannot take go into q ("Show S05E02")."""
    tv = tv_params(indexer.caps)
    asked: dict[str, str] = {}
    text = query.text
    if tv is not None:
        asked["t"] = "tvsearch"
        for name, value in (("season", query.season), ("ep", query.episode)):
            if value is not None and name in tv and (name != "ep" or "season" in asked):
                asked[name] = str(value)
    else:
        asked["t"] = "search"
    if query.season is not None and "season" not in asked:
        text += f" S{query.season:02d}"
        if query.episode is not None:
            text += f"E{query.episode:02d}"
    asked["q"] = text
    categories = indexer.caps.tv_categories()
    if categories:
        asked["cat"] = ",".join(str(c) for c in categories)
    asked["limit"] = str(min(indexer.caps.limit_max or WANTED, WANTED))
    asked["extended"] = "1"
    return asked


Answers = tuple[list[Found], list[dict[str, Any]]]


class Searcher:
    def __init__(self, indexers: IndexerStore, feeds: FeedStore | None = None,
                 deadline: float = SEARCH_DEADLINE) -> None:
        self.indexers = indexers
        self._feeds = feeds
        self.deadline = deadline
        self._kept: OrderedDict[Hashable, tuple[float, Answers]] = OrderedDict()
        self._lock = threading.Lock()

    def search(self, query: Query, indexer_id: int | None = None) -> Outcome:
        """The episodes found, grouped, with how each indexer did; a search made in the last
        KEPT_SECONDS, of the same indexers as they are now, is answered from what they said."""
        asked = self._asked(indexer_id)
        # An indexer added, removed or given another key is another search.
        key = (query, tuple((i.id, i.url, i.api_key) for i in asked))
        found, reports = self._recent(key) or self._find(query, asked)
        if reports and all(r["state"] == "ok" for r in reports):
            self._keep(key, (found, reports))
        outcome = Outcome(grouped(found, query.season, query.episode), reports)
        self._known(outcome.results)
        del found
        malloc.trim()
        return outcome

    def _recent(self, key: Hashable) -> Answers | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and time.monotonic() - kept[0] > KEPT_SECONDS:
                del self._kept[key]
                return None
            return None if kept is None else kept[1]

    def _keep(self, key: Hashable, answers: Answers) -> None:
        with self._lock:
            if key not in self._kept:  # kept from its first asking, not refreshed by reading
                self._kept[key] = (time.monotonic(), answers)
            while len(self._kept) > KEPT_SEARCHES:
                self._kept.popitem(last=False)

    def _asked(self, indexer_id: int | None) -> list[Indexer]:
        return [self.indexers.get(indexer_id)] if indexer_id is not None \
            else self.indexers.all()

    def find(self, query: Query, indexer_id: int | None = None) -> Answers:
        """Every release the indexers (or the one asked) found, and how each of them did."""
        return self._find(query, self._asked(indexer_id))

    def _find(self, query: Query, asked: list[Indexer]) -> Answers:
        if not asked:
            return [], []
        # Imported here: the streaming service need not carry it until someone searches.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(len(asked), MAX_AT_ONCE),
                                thread_name_prefix="swarmplayer-search") as pool:
            answers = list(pool.map(lambda i: self._ask(i, query), asked))
        bodies = [{"id": i.id, "url": i.url, "content_type": a.content_type, "body": a.body}
                  for i, a in zip(asked, answers, strict=True) if not isinstance(a, Exception)]
        parsed = {p["id"]: p for p in parse_answers_in_worker(bodies, WORKER_DEADLINE)} \
            if bodies else {}
        found: list[Found] = []
        reports = []
        for indexer, answer in zip(asked, answers, strict=True):
            report = {"id": indexer.id, "name": indexer.name, "mode": params(indexer, query)["t"],
                      "state": "ok", "found": 0, "error": None, "message": None}
            got = parsed.get(indexer.id, {})
            if isinstance(answer, ServiceError) or "error" in got:
                code = answer.code if isinstance(answer, ServiceError) else got["error"]
                text = answer.message if isinstance(answer, ServiceError) else got["message"]
                report.update(state="error", error=code,
                              message=redact(f"{indexer.name}: {text}", indexer.api_key))
                log.warning("search: %s", report["message"])
            else:
                releases = [_unkeyed(Release.from_json(r), indexer) for r in got["releases"]]
                report["found"] = len(releases)
                found += [Found(indexer.id, indexer.name, r) for r in releases]
            reports.append(report)
        return found, reports

    def _ask(self, indexer: Indexer, query: Query) -> Any:
        try:
            return fetch_call(indexer, params(indexer, query), max_bytes=ANSWER_MAX_BYTES,
                              deadline=self.deadline)
        except ServiceError as exc:
            return exc

    def _known(self, results: list[dict[str, Any]]) -> None:
        """Mark the shows the box knows already (from feeds or a subscription) with their id
        and subscription: a client offers "subscribed" instead of "subscribe"."""
        if self._feeds is None:
            return
        for result in results:
            show_id = self._feeds.show_by_name(result["show_title"]) \
                if result["show_title"] else None
            if show_id is not None:
                result["show_id"] = show_id
                result["subscription_id"] = self._feeds.show(show_id)["subscription_id"]


def _unkeyed(release: Release, indexer: Indexer) -> Release:
    """The release with the key masked wherever the indexer put it (Jackett's and Prowlarr's
    download links carry it)."""
    return dataclasses.replace(release, link=redact(release.link, indexer.api_key),
                               guid=redact(release.guid, indexer.api_key)
                               if release.guid else None)
