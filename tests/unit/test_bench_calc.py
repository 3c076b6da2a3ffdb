"""The benchmark's arithmetic: the physical limit, the stall-counting player, medians, ratios."""

from __future__ import annotations

import math

import pytest

from bench.calc import (
    PlayerModel,
    Verdict,
    median,
    physical_limit,
    pieces_of_ranges,
    ratios,
    tick_waits,
)

KIB = 1024


# ---- range log → pieces -------------------------------------------------------------------
def test_pieces_of_ranges_covers_every_touched_piece():
    # 0..100 KiB is piece 0; 250..300 KiB straddles pieces 0 and 1; the last byte of piece 3.
    ranges = [(0, 100 * KIB), (250 * KIB, 300 * KIB), (4 * 256 * KIB - 1, 4 * 256 * KIB)]
    assert pieces_of_ranges(ranges, 256 * KIB) == {0, 1, 3}


def test_pieces_of_ranges_ends_are_exclusive_and_empty_ranges_count_nothing():
    assert pieces_of_ranges([(0, 256 * KIB)], 256 * KIB) == {0}
    assert pieces_of_ranges([(256 * KIB, 256 * KIB)], 256 * KIB) == set()


def test_pieces_of_ranges_shifts_by_the_files_offset_in_the_torrent():
    # A file starting 200 KiB into the torrent: its first 100 KiB span pieces 0 and 1.
    assert pieces_of_ranges([(0, 100 * KIB)], 256 * KIB, file_offset=200 * KIB) == {0, 1}


def test_pieces_of_ranges_rejects_a_zero_piece_size():
    with pytest.raises(ValueError):
        pieces_of_ranges([(0, 1)], 0)


# ---- the limit ----------------------------------------------------------------------------
def test_physical_limit_adds_transfer_round_trips_and_decoder_time():
    # 3 pieces of 256 KiB through 1.5 MB/s, 4 round trips of 40 ms, 0.2 s of decoding.
    limit = physical_limit(3, 256 * KIB, 1_500_000, 0.040, 4, 0.2)
    assert limit == pytest.approx(3 * 262144 / 1_500_000 + 0.16 + 0.2)


def test_physical_limit_of_nothing_to_fetch_is_the_decoder_alone():
    assert physical_limit(0, 256 * KIB, 1_500_000, 0.0, 4, 0.15) == pytest.approx(0.15)


def test_physical_limit_needs_a_capacity():
    with pytest.raises(ValueError):
        physical_limit(1, 256 * KIB, 0, 0.0, 1, 0.1)


def test_tick_waits_are_half_a_tick_then_a_whole_one_per_answer():
    assert tick_waits(3, 0.5) == pytest.approx(1.25)  # handshake, unchoke, first blocks
    assert tick_waits(1, 0.5) == pytest.approx(0.25)
    assert tick_waits(0, 0.5) == 0.0
    assert tick_waits(2, 0.0) == 0.0  # a peer that sends at once


def test_tick_waits_refuse_negative_figures():
    with pytest.raises(ValueError):
        tick_waits(-1, 0.5)
    with pytest.raises(ValueError):
        tick_waits(1, -0.5)


# ---- the player model ---------------------------------------------------------------------
def test_player_waits_for_the_start_buffer_and_that_wait_is_no_stall():
    player = PlayerModel(rate=100, start_buffer=1.0)
    player.arrive(0.5, 50)
    assert not player.playing
    player.arrive(2.0, 50)  # 1 s buffered now: playback starts at t = 2
    assert player.playing
    assert player.stalls == 0
    assert player.stalled_until(2.5) == 0.0
    assert player.played_seconds() == pytest.approx(0.5)


def test_a_stream_at_the_media_rate_never_stalls():
    player = PlayerModel(rate=100, start_buffer=1.0)
    player.arrive(0.0, 100)
    for tenth in range(1, 200):
        player.arrive(tenth / 10, 10)  # exactly the rate, in small steps
    assert player.stalls == 0
    assert player.stalled_until(19.9) == 0.0
    assert player.played_seconds() == pytest.approx(19.9)


def test_running_dry_is_one_stall_until_the_buffer_refills():
    player = PlayerModel(rate=100, start_buffer=1.0)
    player.arrive(0.0, 200)  # 2 s of media: runs dry at t = 2
    player.arrive(3.0, 50)  # half a second: still rebuffering
    assert player.stalls == 1
    assert not player.playing
    player.arrive(4.0, 50)  # 1 s buffered again: plays from t = 4
    assert player.playing
    assert player.stalls == 1
    assert player.stalled_seconds == pytest.approx(2.0)


def test_a_stall_still_going_on_counts_up_to_the_asked_time():
    player = PlayerModel(rate=100, start_buffer=1.0)
    player.arrive(0.0, 100)
    assert player.stalled_until(1.5) == pytest.approx(0.5)
    assert player.stalls == 1


def test_two_separate_droughts_are_two_stalls():
    player = PlayerModel(rate=100, start_buffer=1.0)
    player.arrive(0.0, 100)  # dry at 1
    player.arrive(1.5, 100)  # resumes at 1.5, dry at 2.5
    player.arrive(3.0, 100)  # resumes at 3
    assert player.stalls == 2
    assert player.stalled_seconds == pytest.approx(1.0)


def test_a_stream_cut_short_counts_the_unplayed_rest_as_a_stall():
    player = PlayerModel(rate=100, start_buffer=1.0)
    player.arrive(0.0, 300)
    player.cut_short(1.0, window=10.0)  # 2 s still buffered, 7 s never coming
    assert player.stalls == 1
    assert player.stalled_seconds == pytest.approx(7.0)


def test_a_player_that_never_started_stalled_for_its_whole_window():
    player = PlayerModel(rate=100, start_buffer=1.0)
    player.arrive(0.5, 10)
    player.cut_short(5.0, window=8.0)
    assert player.stalls == 1
    assert player.stalled_seconds == pytest.approx(8.0 - 0.1)


def test_a_stream_cut_after_the_window_is_played_is_fine():
    player = PlayerModel(rate=100, start_buffer=1.0)
    player.arrive(0.0, 1000)
    player.cut_short(1.0, window=5.0)
    assert player.stalls == 0


def test_the_player_refuses_time_going_backwards():
    player = PlayerModel(rate=100)
    player.advance(2.0)
    with pytest.raises(ValueError):
        player.advance(1.0)


# ---- medians, ratios, verdicts ------------------------------------------------------------
def test_median_of_odd_and_even_counts():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    with pytest.raises(ValueError):
        median([])


def test_ratios_pair_each_measurement_with_its_own_reference():
    assert ratios([2.0, 3.0, 10.0], [1.0, 3.0, 4.0]) == [2.0, 1.0, 2.5]
    # The median of the pairs is not the ratio of the medians.
    assert median(ratios([1.0, 10.0, 4.0], [1.0, 2.0, 8.0])) == 1.0
    assert median([1.0, 10.0, 4.0]) / median([1.0, 2.0, 8.0]) == 2.0


def test_ratios_of_unequal_lengths_or_a_zero_reference():
    with pytest.raises(ValueError):
        ratios([1.0], [1.0, 2.0])
    assert math.isinf(ratios([1.0], [0.0])[0])


def test_verdicts_compare_in_the_right_direction_and_nan_never_passes():
    assert Verdict("startup", 1.2, 1.3).met
    assert not Verdict("startup", 1.4, 1.3).met
    assert Verdict("offload", 0.8, 0.7, higher_is_better=True).met
    assert not Verdict("offload", 0.6, 0.7, higher_is_better=True).met
    assert not Verdict("offload", math.nan, 0.7, higher_is_better=True).met
