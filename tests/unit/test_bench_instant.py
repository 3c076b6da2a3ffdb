"""The instant-start bench's arithmetic: ratios and excesses pair by pair, medians, the bar."""

from __future__ import annotations

import math

import pytest

from bench.instant import EXCESS_BAR, RATIO_BAR, Summary, Trial, render, verdicts


def _summary(*trials: tuple[float, float, float], kind: str = "mp4") -> Summary:
    return Summary(kind, tuple(Trial(cold=c, prefetched=p, local=lo) for c, p, lo in trials))


def test_the_ratio_is_the_median_of_each_repetitions_own_ratio():
    # Pair by pair: 0.1, 0.5, 0.2 → median 0.2. The ratio of the medians would be 0.3 / 2.0.
    s = _summary((1.0, 0.1, 0.05), (2.0, 1.0, 0.05), (4.0, 0.8, 0.05))
    assert s.ratio == pytest.approx(0.2)
    assert s.median_of("cold") == 2.0 and s.median_of("prefetched") == 0.8


def test_the_excess_is_over_the_decoder_of_the_same_repetition():
    s = _summary((1.0, 0.30, 0.25), (1.0, 0.40, 0.10), (1.0, 0.20, 0.18))
    assert s.excess == pytest.approx(0.05)  # 0.05, 0.30, 0.02


def test_a_failed_measurement_is_left_out_not_counted_as_fast():
    s = _summary((1.0, 0.1, 0.1), (math.nan, 0.1, 0.1), (1.0, 0.3, 0.1))
    assert s.ratio == pytest.approx(0.2)
    assert math.isnan(_summary((math.nan, math.nan, math.nan)).ratio)


def test_a_cold_start_of_zero_seconds_is_no_bar_met():
    assert _summary((0.0, 0.1, 0.1)).ratio == math.inf


def test_the_bar_reads_both_lines_for_each_medium():
    fast = _summary((1.0, 0.1, 0.05), (1.0, 0.1, 0.05), (1.0, 0.1, 0.05))
    slow = _summary((1.0, 0.5, 0.05), (1.0, 0.5, 0.05), (1.0, 0.5, 0.05), kind="mkv")
    found = {v.name: v for v in verdicts([fast, slow])}
    assert len(found) == 4
    assert all(v.met for name, v in found.items() if "moov at end" in name)
    missed = [v for name, v in found.items() if "MKV" in name]
    assert [v.met for v in missed] == [False, False]
    assert {v.target for v in found.values()} == {RATIO_BAR, EXCESS_BAR}


def test_the_report_section_has_a_row_per_medium_with_its_ratios():
    lines = render([_summary((2.0, 0.2, 0.1), (2.0, 0.4, 0.1), (2.0, 0.3, 0.1))])
    row = next(line for line in lines if line.startswith("| MP4, moov at end"))
    assert row == "| MP4, moov at end | 2.00 | 0.30 | 0.10 | 0.15 | 0.20 |"
    assert render([]) == []
