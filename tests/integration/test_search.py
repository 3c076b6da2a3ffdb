"""Torznab indexers and search through the real service over HTTP, against a real Torznab
server on 127.0.0.1: caps read once, every way an indexer fails, a search across indexers
(one down, one slow) grouped by episode, a found release added, and the API key in no answer
and no log line."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import Reply, api, assert_json_error
from torznab import (
    CAPS_SEARCH_ONLY,
    TorznabServer,
    down_url,
    recorded_answer,
    torznab_answer,
    torznab_item,
)

from swarmplayer.engine import lt
from swarmplayer.search import searcher
from swarmplayer.supervisor import Service

DEADLINE_S = 3.0
HASH_1080 = "ab" * 20


@pytest.fixture
def torznab() -> Iterator[TorznabServer]:
    made = TorznabServer()
    yield made
    made.close()


@pytest.fixture(autouse=True)
def no_key_in_logs(caplog: pytest.LogCaptureFixture, torznab: TorznabServer) -> Iterator[None]:
    """Every log line of every test here, at every level, is free of the key."""
    caplog.set_level(logging.DEBUG)
    yield
    assert torznab.key not in caplog.text
    assert torznab.key[:12] not in caplog.text


@pytest.fixture
def box(service: Service) -> Service:
    """The service, with short deadlines so a slow indexer costs the test seconds."""
    shared = service.app.shared
    shared.searcher.deadline = DEADLINE_S
    shared.indexers._caps_deadline = DEADLINE_S
    return service


def call(box: Service, torznab: TorznabServer, method: str, path: str,
         payload: Any = None) -> Reply:
    """An API call whose answer, whatever it is, must not hold the key."""
    reply = api(box.url, method, path, payload)
    assert torznab.key.encode() not in reply.body, reply.body[:300]
    return reply


def add(box: Service, torznab: TorznabServer, url: str, **extra: Any) -> Reply:
    return call(box, torznab, "POST", "/api/v1/indexers",
                {"url": url, "api_key": torznab.key, **extra})


def test_an_indexer_is_added_with_its_caps_read_once_and_its_key_masked(
        box: Service, torznab: TorznabServer) -> None:
    url = torznab.add("jackett")
    reply = add(box, torznab, url)
    assert reply.status == 201, reply.body
    indexer = reply.json()
    assert indexer["name"] == "Test Jackett" and indexer["url"] == url
    assert indexer["api_key"] == "***" + torznab.key[-4:]
    assert indexer["search_mode"] == "tvsearch"
    assert indexer["caps"]["modes"] == {"search": ["q"], "tv-search": ["q", "season", "ep"]}
    tv = next(c for c in indexer["caps"]["categories"] if c["id"] == 5000)
    assert [s["id"] for s in tv["subcats"]] == [5030, 5040]
    assert [p["t"] for _, p in torznab.queries] == ["caps"]
    assert torznab.queries[0][0] == "/jackett/api"

    listed = call(box, torznab, "GET", "/api/v1/indexers").json()
    assert listed["total"] == 1 and listed["indexers"][0]["id"] == indexer["id"]
    path = f"/api/v1/indexers/{indexer['id']}"
    assert call(box, torznab, "GET", path).json()["name"] == "Test Jackett"
    assert call(box, torznab, "PATCH", path, {"name": "Home"}).json()["name"] == "Home"
    assert [p["t"] for _, p in torznab.queries] == ["caps"]  # a new name reads nothing

    again = add(box, torznab, url)
    assert assert_json_error(again, 409)["error"] == "indexer_exists"

    wrong = call(box, torznab, "PATCH", path, {"api_key": "0" * 32})
    assert assert_json_error(wrong, 400)["error"] == "invalid_api_key"
    assert call(box, torznab, "GET", "/api/v1/search?q=Series").status == 200  # old key kept

    assert call(box, torznab, "DELETE", path).status == 204
    assert assert_json_error(call(box, torznab, "GET", path), 404)["error"] == "not_found"


def test_a_key_given_in_the_url_is_taken_out_of_it(box: Service,
                                                   torznab: TorznabServer) -> None:
    url = torznab.add("prowlarr")
    reply = call(box, torznab, "POST", "/api/v1/indexers",
                 {"url": f"{url}?apikey={torznab.key}", "name": "Prowlarr"})
    assert reply.status == 201, reply.body
    assert reply.json()["url"] == url and reply.json()["name"] == "Prowlarr"


@pytest.mark.parametrize(("how", "status", "code", "says"), [
    ("error100", 400, "invalid_api_key", "Torznab error 100: Invalid API Key"),
    ("http401", 400, "invalid_api_key", "HTTP 401"),
    ("html", 400, "not_torznab", "web page"),
    ("slow", 502, "fetch_failed", "deadline"),
    ("huge", 413, "too_large", "more than"),
    ("down", 502, "fetch_failed", "cannot reach"),
])
def test_an_indexer_that_cannot_be_used_is_a_clear_error_and_not_kept(
        box: Service, torznab: TorznabServer, how: str, status: int, code: str,
        says: str) -> None:
    url = down_url() if how == "down" else torznab.add("bad", how=how)
    started = time.monotonic()
    error = assert_json_error(add(box, torznab, url), status)
    assert time.monotonic() - started < DEADLINE_S + 5
    assert error["error"] == code and says in error["message"], error
    assert "\n" not in error["message"]
    assert call(box, torznab, "GET", "/api/v1/indexers").json()["total"] == 0


def test_bad_indexer_bodies_name_the_field(box: Service, torznab: TorznabServer) -> None:
    url = torznab.add("jackett")
    for body, field in [({}, "url"), ({"url": url}, "api_key"), ({"url": 5}, "url"),
                        ({"url": url, "api_key": ["k"]}, "api_key"),
                        ({"url": f"{url}?apikey=one", "api_key": "two"}, "api_key")]:
        error = assert_json_error(call(box, torznab, "POST", "/api/v1/indexers", body), 400)
        assert error.get("field") == field, (body, error)
    bad_url = call(box, torznab, "POST", "/api/v1/indexers",
                   {"url": f"ftp://x/?apikey={torznab.key}"})
    assert assert_json_error(bad_url, 400)["error"] == "invalid_url"
    assert torznab.queries == []


def _second_indexer_answer(torznab: TorznabServer) -> bytes:
    """Another indexer: S05E02 in 1080p too, and one release the first one has as well."""
    return torznab_answer(
        torznab_item("Series.Title.S05E02.1080p.WEB.h264-GRP", f"magnet:?xt=urn:btih:"
                     f"{HASH_1080}&dn=x", seeders=50000, info_hash=HASH_1080),
        torznab_item("Series Title S05E01 HDTV x264-Xclusive",
                     "magnet:?xt=urn:btih:fd8b1062af0d8c2426cb4d180b86815ffa91b479&dn=x",
                     seeders=3, info_hash="fd8b1062af0d8c2426cb4d180b86815ffa91b479"))


def test_a_search_asks_every_indexer_and_groups_releases_by_episode(
        box: Service, torznab: TorznabServer) -> None:
    add(box, torznab, torznab.add("one"), name="One")
    add(box, torznab, torznab.add("two", results=_second_indexer_answer(torznab)), name="Two")
    other = TorznabServer()  # an indexer that goes down after it was added
    try:
        other.key = torznab.key
        assert add(box, torznab, other.add("three"), name="Three").status == 201
    finally:
        other.close()

    reply = call(box, torznab, "GET", "/api/v1/search?q=Series+Title")
    assert reply.status == 200, reply.body
    found = reply.json()
    labels = [r["label"] for r in found["results"]]
    # The episode with the best-seeded release first; S05E01 seen twice is one release.
    assert labels == ["S05E02", "S05E03", "S05E01", "S05E04", "S03E19"]
    first = found["results"][0]
    assert first["show_title"] == "Series Title" and (first["season"], first["episode"]) == (5, 2)
    assert [r["seeders"] for r in first["releases"]] == [50000, 34128]
    assert first["releases"][0]["resolution"] == "1080p"
    assert first["releases"][1]["info_hash"] == "9fb267cff5ae5603f07a347676ec3bf3e35f75e1"
    assert first["releases"][1]["size"] == 388895872
    assert len(found["results"][2]["releases"]) == 1
    assert found["total"] == 5 and found["limit"] == 50 and found["offset"] == 0
    states = {i["name"]: (i["state"], i["found"]) for i in found["indexers"]}
    assert states == {"One": ("ok", 5), "Two": ("ok", 2), "Three": ("error", 0)}
    assert [e["error"] for e in found["errors"]] == ["fetch_failed"]
    assert "cannot reach" in found["errors"][0]["message"]
    asked = torznab.searches("one")[0]
    assert asked["t"] == "tvsearch" and asked["q"] == "Series Title"
    assert asked["cat"] == "5000,5030,5040" and asked["apikey"] == torznab.key

    paged = call(box, torznab, "GET", "/api/v1/search?q=Series+Title&limit=2&offset=2").json()
    assert [r["label"] for r in paged["results"]] == labels[2:4]
    assert (paged["total"], paged["limit"], paged["offset"]) == (5, 2, 2)


def test_the_next_page_of_a_search_is_read_from_what_the_indexers_said(
        box: Service, torznab: TorznabServer, monkeypatch: pytest.MonkeyPatch) -> None:
    add(box, torznab, torznab.add("one"), name="One")
    search = "/api/v1/search?q=Series+Title"
    whole = [r["label"] for r in call(box, torznab, "GET", search).json()["results"]]
    pages = [call(box, torznab, "GET", f"{search}&limit=2&offset={n}").json() for n in (0, 2)]
    assert [r["label"] for p in pages for r in p["results"]] == whole[:4]
    assert len(torznab.searches("one")) == 1  # the pages were not asked of the indexer
    call(box, torznab, "GET", search + "&season=5")  # another search is asked
    assert len(torznab.searches("one")) == 2

    # An indexer added (or removed) makes it another search; one that fails is not kept.
    add(box, torznab, torznab.add("two"), name="Two")
    torznab.indexers["two"].how = "error100"
    for _ in range(2):
        found = call(box, torznab, "GET", search).json()
        assert [e["name"] for e in found["errors"]] == ["Two"]
    assert len(torznab.searches("one")) == 4

    monkeypatch.setattr(searcher, "KEPT_SECONDS", 0.0)  # what was kept is too old now
    torznab.indexers["two"].how = "ok"
    for _ in range(2):
        call(box, torznab, "GET", search)
    assert len(torznab.searches("one")) == 6


def test_season_and_episode_go_to_tvsearch_or_else_into_the_text(
        box: Service, torznab: TorznabServer) -> None:
    add(box, torznab, torznab.add("tv"))
    add(box, torznab, torznab.add("plain", caps=CAPS_SEARCH_ONLY), name="Plain")
    found = call(box, torznab, "GET",
                 "/api/v1/search?q=Series+Title&season=5&episode=2").json()
    tv, plain = torznab.searches("tv")[0], torznab.searches("plain")[0]
    assert (tv["t"], tv["q"], tv["season"], tv["ep"]) == ("tvsearch", "Series Title", "5", "2")
    assert (plain["t"], plain["q"]) == ("search", "Series Title S05E02")
    assert "season" not in plain
    assert {i["name"]: i["mode"] for i in found["indexers"]} == \
        {"Test Jackett": "tvsearch", "Plain": "search"}
    # The answers hold other episodes (a recorded answer): only S05E02 is kept.
    assert [r["label"] for r in found["results"]] == ["S05E02"]
    assert len(found["results"][0]["releases"]) == 1  # the same release from both: one


def test_a_slow_or_huge_indexer_costs_the_search_its_deadline_only(
        box: Service, torznab: TorznabServer) -> None:
    add(box, torznab, torznab.add("good"))
    for name in ("slow", "huge"):
        add(box, torznab, torznab.add(name))
        torznab.indexers[name].how = name  # fine when added, then it misbehaves
    started = time.monotonic()
    found = call(box, torznab, "GET", "/api/v1/search?q=Series").json()
    assert time.monotonic() - started < DEADLINE_S + 8
    assert len(found["results"]) == 5
    assert sorted(e["error"] for e in found["errors"]) == ["fetch_failed", "too_large"]


def test_search_errors(box: Service, torznab: TorznabServer) -> None:
    none = assert_json_error(call(box, torznab, "GET", "/api/v1/search?q=x"), 404)
    assert none["error"] == "no_indexers"
    url = torznab.add("only")
    indexer_id = add(box, torznab, url).json()["id"]
    for query, field in [("", "q"), ("?q=", "q"), ("?q=x&season=one", "season"),
                         ("?q=x&season=%C2%B2", "season"),
                         ("?q=x&episode=2", "season"), ("?q=x&limit=0", "limit"),
                         ("?q=" + "x" * 201, "q")]:
        error = assert_json_error(call(box, torznab, "GET", "/api/v1/search" + query), 400)
        assert error.get("field") == field, (query, error)
    unknown = call(box, torznab, "GET", "/api/v1/search?q=x&indexer=99")
    assert assert_json_error(unknown, 404)["error"] == "not_found"
    torznab.indexers["only"].how = "error100"  # the key was revoked on the indexer
    failed = assert_json_error(call(box, torznab, "GET", "/api/v1/search?q=x"), 502)
    assert failed["error"] == "search_failed" and "Invalid API Key" in failed["message"]
    one = call(box, torznab, "GET", f"/api/v1/search?q=x&indexer={indexer_id}")
    assert assert_json_error(one, 502)["error"] == "search_failed"


def test_a_found_release_is_added_and_its_show_subscribed_without_the_key(
        box: Service, torznab: TorznabServer, tmp_path: Path) -> None:
    payload = tmp_path / "Series.Title.S06E01.720p.mkv"
    payload.write_bytes(b"\x1aE\xdf\xa3" + bytes(300_000))
    torrent = lt.bencode(lt.make_torrent(str(payload), piece_size=64 << 10))
    link = f"{torznab.base}/jk/dl/s06e01.torrent?jackett_apikey={torznab.key}&file=x"
    url = torznab.add("jk", results=torznab_answer(torznab_item(
        "Series.Title.S06E01.720p.HDTV.x264-GRP", link, seeders=12)),
        files={"s06e01.torrent": torrent})
    indexer_id = add(box, torznab, url).json()["id"]
    result = call(box, torznab, "GET", "/api/v1/search?q=Series+Title").json()["results"][0]
    release = result["releases"][0]
    assert release["link"].startswith(f"{torznab.base}/jk/dl/s06e01.torrent?jackett_apikey=***")
    assert result["show_id"] is None and result["subscription_id"] is None

    added = call(box, torznab, "POST", "/api/v1/search/add",
                 {"indexer_id": indexer_id, "link": release["link"]})
    assert added.status == 201, added.body
    torrent_json = added.json()
    assert torrent_json["files"][0]["path"].endswith("S06E01.720p.mkv")
    shown = call(box, torznab, "GET", f"/api/v1/torrents/{torrent_json['info_hash']}").json()
    assert "jackett_apikey=***" in shown["source"]
    assert call(box, torznab, "GET", "/api/v1/torrents").status == 200

    # A link to another server never gets the key; a path is no link.
    elsewhere = release["link"].replace(torznab.base, "http://127.0.0.1:9")
    refused = call(box, torznab, "POST", "/api/v1/search/add",
                   {"indexer_id": indexer_id, "link": elsewhere})
    assert assert_json_error(refused, 502)["error"] == "fetch_failed"
    assert not [q for q in torznab.queries if q[0].startswith("/jk/dl") and
                q[1].get("jackett_apikey") != torznab.key]
    for body, field in [({"indexer_id": indexer_id, "link": "/etc/passwd"}, "link"),
                        ({"link": release["link"]}, "indexer_id")]:
        error = assert_json_error(call(box, torznab, "POST", "/api/v1/search/add", body), 400)
        assert error["field"] == field

    sub = call(box, torznab, "POST", "/api/v1/subscriptions", {"show": result["show_title"]})
    assert sub.status == 201, sub.body
    again = call(box, torznab, "GET", "/api/v1/search?q=Series+Title").json()["results"][0]
    assert again["show_id"] == sub.json()["show_id"]
    assert again["subscription_id"] == sub.json()["id"]


def test_the_recorded_answer_is_what_the_corpus_says() -> None:
    """The fixture's answer is the real recording (or our copy of its five releases)."""
    assert recorded_answer().count(b"<item>") == 5



def test_a_show_subscribed_by_name_gets_its_new_episodes_from_the_indexers(
        box: Service, torznab: TorznabServer) -> None:
    """No feed carries the show: the watcher searches it on the indexers; the episodes it finds
    are listed, and the one published after the subscription is fetched."""
    old_hash, new_hash = "1" * 40, "2" * 40
    old = torznab_item("Other.Show.S01E01.720p.WEB.h264-GRP",
                       f"{torznab.base}/w/dl/a.torrent?jackett_apikey={torznab.key}",
                       seeders=10, info_hash=old_hash, published=1.6e9)
    stranger = torznab_item("Another Show Entirely S01E01 720p", "magnet:?xt=urn:btih:"
                            + "3" * 40, seeders=99, published=time.time() + 5)
    add(box, torznab, torznab.add("w", results=torznab_answer(old, stranger)))
    sub = call(box, torznab, "POST", "/api/v1/subscriptions", {"show": "Other Show"}).json()
    watcher = box.watcher
    watcher.tick()
    assert [p["q"] for p in torznab.searches("w")] == ["Other Show"]
    episodes = call(box, torznab, "GET", f"/api/v1/shows/{sub['show_id']}/episodes").json()
    assert [e["label"] for e in episodes["episodes"]] == ["S01E01"]
    (release,) = episodes["episodes"][0]["releases"]
    assert release["link"] == f"magnet:?xt=urn:btih:{old_hash}&dn=" \
                              "Other.Show.S01E01.720p.WEB.h264-GRP"  # the key-less way to it
    assert box.engine.info_hashes() == []  # published before the subscription: not fetched

    new = torznab_item("Other.Show.S01E02.720p.WEB.h264-GRP", f"magnet:?xt=urn:btih:{new_hash}"
                       "&dn=x", seeders=20, info_hash=new_hash, published=time.time() + 5)
    torznab.indexers["w"].results = torznab_answer(old, new, stranger)
    watcher.tick()
    assert len(torznab.searches("w")) == 1  # not due yet: indexers are not asked every tick
    watcher.interval = 0
    watcher.tick()
    episodes = call(box, torznab, "GET", f"/api/v1/shows/{sub['show_id']}/episodes").json()
    assert [e["label"] for e in episodes["episodes"]] == ["S01E01", "S01E02"]
    assert box.engine.info_hashes() == [new_hash]
    shows = call(box, torznab, "GET", "/api/v1/shows").json()["shows"]
    assert [s["title"] for s in shows] == ["Other Show"]  # the stranger is not kept
