"""Which release a subscription takes."""

from __future__ import annotations

from typing import Any

from swarmplayer.feeds.match import pick

R1080 = {"id": 1, "resolution": "1080p", "size": 2_000, "seeders": 5}
R720 = {"id": 2, "resolution": "720p", "size": 900, "seeders": 50}
R720B = {"id": 3, "resolution": "720p", "size": 800, "seeders": 10}
UNKNOWN = {"id": 4, "resolution": None, "size": None, "seeders": None}


def _pick(releases: list[dict[str, Any]], **rules: Any) -> int | None:
    found = pick(releases, rules)
    return None if found is None else found["id"]


def test_the_first_preferred_quality_wins():
    assert _pick([R720, R1080], qualities=["1080p", "720p"]) == 1
    assert _pick([R720, R1080], qualities=["720p", "1080p"]) == 2


def test_within_a_quality_the_best_seeded():
    assert _pick([R720B, R720], qualities=["720p"]) == 2


def test_no_preference_takes_the_best_seeded():
    assert _pick([R1080, R720, UNKNOWN]) == 2


def test_bounds_rule_out_but_unknowns_pass():
    assert _pick([R1080, R720], max_size=1000) == 2
    assert _pick([R1080, R720], min_size=1000) == 1
    assert _pick([R1080, R720B], min_seeders=8) == 3
    assert _pick([UNKNOWN], min_seeders=8, max_size=10) == 4


def test_nothing_fits():
    assert _pick([R720], qualities=["2160p"]) is None
    assert _pick([], qualities=[]) is None
