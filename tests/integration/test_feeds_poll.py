"""The poller against a real HTTP server on 127.0.0.1 whose feeds change over time: 304s,
backoff, a feed that turns into HTML, a slow feed, a huge one, a redirect loop."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer, rss

from swarmplayer.feeds.names import describe
from swarmplayer.feeds.parse import parse_feed
from swarmplayer.feeds.poller import BACKOFF_FIRST, Poller
from swarmplayer.feeds.store import FeedStore
from swarmplayer.store import Store

OURS = Path(__file__).resolve().parents[1] / "data" / "feeds"


def parse_here(body: bytes, **kwargs):
    """parse_in_worker's work in this process (the worker itself is tested in test_feeds_parse
    and in test_the_real_worker below); spares a child process per poll on a 2-core box."""
    feed = parse_feed(body, **kwargs)
    feed.items = [describe(i) for i in feed.items]
    return feed


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feed_server = FeedServer()
    yield feed_server
    feed_server.close()


@pytest.fixture
def feeds(tmp_path: Path) -> Iterator[FeedStore]:
    store = Store(tmp_path / "db")
    yield FeedStore(store)
    store.close()


def poller(feeds: FeedStore, **kwargs) -> Poller:
    return Poller(feeds, parse=kwargs.pop("parse", parse_here), **kwargs)


def test_new_items_then_304_then_only_the_new_ones(server: FeedServer, feeds: FeedStore):
    server.answers["/rss"] = (200, {"Content-Type": "application/rss+xml"},
                              rss("Show.S01E01.720p.HDTV-A", "Show.S01E02.720p.HDTV-A"))
    feed, _ = feeds.add_feed(server.base + "/rss")
    polls = poller(feeds)
    state = polls.poll(feed["id"])
    assert (state["state"], state["new_items"], state["items"]) == ("ok", 2, 2)
    assert state["title"] == "Test feed" and state["next_check"] > time.time() + 13 * 60
    state = polls.poll(feed["id"])  # unchanged: the server answers 304
    assert (state["state"], state["new_items"], state["items"]) == ("ok", 0, 2)
    server.answers["/rss"] = (200, {}, rss("Show.S01E01.720p.HDTV-A", "Show.S01E02.720p.HDTV-A",
                                           "Show.S01E03.720p.HDTV-A"))
    state = polls.poll(feed["id"])
    assert (state["new_items"], state["items"]) == (1, 3)
    assert server.hits["/rss"] == 3


def test_errors_back_off_and_clear(server: FeedServer, feeds: FeedStore):
    server.answers["/rss"] = (200, {}, rss("Show.S01E01.720p.HDTV-A"))
    feed, _ = feeds.add_feed(server.base + "/rss")
    polls = poller(feeds)
    assert polls.poll(feed["id"])["state"] == "ok"
    server.answers["/rss"] = (200, {"Content-Type": "text/html"},
                              b"<!DOCTYPE html><html><body>We moved!</body></html>")
    delays = []
    for _ in range(3):
        before = time.time()
        state = polls.poll(feed["id"])
        assert state["state"] == "error" and state["error"] == "an HTML page, not a feed"
        delays.append(state["next_check"] - before)
    assert [round(d / BACKOFF_FIRST) for d in delays] == [1, 2, 4]
    assert state["items"] == 1  # what the feed gave before stays
    server.answers["/rss"] = (200, {}, rss("Show.S01E01.720p.HDTV-A", "Show.S01E02.720p.HDTV-A"))
    state = polls.poll(feed["id"])
    assert (state["state"], state["error"], state["new_items"]) == ("ok", None, 1)


@pytest.mark.parametrize("path,answer,why", [
    ("/gone", (404, {}, b"not here"), "404"),
    ("/broken", (503, {}, b"down"), "503"),
    ("/login", (200, {"Content-Type": "text/html"},
                b"<html><form><input type='password'></form></html>"), "a login page"),
    ("/binary", (200, {}, bytes(range(256)) * 40), "binary data"),
    ("/huge", (200, {}, rss(*["Show.S01E01.720p"] * 40000)), "sends more than"),
])
def test_what_is_not_a_feed_is_a_clear_error(server, feeds, path, answer, why):
    server.answers[path] = answer
    feed, _ = feeds.add_feed(server.base + path)
    state = poller(feeds, fetch_options={"max_bytes": 1 << 20}).poll(feed["id"])
    assert state["state"] == "error"
    assert re.search(why, state["error"]), state["error"]
    assert "\n" not in state["error"] and state["items"] == 0


def test_a_slow_feed_times_out(server: FeedServer, feeds: FeedStore):
    server.answers["/slow"] = (200, {}, rss("Show.S01E01.720p"))
    feed, _ = feeds.add_feed(server.base + "/slow")
    start = time.monotonic()
    state = poller(feeds, fetch_options={"deadline": 1.5, "read_timeout": 1.0}).poll(feed["id"])
    assert time.monotonic() - start < 6
    assert state["state"] == "error" and state["error"]


def test_a_redirect_loop_is_an_error(server: FeedServer, feeds: FeedStore):
    server.answers["/a"] = (302, {"Location": "/b"}, b"")
    server.answers["/b"] = (302, {"Location": "/a"}, b"")
    feed, _ = feeds.add_feed(server.base + "/a")
    state = poller(feeds).poll(feed["id"])
    assert state["state"] == "error" and "loop" in state["error"]


def test_a_bozo_feed_keeps_what_could_be_read(server: FeedServer, feeds: FeedStore):
    body = rss("Show.S01E01.720p.HDTV-A", "Show.S01E02.720p.HDTV-A")[:-16]  # no </channel></rss>
    server.answers["/bozo"] = (200, {}, body)
    feed, _ = feeds.add_feed(server.base + "/bozo")
    state = poller(feeds).poll(feed["id"])
    assert state["state"] == "ok" and state["items"] == 2 and "ill-formed" in state["error"]


def test_tick_polls_due_feeds_and_the_real_worker(server: FeedServer, feeds: FeedStore):
    server.answers["/q"] = (200, {}, (OURS / "two_qualities.xml").read_bytes())
    feed, _ = feeds.add_feed(server.base + "/q")
    new_episodes: list[list[int]] = []
    polls = Poller(feeds, on_new=new_episodes.append)  # parse_in_worker: a child process
    polls.tick()
    assert feeds.feed(feed["id"])["items"] == 2 and len(new_episodes) == 1
    polls.tick()  # not due again before its interval
    assert server.hits["/q"] == 1
