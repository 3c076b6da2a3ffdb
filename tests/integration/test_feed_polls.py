"""Polls that overlap what the user does, through the real service and a real feed server on
127.0.0.1 whose answer is held until the test lets it go: a subscription made while a poll
runs, and a refresh asked while a poll runs or waited for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from feeds import item, magnet, rss

from bench.feedsite import FeedServer
from swarmplayer import feeds_cli
from swarmplayer.cli import main
from swarmplayer.supervisor import Service

HASHES = [str(n) * 40 for n in range(1, 5)]


def _episodes(count: int) -> bytes:
    """Episodes 1…count of one show, a day apart, each a magnet of HASHES."""
    return rss(*(item(f"Race.Show.S01E0{n}.720p.WEB-DL-GRP", magnet(HASHES[n - 1]),
                      info_hash=HASHES[n - 1], seeds=5, published=1.7e9 + n * 86400)
                 for n in range(1, count + 1)))


def _fetched(client: Any) -> set[str]:
    return {t["info_hash"] for t in client.get("/api/v1/torrents").get_json()["torrents"]}


def _held_feed(service: Service, server: FeedServer, path: str, body: bytes) -> tuple[int, Any]:
    """A feed added to the service whose first poll has asked for it and waits for its answer:
    (feed id, the Hold to release)."""
    url = server.serve(path, body)
    hold = server.hold(path)
    feed_id = service.app.test_client().post("/api/v1/feeds", json={"url": url}).get_json()["id"]
    assert hold.arrived.wait(30), "the first poll never asked for the feed"
    return feed_id, hold


@pytest.mark.parametrize("backfill", [0, 2])
def test_a_subscription_made_during_a_poll_is_not_new_to_what_it_finds(
        service: Service, server: FeedServer, backfill: int):
    feed_id, hold = _held_feed(service, server, "/race.xml", _episodes(3))
    client = service.app.test_client()
    sub = client.post("/api/v1/subscriptions", json={"feed_id": feed_id, "backfill": backfill})
    assert sub.status_code == 201, sub.get_json()
    hold.release.set()
    # This waits for a poll after the running one, so that one has acted on what it found.
    assert client.post(f"/api/v1/feeds/{feed_id}/refresh?wait=60").status_code == 200
    # What the poll found was there before the subscription: only its backfill is fetched.
    assert _fetched(client) == set(HASHES[3 - backfill:3])

    server.serve("/race.xml", _episodes(4))  # an episode that is new to it
    assert client.post(f"/api/v1/feeds/{feed_id}/refresh?wait=60").status_code == 200
    assert _fetched(client) == set(HASHES[3 - backfill:4])


@pytest.mark.parametrize("backfill", [0, 1])
def test_a_feeds_first_read_is_new_only_where_published_since_the_subscription(
        service: Service, server: FeedServer, backfill: int):
    # The feed's first poll fails, so the subscription is made before the feed is ever read.
    url = server.serve("/history.xml", b"busy", status=503, kind="text/plain")
    client = service.app.test_client()
    feed_id = client.post("/api/v1/feeds", json={"url": url}).get_json()["id"]
    assert client.post(f"/api/v1/feeds/{feed_id}/refresh?wait=60").status_code == 200
    assert client.get(f"/api/v1/feeds/{feed_id}").get_json()["state"] == "error"
    sub = client.post("/api/v1/subscriptions", json={"feed_id": feed_id, "backfill": backfill})
    assert sub.status_code == 201, sub.get_json()

    # Its first read: three episodes from years ago and one published since the subscription.
    since = time.time() + 60
    server.serve("/history.xml", rss(
        *(item(f"History.S01E0{n}.720p.WEB-DL-GRP", magnet(HASHES[n - 1]),
               info_hash=HASHES[n - 1], seeds=5, published=1.7e9 + n * 86400)
          for n in (1, 2, 3)),
        item("History.S01E04.720p.WEB-DL-GRP", magnet(HASHES[3]), info_hash=HASHES[3],
             seeds=5, published=since)))
    assert client.post(f"/api/v1/feeds/{feed_id}/refresh?wait=60").status_code == 200
    # The new episode, and of the old ones only the backfill: not the feed's whole history.
    assert _fetched(client) == set(HASHES[3 - backfill:4])


def test_a_refresh_asked_during_a_poll_waits_for_a_poll_after_it(
        service: Service, server: FeedServer, wait_until: Callable[..., Any]):
    feed_id, hold = _held_feed(service, server, "/slow.xml", _episodes(1))
    answers: list[Any] = []
    asking = threading.Thread(target=lambda: answers.append(service.app.test_client().post(
        f"/api/v1/feeds/{feed_id}/refresh?wait=60")))
    asking.start()
    client = service.app.test_client()
    # The refresh is asked once the feed is due at once (the held poll has not recorded yet).
    wait_until(lambda: client.get(f"/api/v1/feeds/{feed_id}").get_json()["next_check"] == 0,
               30, "the refresh to be asked")
    released = time.time()
    hold.release.set()
    asking.join(90)
    assert not asking.is_alive() and answers[0].status_code == 200
    feed = answers[0].get_json()
    # Not the poll it came during (which fetched before it was asked) but one after that.
    assert feed["polled"] and feed["state"] == "ok" and feed["last_checked"] >= released
    assert [path for path, _ in server.hits].count("/slow.xml") == 2


def test_a_refresh_not_polled_in_its_wait_says_so(service: Service, server: FeedServer):
    feed_id, hold = _held_feed(service, server, "/stuck.xml", _episodes(1))
    answer = service.app.test_client().post(f"/api/v1/feeds/{feed_id}/refresh?wait=0.5")
    assert answer.status_code == 202 and answer.get_json()["polled"] is False
    assert answer.get_json()["state"] == "pending"
    hold.release.set()


def test_the_cli_says_when_a_feed_was_not_polled_in_time(
        service: Service, server: FeedServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch):
    feed_id, hold = _held_feed(service, server, "/stuck.xml", _episodes(1))
    monkeypatch.setattr(feeds_cli, "REFRESH_WAIT", 0.5)
    code = main(["feeds", "refresh", str(feed_id), "--service", service.url])
    hold.release.set()
    _, err = capsys.readouterr()
    assert code == 2 and "polling 1 feed: 0 done" in err
    assert f"feed {feed_id} was not polled in 0.5 s" in err and "feeds list" in err


@pytest.mark.parametrize("wait", ["61", "-1", "soon", "nan"])
def test_a_wait_out_of_bounds_is_refused(service: Service, server: FeedServer, wait: str):
    feed_id = service.app.test_client().post(
        "/api/v1/feeds", json={"url": server.serve("/f.xml", _episodes(1))}).get_json()["id"]
    answer = service.app.test_client().post(f"/api/v1/feeds/{feed_id}/refresh?wait={wait}")
    assert answer.status_code == 400 and answer.get_json()["field"] == "wait"
