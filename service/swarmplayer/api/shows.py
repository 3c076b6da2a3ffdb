"""`/api/v1/shows`: the shows the feeds carry, their seasons and episodes."""

from __future__ import annotations

import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from ..feeds.store import label
from ..units import whole_number
from .body import invalid, page, paged
from .http import Request, Route, json_response


def release_json(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "title": r["title"], "resolution": r["resolution"],
            "source": r["source"], "size": r["size"], "seeders": r["seeders"],
            "info_hash": r["info_hash"], "group": r["grp"], "link": r["link"],
            "feed_id": r["feed_id"], "published_at": r["published_at"]}


def episode_json(request: Request, e: sqlite3.Row, with_releases: bool = True) -> dict[str, Any]:
    body = {key: e[key] for key in ("id", "show_id", "show_title", "title", "season", "episode",
                                    "air_date", "absolute", "plot", "artwork", "published_at",
                                    "duration", "last_played_at", "info_hash", "file_index",
                                    "release_id")}
    job = request.shared.prefetcher.status(e["info_hash"]) if e["info_hash"] else None
    body.update(label=label(e), watched=bool(e["watched"]), position=e["position"],
                prefetch=job.state if job else "none")
    if with_releases:
        body["releases"] = [release_json(r)
                            for r in request.shared.library.feeds.releases(e["id"])]
    return body


def show_json(request: Request, s: sqlite3.Row,
              next_up: dict[int, sqlite3.Row]) -> dict[str, Any]:
    """A show; `next_up` is FeedStore.next_up(), read once for a whole list."""
    next_up_row = next_up.get(s["id"])
    return {"id": s["id"], "title": s["title"], "subscribed": s["subscription_id"] is not None,
            "subscription_id": s["subscription_id"], "episodes": s["episodes"],
            "unwatched": s["unwatched"], "artwork": s["artwork"], "latest": s["latest"],
            "next_up": (episode_json(request, next_up_row, with_releases=False)
                        if next_up_row else None)}


def list_shows(request: Request) -> Response:
    limit, offset = page(request)
    flag = request.args.get("subscribed")
    if flag not in (None, "true", "false"):
        raise invalid("subscribed", "is true or false")
    feeds = request.shared.library.feeds
    found = feeds.shows(None if flag is None else flag == "true",
                        request.args.get("q", "")[:200], limit, offset)
    next_up = feeds.next_up()
    return json_response(paged("shows", [show_json(request, s, next_up) for s in found.rows],
                               found.total, limit, offset))


def show(request: Request, show_id: int) -> Response:
    feeds = request.shared.library.feeds
    body = show_json(request, feeds.show(show_id), feeds.next_up())
    body["seasons"] = [{"season": r["season"], "episodes": r["episodes"],
                        "unwatched": r["unwatched"]} for r in feeds.seasons(show_id)]
    return json_response(body)


def episodes(request: Request, show_id: int) -> Response:
    limit, offset = page(request)
    raw = request.args.get("season")
    season = None if raw is None else whole_number(raw)
    if raw is not None and season is None:
        raise invalid("season", "is a season number")
    feeds = request.shared.library.feeds
    feeds.show(show_id)
    found = feeds.episodes(show_id, season, limit, offset)
    return json_response(paged("episodes", [episode_json(request, e) for e in found.rows],
                               found.total, limit, offset))


def routes() -> list[Route]:
    return [
        Route("/api/v1/shows", list_shows, "GET", group="shows"),
        Route("/api/v1/shows/<int:show_id>", show, "GET", group="shows"),
        Route("/api/v1/shows/<int:show_id>/episodes", episodes, "GET", group="shows"),
    ]
