"""The feeds, shows, episodes and subscriptions API on a running service, fed by a real HTTP
feed server on 127.0.0.1: exactly the contract's shapes, paging, and 400s naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer
from support import api, assert_json_error, wait_until

OURS = Path(__file__).resolve().parents[1] / "data" / "feeds"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feed_server = FeedServer()
    feed_server.answers["/q.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                     (OURS / "two_qualities.xml").read_bytes())
    feed_server.answers["/daily.xml"] = (200, {}, (OURS / "daily.xml").read_bytes())
    yield feed_server
    feed_server.close()


def polled(base: str, feed_id: int) -> dict:
    return wait_until(lambda: (lambda f: f if f["state"] != "pending" else None)(
        api(base, "GET", f"/api/v1/feeds/{feed_id}").json()), 60, "the first poll")


def test_feed_to_show_to_subscription_to_progress(service, server: FeedServer):
    base = service.url
    created = api(base, "POST", "/api/v1/feeds", {"url": server.base + "/q.xml"})
    assert created.status == 201 and created.json()["state"] in ("pending", "ok")
    again = api(base, "POST", "/api/v1/feeds", {"url": server.base + "/q.xml"})
    assert again.status == 200 and again.json()["id"] == created.json()["id"]
    feed = polled(base, created.json()["id"])
    assert (feed["state"], feed["items"], feed["new_items"], feed["title"]) == (
        "ok", 2, 2, "Two qualities")
    assert feed["skipped"] == [] and feed["interval_minutes"] == 15

    shows = api(base, "GET", "/api/v1/shows").json()
    assert (shows["total"], shows["limit"], shows["offset"]) == (1, 50, 0)
    show = shows["shows"][0]
    assert (show["title"], show["episodes"], show["unwatched"], show["subscribed"]) == (
        "Some Show", 1, 1, False)
    assert show["next_up"]["label"] == "S02E05" and "releases" not in show["next_up"]

    sub = api(base, "POST", "/api/v1/subscriptions",
              {"show_id": show["id"], "qualities": ["720p", "1080p"], "backfill": 1})
    assert sub.status == 201, sub.body
    assert {k: sub.json()[k] for k in ("show_id", "show_title", "qualities", "action")} == {
        "show_id": show["id"], "show_title": "Some Show", "qualities": ["720p", "1080p"],
        "action": "prefetch"}
    episodes = api(base, "GET", f"/api/v1/shows/{show['id']}/episodes").json()
    episode = episodes["episodes"][0]
    assert [r["resolution"] for r in episode["releases"]] == ["1080p", "720p"]
    picked = next(r for r in episode["releases"] if r["id"] == episode["release_id"])
    assert picked["resolution"] == "720p" and picked["info_hash"] == "b" * 40
    assert episode["prefetch"] == "queued"
    detail = api(base, "GET", f"/api/v1/shows/{show['id']}").json()
    assert detail["subscribed"] and detail["seasons"] == [
        {"season": 2, "episodes": 1, "unwatched": 1}]
    assert api(base, "GET", "/api/v1/shows?subscribed=false").json()["total"] == 0
    assert api(base, "GET", "/api/v1/shows?q=some").json()["total"] == 1
    assert api(base, "GET", "/api/v1/shows?q=nothing").json()["total"] == 0
    next_up = api(base, "GET", "/api/v1/episodes?list=next_up").json()["episodes"]
    assert [e["id"] for e in next_up] == [episode["id"]]

    url = f"/api/v1/episodes/{episode['id']}/progress"
    halfway = api(base, "PUT", url, {"position": 300.0, "duration": 1000.0, "state": "paused"})
    assert halfway.status == 200
    assert (halfway.json()["position"], halfway.json()["watched"]) == (300.0, False)
    assert halfway.json()["last_played_at"] is not None
    continuing = api(base, "GET", "/api/v1/episodes?list=continue").json()
    assert [e["id"] for e in continuing["episodes"]] == [episode["id"]]
    done = api(base, "PUT", url, {"position": 950.0}).json()
    assert (done["watched"], done["position"], done["duration"]) == (True, 0.0, 1000.0)
    assert api(base, "GET", "/api/v1/episodes?list=next_up").json()["episodes"] == []

    assert api(base, "POST", f"/api/v1/feeds/{feed['id']}/refresh").status == 202
    assert api(base, "DELETE", f"/api/v1/subscriptions/{sub.json()['id']}").status == 204
    assert api(base, "DELETE", f"/api/v1/feeds/{feed['id']}").status == 204
    assert_json_error(api(base, "GET", f"/api/v1/feeds/{feed['id']}"), 404)
    assert api(base, "GET", f"/api/v1/episodes/{episode['id']}").json()["watched"]


def test_subscribe_by_name_before_any_feed_and_update_rules(service, server: FeedServer):
    base = service.url
    sub = api(base, "POST", "/api/v1/subscriptions",
              {"show": "The Daily Show", "action": "download", "min_seeders": 3}).json()
    assert sub["show_title"] == "The Daily Show" and sub["backfill"] == 0
    changed = api(base, "PUT", f"/api/v1/subscriptions/{sub['id']}",
                  {"qualities": ["1080p"], "max_size": 5 << 30}).json()
    assert (changed["qualities"], changed["max_size"], changed["min_seeders"]) == (
        ["1080p"], 5 << 30, 3)
    listed = api(base, "GET", "/api/v1/subscriptions").json()
    assert listed["total"] == 1 and listed["subscriptions"][0]["id"] == sub["id"]
    feed = api(base, "POST", "/api/v1/feeds", {"url": server.base + "/daily.xml"}).json()
    assert polled(base, feed["id"])["items"] == 2
    shows = api(base, "GET", "/api/v1/shows?subscribed=true").json()["shows"]
    assert [(s["title"], s["episodes"]) for s in shows] == [("The Daily Show", 2)]
    labels = [e["label"] for e in api(base, "GET", f"/api/v1/shows/{shows[0]['id']}/episodes"
                                      ).json()["episodes"]]
    assert labels == ["2026-11-30", "2026-12-01"]


@pytest.mark.parametrize("method,path,payload,field", [
    ("POST", "/api/v1/feeds", {}, "url"),
    ("POST", "/api/v1/feeds", {"url": "file:///etc/passwd"}, "url"),
    ("POST", "/api/v1/feeds", {"url": "http://x.example/", "interval_minutes": 0},
     "interval_minutes"),
    ("POST", "/api/v1/feeds", {"url": "http://x.example/", "colour": "red"}, "colour"),
    ("POST", "/api/v1/subscriptions", {}, "show"),
    ("POST", "/api/v1/subscriptions", {"show": "X", "qualities": ["1080i"]}, "qualities"),
    ("POST", "/api/v1/subscriptions", {"show": "X", "action": "delete"}, "action"),
    ("POST", "/api/v1/subscriptions", {"show": "X", "min_size": 9, "max_size": 1}, "max_size"),
    ("POST", "/api/v1/subscriptions", {"show": "X", "backfill": -1}, "backfill"),
    ("PUT", "/api/v1/episodes/1/progress", {"position": "x"}, "position"),
    ("GET", "/api/v1/episodes?list=bogus", None, "list"),
    ("GET", "/api/v1/feeds?limit=500", None, "limit"),
    ("GET", "/api/v1/shows?subscribed=maybe", None, "subscribed"),
])
def test_bad_requests_name_the_field(service, method, path, payload, field):
    body = assert_json_error(api(service.url, method, path, payload), 400)
    assert body["field"] == field and body["error"] == "invalid_field"


def test_missing_things_are_404(service):
    for path in ("/api/v1/feeds/9", "/api/v1/shows/9", "/api/v1/shows/9/episodes",
                 "/api/v1/episodes/9", "/api/v1/subscriptions/9"):
        assert_json_error(api(service.url, "GET", path), 404)
    assert_json_error(api(service.url, "PUT", "/api/v1/episodes/9/progress", {"position": 1}),
                      404)
    assert_json_error(api(service.url, "POST", "/api/v1/subscriptions", {"feed_id": 9}), 404)
    body = assert_json_error(api(service.url, "POST", "/api/v1/feeds", None), 400)
    assert body["field"] == "url"
