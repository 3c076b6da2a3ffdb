"""Torznab's own documents, the key kept out of text, search calls and grouping (pure), and the
feed worker reading a search's answers."""

from __future__ import annotations

import pytest
from torznab import CAPS, CAPS_SEARCH_ONLY, ERROR_100, HTML, recorded_answer, torznab_answer

from swarmplayer.errors import ServiceError
from swarmplayer.feeds.items import Release
from swarmplayer.feeds.poller import parse_answers_in_worker
from swarmplayer.feeds.torznab import Caps, IndexerRefused, InvalidKey, NotTorznab, read_caps
from swarmplayer.search.indexers import call_url, split_key
from swarmplayer.search.results import Found, grouped
from swarmplayer.search.searcher import Query, params
from swarmplayer.search.secret import masked, redact, restored
from swarmplayer.search.store import Indexer

KEY = "0123456789abcdef0123456789abcdef"


def test_caps_say_the_modes_params_categories_and_limit() -> None:
    caps = read_caps(CAPS)
    assert caps.title == "Test Jackett" and caps.limit_max == 100
    assert caps.modes == {"search": ["q"], "tv-search": ["q", "season", "ep"]}
    assert caps.tv_categories() == [5000, 5030, 5040]
    assert Caps.from_json(caps.to_json()) == caps
    assert "tv-search" not in read_caps(CAPS_SEARCH_ONLY).modes


@pytest.mark.parametrize(("data", "error", "says"), [
    (ERROR_100, InvalidKey, "refuses the API key (Torznab error 100: Invalid API Key)"),
    (b'<error code="500" description="Request limit reached"/>', IndexerRefused,
     "Torznab error 500: Request limit reached"),
    (HTML, NotTorznab, "web page"),
    (b"\x00\xff garbage", NotTorznab, "not XML"),
    (recorded_answer(), NotTorznab, "<rss>, not <caps>"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><caps>&b;</caps>', NotTorznab,
     "not XML"),
])
def test_what_is_no_caps_document_says_why(data: bytes, error: type[ServiceError],
                                           says: str) -> None:
    with pytest.raises(error, match=None) as raised:
        read_caps(data)
    assert says in raised.value.message


def test_redaction_masks_the_key_wherever_it_is() -> None:
    cut = f"http://h/api?t=caps&apikey={KEY[:7]}… took too long"  # a message cut mid-key
    assert KEY[:7] not in redact(cut)
    assert redact(f"x {KEY} y", KEY) == "x *** y"
    link = f"http://127.0.0.1:9117/dl/tpb/?jackett_apikey={KEY}&path=abc&file=x"
    hidden = redact(link, KEY)
    assert hidden == "http://127.0.0.1:9117/dl/tpb/?jackett_apikey=***&path=abc&file=x"
    assert restored(hidden, KEY, "http://127.0.0.1:9117/api/v2.0/indexers/all/") == link
    # Another server never gets the key; a key that is not masked is left as it is.
    elsewhere = hidden.replace("9117", "9118")
    assert restored(elsewhere, KEY, "http://127.0.0.1:9117/") == elsewhere
    assert masked(KEY) == "***cdef" and masked("short") == "***"


def test_urls_of_calls_and_keys_given_in_the_url() -> None:
    assert call_url("http://j:9117/api/v2.0/indexers/all/results/torznab/", KEY,
                    {"t": "caps"}) == \
        f"http://j:9117/api/v2.0/indexers/all/results/torznab/api?t=caps&apikey={KEY}"
    assert call_url("http://p:9696/1/api", KEY, {"t": "search", "q": "a b"}) == \
        f"http://p:9696/1/api?t=search&q=a+b&apikey={KEY}"
    assert split_key(f"http://p:9696/1/api?apikey={KEY}&x=1", None) == \
        ("http://p:9696/1/api?x=1", KEY)
    with pytest.raises(ServiceError) as bad:
        split_key(f"ftp://p/?apikey={KEY}", None)
    assert KEY not in bad.value.message and bad.value.code == "invalid_url"


def _indexer(caps: bytes) -> Indexer:
    return Indexer(1, "x", "http://h/", KEY, read_caps(caps), 0.0)


def test_a_query_uses_tvsearch_where_caps_allow_else_search_with_the_numbers_in_q() -> None:
    tv = params(_indexer(CAPS), Query("Show", 5, 2))
    assert tv == {"t": "tvsearch", "season": "5", "ep": "2", "q": "Show",
                  "cat": "5000,5030,5040", "limit": "50", "extended": "1"}
    plain = params(_indexer(CAPS_SEARCH_ONLY), Query("Show", 5, 2))
    assert (plain["t"], plain["q"]) == ("search", "Show S05E02") and "season" not in plain
    assert params(_indexer(CAPS_SEARCH_ONLY), Query("Show", 5))["q"] == "Show S05"
    assert params(_indexer(CAPS), Query("Show"))["q"] == "Show"


def _release(title: str, seeders: int | None, **numbers: object) -> Release:
    return Release(title=title, link=f"magnet:?xt=urn:btih:{'a' * 40}", show="Show",
                   seeders=seeders, **numbers)  # type: ignore[arg-type]


def test_releases_are_grouped_by_episode_best_seeded_first() -> None:
    found = [Found(1, "A", _release("Show S01E01 720p", 5, season=1, episode=1,
                                    info_hash="1" * 40)),
             Found(2, "B", _release("Show S01E01 1080p", 50, season=1, episode=1,
                                    info_hash="2" * 40)),
             Found(2, "B", _release("Show S01E01 720p", 9, season=1, episode=1,
                                    info_hash="1" * 40)),  # A's, seen by B with more seeds
             Found(1, "A", _release("Show S01E02", None, season=1, episode=2)),
             Found(1, "A", _release("Show 2024-05-01", 70, air_date="2024-05-01"))]
    groups = grouped(found)
    assert [g["label"] for g in groups] == ["2024-05-01", "S01E01", "S01E02"]
    assert [(r["seeders"], r["indexer"]) for r in groups[1]["releases"]] == [(50, "B"), (9, "B")]
    # Releases without numbers (a daily show's) may be the one: they stay.
    assert [g["label"] for g in grouped(found, season=1, episode=2)] == ["2024-05-01", "S01E02"]


def test_the_worker_reads_every_answer_of_a_search_in_one_process() -> None:
    answers = parse_answers_in_worker([
        {"id": 1, "url": "http://127.0.0.1:9117/", "content_type": "application/rss+xml",
         "body": recorded_answer()},
        {"id": 2, "url": "http://127.0.0.1:9117/", "content_type": None, "body": ERROR_100},
        {"id": 3, "url": "http://127.0.0.1:9117/", "content_type": "text/html", "body": HTML},
        {"id": 4, "url": "http://h/", "content_type": None, "body": torznab_answer()},
    ])
    by_id = {a["id"]: a for a in answers}
    first = by_id[1]["releases"][0]
    assert (first["show"], first["season"], first["episode"]) == ("Series Title", 5, 2)
    assert (first["seeders"], first["peers"], first["size"]) == (34128, 36724, 388895872)
    assert first["info_hash"] == "9fb267cff5ae5603f07a347676ec3bf3e35f75e1"
    assert len(by_id[1]["releases"]) == 5
    assert by_id[2]["error"] == "invalid_api_key"
    assert by_id[3]["error"] == "invalid_feed"
    assert by_id[4]["releases"] == []
