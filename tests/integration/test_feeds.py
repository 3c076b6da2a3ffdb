"""Feeds through the real service: a feed served on 127.0.0.1 whose items are torrents of a real
local swarm → polled → shows and episodes in the API → subscribed → played → decoded by
ffmpeg; and how polling copes with 304s, web pages, huge feeds and bad bodies."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from feeds import item, rss
from support import REPO

from bench.feedsite import FeedServer
from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.playback import first_frame_seconds
from swarmplayer.supervisor import Service

PIECE = 64 << 10


def _client(service: Service) -> Any:
    return service.app.test_client()


def _wait_polled(service: Service, feed_id: int, wait_until: Callable[..., Any],
                 since: float = 0.0) -> dict[str, Any]:
    client = _client(service)
    feed: dict[str, Any] = {}

    def polled() -> bool:
        feed.update(client.get(f"/api/v1/feeds/{feed_id}").get_json())
        return feed["state"] != "pending" and (feed["last_checked"] or 0) > since

    wait_until(polled, 60, "the feed to be polled")
    return feed


def _add_feed(service: Service, url: str,
              wait_until: Callable[..., Any]) -> tuple[int, dict[str, Any]]:
    """Subscribe the service to a feed and wait for its first poll: (feed id, the feed)."""
    feed_id = _client(service).post("/api/v1/feeds", json={"url": url}).get_json()["id"]
    return feed_id, _wait_polled(service, feed_id, wait_until)


def _seeded(video: Path, server: FeedServer, peers: list[Peer]) -> tuple[str, str]:
    """A seeder of `video` and its .torrent on the feed server: (torrent URL, info-hash)."""
    torrent = lt.bencode(lt.make_torrent(str(video), piece_size=PIECE))
    peers.append(Peer(torrent, video.parent, upload_rate=4 << 20))
    info_hash = lt.hash_hex(lt.torrent_info(torrent).info_hashes())
    url = server.serve(f"/t/{video.name}.torrent", torrent, kind="application/x-bittorrent")
    return url, info_hash


def test_a_feed_becomes_shows_that_play(service: Service, server: FeedServer,
                                        peers: list[Peer], video: Callable[..., Path],
                                        wait_until: Callable[..., Any]):
    hd, hd_hash = _seeded(video("Test.Show.S01E01.1080p.WEB-DL-GRP.mkv", seconds=4,
                                bitrate="300k"), server, peers)
    sd, _ = _seeded(video("Test.Show.S01E01.720p.HDTV-GRP.mkv", seconds=4, bitrate="200k"),
                    server, peers)
    e2, _ = _seeded(video("Test.Show.S01E02.720p.HDTV-GRP.mkv", seconds=4, bitrate="200k"),
                    server, peers)
    url = server.serve("/shows.xml", rss(
        item("Test.Show.S01E01.720p.HDTV-GRP", sd, enclosure=True, seeds=9, published=1.7e9),
        item("Test.Show.S01E01.1080p.WEB-DL-GRP", hd, enclosure=True, seeds=3,
             published=1.7e9 + 60),
        item("Test.Show.S01E02.720p.HDTV-GRP", e2, enclosure=True, seeds=5,
             published=1.7e9 + 86400),
        item("Skipped", "javascript:alert(1)")))
    client = _client(service)
    added = client.post("/api/v1/feeds", json={"url": url})
    assert added.status_code == 201 and added.get_json()["state"] == "pending"
    feed = _wait_polled(service, added.get_json()["id"], wait_until)
    assert (feed["state"], feed["items"], feed["new_items"], feed["skipped_items"]) == (
        "ok", 3, 3, 1)
    assert feed["skipped"] == [{"title": "Skipped", "why": "a javascript: link is never fetched"}]

    shows = client.get("/api/v1/shows").get_json()
    assert [(s["title"], s["episodes"], s["subscribed"]) for s in shows["shows"]] == [
        ("Test Show", 2, False)]
    show_id = shows["shows"][0]["id"]
    detail = client.get(f"/api/v1/shows/{show_id}").get_json()
    assert detail["seasons"] == [{"season": 1, "episodes": 2, "unwatched": 2}]
    episodes = client.get(f"/api/v1/shows/{show_id}/episodes?season=1").get_json()
    assert [e["label"] for e in episodes["episodes"]] == ["S01E01", "S01E02"]
    first = episodes["episodes"][0]
    assert sorted(r["resolution"] for r in first["releases"]) == ["1080p", "720p"]

    sub = client.post("/api/v1/subscriptions", json={"show_id": show_id,
                                                    "qualities": ["1080p", "720p"]})
    assert sub.status_code == 201, sub.get_json()
    assert client.get("/api/v1/shows?subscribed=true").get_json()["total"] == 1

    played = client.post(f"/api/v1/episodes/{first['id']}/play", json={})
    assert played.status_code == 200, played.get_json()
    body = played.get_json()
    assert body["torrent"]["info_hash"] == hd_hash  # the subscription prefers 1080p
    assert body["file_index"] == 0 and body["stream_url"].endswith(f"/stream/{hd_hash}/0")
    service.engine.connect_peers(hd_hash, [peers[0].address])
    stream = body["stream_url"].replace("http://localhost", service.url)
    assert first_frame_seconds(stream, timeout=90) is not None

    progress = client.put(f"/api/v1/episodes/{first['id']}/progress",
                          json={"position": 2.0, "duration": 4.0, "state": "paused"})
    assert progress.get_json()["position"] == 2.0 and not progress.get_json()["watched"]
    resume = client.get("/api/v1/episodes?list=continue").get_json()["episodes"]
    assert [e["id"] for e in resume] == [first["id"]]
    # The episode and its torrent file are one play: a resume point set on one is on the other.
    assert _file_play(client, hd_hash)["position"] == 2.0
    moved = client.put(f"/api/v1/torrents/{hd_hash}/files/0/progress", json={"position": 3.0})
    assert moved.status_code == 200 and moved.get_json()["duration"] == 4.0
    assert client.get(f"/api/v1/episodes/{first['id']}").get_json()["position"] == 3.0
    done = client.put(f"/api/v1/episodes/{first['id']}/progress",
                      json={"position": 3.8, "duration": 4.0})
    assert done.get_json()["watched"] and done.get_json()["position"] == 0
    next_up = client.get("/api/v1/episodes?list=next_up").get_json()["episodes"]
    assert [e["label"] for e in next_up] == ["S01E02"]
    assert _file_play(client, hd_hash)["watched"]
    unwatched = client.put(f"/api/v1/torrents/{hd_hash}/files/0/progress",
                           json={"position": 0, "watched": False})
    assert unwatched.status_code == 200
    assert not client.get(f"/api/v1/episodes/{first['id']}").get_json()["watched"]


def _file_play(client: Any, info_hash: str) -> dict[str, Any]:
    """A torrent's file 0 with its play state, as the torrent's detail gives it."""
    files = client.get(f"/api/v1/torrents/{info_hash}").get_json()["files"]
    return next(f for f in files if f["index"] == 0)


def test_an_unchanged_feed_is_not_read_again(service: Service, server: FeedServer,
                                             wait_until: Callable[..., Any]):
    url = server.serve("/a.xml", rss(item("A.Show.S01E01.720p", "magnet:?xt=urn:btih:" + "a" * 40)))
    client = _client(service)
    feed_id, first = _add_feed(service, url, wait_until)
    assert client.post(f"/api/v1/feeds/{feed_id}/refresh").status_code == 202
    again = _wait_polled(service, feed_id, wait_until, since=first["last_checked"])
    assert again["state"] == "ok" and again["new_items"] == 0
    assert server.hits[-1][1] is not None  # the second poll was conditional: a 304


def test_a_feed_that_turns_into_a_web_page_backs_off(service: Service, server: FeedServer,
                                                    wait_until: Callable[..., Any]):
    url = server.serve("/b.xml", rss(item("B.Show.S01E01", "magnet:?xt=urn:btih:" + "b" * 40)))
    client = _client(service)
    feed_id, ok = _add_feed(service, url, wait_until)
    server.serve("/b.xml", b"<!DOCTYPE html><html><body>Log in: password</body></html>",
                 kind="text/html")
    client.post(f"/api/v1/feeds/{feed_id}/refresh")
    failed = _wait_polled(service, feed_id, wait_until, since=ok["last_checked"])
    assert failed["state"] == "error" and "login page" in failed["error"]
    # Backed off: twice the 15-minute interval (±10 %), not the interval itself.
    assert failed["next_check"] - failed["last_checked"] > 1.7 * 15 * 60
    server.serve("/b.xml", b"x", status=503, kind="text/plain")
    client.post(f"/api/v1/feeds/{feed_id}/refresh")
    down = _wait_polled(service, feed_id, wait_until, since=failed["last_checked"])
    assert down["state"] == "error" and "503" in down["error"]
    assert down["next_check"] - down["last_checked"] > 3.5 * 15 * 60
    assert client.get("/api/v1/shows").get_json()["total"] == 1  # what it gave is kept


def test_a_huge_feed_is_cut_while_reading(service: Service, server: FeedServer,
                                          wait_until: Callable[..., Any]):
    url = server.serve("/huge.xml", b"<rss>" + b" " * (9 << 20) + b"</rss>")
    _, feed = _add_feed(service, url, wait_until)
    assert feed["state"] == "error" and "sends more than 8388608 bytes" in feed["error"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/feeds", {"url": 5}, "url"),
    ("/api/v1/feeds", {}, "url"),
    ("/api/v1/feeds", {"url": "http://example.org/f.xml", "interval_minutes": 1},
     "interval_minutes"),
    ("/api/v1/subscriptions", {"show": "X", "qualities": ["999p"]}, "qualities"),
    ("/api/v1/subscriptions", {"show": "X", "action": "burn"}, "action"),
    ("/api/v1/subscriptions", {"show": "X", "feed_id": 1}, "show"),
    ("/api/v1/subscriptions", {"show": "X", "min_size": -5}, "min_size"),
])
def test_a_bad_body_names_its_field(service: Service, path: str, body: dict[str, Any],
                                    field: str):
    answer = _client(service).post(path, json=body)
    assert answer.status_code == 400
    assert answer.get_json()["field"] == field


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "http://",
                                 "http://example.org:99999/f.xml"])
def test_a_feed_url_that_cannot_be_fetched_is_refused(service: Service, url: str):
    answer = _client(service).post("/api/v1/feeds", json={"url": url})
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_url"
    assert _client(service).get("/api/v1/feeds").get_json()["total"] == 0


@pytest.mark.parametrize("path", ["/api/v1/feeds/99", "/api/v1/shows/99",
                                  "/api/v1/episodes/99", "/api/v1/subscriptions/99"])
def test_unknown_ids_are_404(service: Service, path: str):
    assert _client(service).get(path).status_code == 404


def test_the_service_never_loads_the_feed_parsers():
    code = ("import sys; import swarmplayer.supervisor, swarmplayer.feeds.library; "
            "heavy = {'guessit', 'feedparser', 'rebulk'} & set(sys.modules); "
            "sys.exit(f'loaded: {heavy}' if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=60, check=False,
                          env={"PYTHONPATH": str(REPO / "service"), "PATH": "/usr/bin"})
    assert done.returncode == 0, done.stderr


def test_a_page_of_shows_is_bounded(service: Service):
    answer = _client(service).get("/api/v1/shows?limit=500")
    assert answer.status_code == 400 and answer.get_json()["field"] == "limit"
    for query, field in [("?limit=%C2%B2", "limit"), ("?offset=%D9%A3", "offset"),
                         ("?offset=" + "1" * 5000, "offset")]:
        odd = _client(service).get("/api/v1/shows" + query)  # "²" and "٣": no 500s
        assert odd.status_code == 400 and odd.get_json()["field"] == field
    odd = _client(service).get("/api/v1/shows/1/episodes?season=%C2%B2")
    assert odd.status_code == 400 and odd.get_json()["field"] == "season"
    assert _client(service).get("/api/v1/shows?limit=2&offset=0").get_json()["limit"] == 2
    assert time.time() > 0
