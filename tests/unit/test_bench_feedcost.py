"""The feed-cost bench's arithmetic: totals, medians over repetitions, the two lines of the bar."""

from __future__ import annotations

import pytest

from bench.feedcost import CPU_LIMIT, NEXT_BAR, Poll, Result, render, verdicts


def _rep(first: float, following: float, one: float) -> dict[str, Poll]:
    return {"first": Poll(first - 0.05, 0.05, 500), "next": Poll(following, 0.0, 1),
            "one item": Poll(one, 0.0, 1), "mixed": Poll(4 * first, 0.05, 500)}


def test_a_poll_costs_its_worker_and_its_own_thread():
    assert Poll(1.25, 0.25, 3).total == 1.5


def test_the_next_poll_is_judged_against_the_one_item_poll_pair_by_pair():
    result = Result((_rep(3.0, 0.3, 0.2), _rep(3.2, 0.6, 0.2), _rep(2.8, 0.2, 0.4)))
    assert result.next_ratio == pytest.approx(1.5)  # 1.5, 3.0, 0.5
    assert result.median_of("first") == pytest.approx(3.0)
    assert result.median_of("next", "worker") == pytest.approx(0.3)


def test_the_bar_misses_a_slow_first_poll_and_meets_a_cheap_next_one():
    first, following = verdicts(Result((_rep(2.5, 0.25, 0.2),) * 3))
    assert (first.target, first.met) == (CPU_LIMIT, False)
    assert (following.target, following.met) == (NEXT_BAR, True)
    fast, dear = verdicts(Result((_rep(1.5, 0.5, 0.2),) * 3))
    assert fast.met and not dear.met


def test_the_report_has_a_row_per_poll():
    lines = render(Result((_rep(3.0, 0.3, 0.2),)))
    assert "| first | 2.95 | 0.05 | 3.00 | 500 |" in lines
    assert "| next | 0.30 | 0.00 | 0.30 | 1 |" in lines
    assert "| mixed | 12.00 | 0.05 | 12.05 | 500 |" in lines
