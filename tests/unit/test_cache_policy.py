"""The cache policy: amounts of disk, the eviction order, and what a plan evicts and holds."""

from __future__ import annotations

import pytest

from swarmplayer.cache.policy import Item, eviction_order, plan
from swarmplayer.config import Config, ConfigError
from swarmplayer.units import Amount, parse_amount

MB = 1 << 20


def item(name: str, size: int, on_disk: int | None = None, *, added: float = 0.0,
         played: float | None = None, **flags: bool) -> Item:
    """An item of `size` MB; complete unless told how much of it is on disk."""
    done = size if on_disk is None else on_disk
    return Item(name, size * MB, done * MB, complete=on_disk is None, added_at=added,
                played_at=played, **flags)


@pytest.mark.parametrize(("text", "expected"), [
    ("80%", Amount(80, percent=True)),
    ("0", Amount(0)),
    ("1048576", Amount(1 << 20)),
    ("500M", Amount(500 * MB)),
    ("500 MB", Amount(500 * MB)),
    ("1.5GiB", Amount(1.5 * (1 << 30))),
    ("2t", Amount(2 * (1 << 40))),
    (4096, Amount(4096)),
])
def test_amounts_parse(text: object, expected: Amount) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["lots", "", "-5", "120%", "5 GBs", "5%%", True, -1])
def test_bad_amounts_say_what_is_wanted(text: object) -> None:
    with pytest.raises(ValueError, match=r"500M|100%|negative"):
        parse_amount(text)


def test_amounts_resolve_against_the_disk() -> None:
    assert parse_amount("25%").of(400 * MB) == 100 * MB
    assert parse_amount("64M").of(400 * MB) == 64 * MB


def test_config_rejects_a_bad_quota_with_the_settings_name(tmp_path) -> None:
    with pytest.raises(ConfigError, match="cache_quota"):
        Config.for_tests(tmp_path, cache_quota="half")
    assert Config.for_tests(tmp_path, min_free_disk=1 << 30).min_free_disk == str(1 << 30)


def test_eviction_order_watched_and_complete_first_then_least_recently_used() -> None:
    items = [
        item("unwatched-old", 1, added=1),
        item("watched-recent", 1, played=50),
        item("watched-old", 1, played=10),
        item("watched-partial", 4, 1, played=5),
        item("unwatched-new", 1, added=100),
    ]
    assert [i.info_hash for i in eviction_order(items)] == [
        "watched-old", "watched-recent", "unwatched-old", "watched-partial", "unwatched-new"]


def test_never_evicts_what_plays_is_pinned_or_is_a_kept_download() -> None:
    items = [
        item("playing", 2, played=1, playing=True),
        item("pinned", 2, played=1, pinned=True),
        item("kept-download", 4, 1, played=1, keep=True),
        item("kept-but-complete", 2, played=1, keep=True),
    ]
    assert [i.info_hash for i in eviction_order(items)] == ["kept-but-complete"]
    decided = plan(items, quota=1 * MB, room=100 * MB)
    assert decided.evict == ("kept-but-complete",)


def test_nothing_happens_while_everything_fits() -> None:
    items = [item("a", 4, played=1), item("b", 10, 2, added=5)]
    decided = plan(items, quota=14 * MB, room=14 * MB)
    assert decided.evict == () and decided.hold == ()
    assert decided.planned == 14 * MB


def test_a_new_stream_evicts_only_as_much_as_it_needs_in_policy_order() -> None:
    items = [
        item("watched-1", 3, played=10),
        item("watched-2", 3, played=20),
        item("unwatched", 3, added=30),
        item("stream", 6, 0, added=40, played=41, playing=True),
    ]
    decided = plan(items, quota=12 * MB, room=100 * MB)
    assert decided.evict == ("watched-1",)
    assert decided.hold == ()
    assert decided.planned == 12 * MB


def test_the_floor_is_hard_for_a_stream_and_the_quota_soft() -> None:
    stream = item("stream", 10, 1, added=1, playing=True)
    other = item("background", 10, 1, added=2, pinned=True)
    # Over the quota but within the room: the stream runs, the background download waits.
    decided = plan([stream, other], quota=5 * MB, room=15 * MB)
    assert decided.hold == ("background",)
    # A stream that would cross the floor is held too: the floor is never crossed.
    decided = plan([stream], quota=100 * MB, room=5 * MB)
    assert decided.hold == ("stream",)


def test_a_download_too_big_for_the_disk_is_held_not_deleted_nor_deleting_others() -> None:
    items = [item("watched", 2, played=1), item("huge", 50, 1, added=5)]
    decided = plan(items, quota=100 * MB, room=10 * MB)
    assert decided.evict == ()
    assert decided.hold == ("huge",)
    assert decided.planned == 3 * MB


def test_an_abandoned_partial_download_goes_for_a_new_stream() -> None:
    items = [
        item("abandoned", 10, 5, added=1, played=2),
        item("stream", 10, 0, added=50, playing=True),
    ]
    decided = plan(items, quota=100 * MB, room=12 * MB)
    assert decided.evict == ("abandoned",)
    assert decided.hold == ()


def test_pinned_data_over_the_limit_evicts_the_rest_but_stays() -> None:
    items = [item("pinned", 20, played=1, pinned=True), item("other", 2, played=3)]
    decided = plan(items, quota=10 * MB, room=100 * MB)
    assert decided.evict == ("other",)
    assert decided.planned == 20 * MB
