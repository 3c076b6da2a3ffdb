"""Byte ↔ piece arithmetic and the piece plan (pure functions, checked exhaustively)."""

from __future__ import annotations

import itertools

import pytest

from swarmplayer.engine.pieces import (
    BACKGROUND_PRIORITY,
    DEADLINE_SLACK,
    GUESS_NEXT,
    MIN_WINDOW_PIECES,
    TOP_PRIORITY,
    URGENT_SECONDS,
    FileSpan,
    PiecePlan,
    buffered_ahead,
    merge,
    open_plan,
    window_plan,
)

PL = 1000  # a small piece length keeps the cases readable


def naive_pieces(span: FileSpan, start: int, stop: int) -> list[int]:
    """Every piece holding a byte of [start, stop), byte by byte."""
    return sorted({(span.offset + b) // span.piece_length for b in range(start, stop)})


@pytest.mark.parametrize("offset,size", [(0, 5000), (0, 4999), (0, 5001), (1234, 3000),
                                         (999, 1), (1000, 1000), (7, 12345)])
def test_piece_mapping_matches_byte_by_byte(offset: int, size: int):
    span = FileSpan(offset, size, PL)
    assert span.first_piece == offset // PL
    assert span.last_piece == (offset + size - 1) // PL
    for start in range(0, size, 97):
        for stop in (start, start + 1, start + 999, start + 1000, start + 1001, size):
            stop = min(stop, size)
            assert list(span.pieces(start, stop)) == naive_pieces(span, start, stop)


def test_bytes_of_a_piece_are_clipped_to_the_file():
    span = FileSpan(1234, 3000, PL)  # bytes 1234..4233 of the torrent: pieces 1..4
    assert span.bytes_of(1) == (0, 766)  # the file starts inside piece 1
    assert span.bytes_of(2) == (766, 1766)
    assert span.bytes_of(4) == (2766, 3000)  # the last piece is partial
    ranges = [span.bytes_of(p) for p in span.pieces(0, span.size)]
    assert ranges[0][0] == 0 and ranges[-1][1] == span.size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))  # contiguous, no overlap


def test_piece_at_clamps_into_the_file():
    span = FileSpan(1234, 3000, PL)
    assert span.piece_at(-5) == 1
    assert span.piece_at(0) == 1
    assert span.piece_at(2999) == 4
    assert span.piece_at(10**9) == 4


def test_last_piece_partial_and_empty_ranges():
    span = FileSpan(0, 4500, PL)
    assert span.last_piece == 4
    assert span.bytes_of(4) == (4000, 4500)
    assert list(span.pieces(10, 10)) == []
    assert list(span.pieces(20, 10)) == []
    empty = FileSpan(3000, 0, PL)
    assert empty.last_piece == empty.first_piece == 3


def test_open_plan_header_and_last_piece_without_known_index():
    span = FileSpan(500, 10_000, PL)  # pieces 0..10
    plan = open_plan(span, header_bytes=1500, index=None)
    assert plan.pieces() == {0, 1, 10}
    assert set(plan.urgent.values()) == {(TOP_PRIORITY, 0)}


def test_open_plan_with_index_range():
    span = FileSpan(0, 10_000, PL)
    plan = open_plan(span, header_bytes=1000, index=(7_500, 9_200))
    assert plan.pieces() == {0, 7, 8, 9}


def test_open_plan_tiny_file_and_zero_header():
    assert open_plan(FileSpan(0, 10, PL), 1 << 20, None).pieces() == {0}
    assert open_plan(FileSpan(0, 5000, PL), 0, None).pieces() == {0, 4}


def test_window_grading_and_deadlines():
    span = FileSpan(0, 100 * PL, PL)
    bitrate, seconds = 2 * PL, 20.0  # two pieces per second, a 40-piece window
    plan = window_plan(span, 10 * PL, bitrate, seconds)
    assert plan.pieces() == set(range(10, 50))
    urgent = {p: v for p, v in plan.urgent.items() if v[1] is not None}
    assert set(urgent) == set(range(10, 10 + int(URGENT_SECONDS * bitrate / PL)))
    for piece, (priority, deadline) in urgent.items():
        assert priority == TOP_PRIORITY
        assert deadline == int((piece - 10) * PL / bitrate * 1000 * DEADLINE_SLACK)
    rest = [plan.urgent[p][0] for p in sorted(set(plan.urgent) - set(urgent))]
    # One level per piece while there are levels: libtorrent picks at random within one, and a
    # stock seeder sends in the order asked.
    assert rest[:5] == list(range(TOP_PRIORITY - 1, 1, -1))
    assert set(rest[5:]) == {2} and min(rest) > BACKGROUND_PRIORITY


def test_window_is_never_shorter_than_a_few_pieces_and_stops_at_the_end():
    span = FileSpan(0, 100 * PL, PL)
    slow = window_plan(span, 0, bitrate=1, seconds=2)
    assert slow.pieces() == set(range(MIN_WINDOW_PIECES))
    tail = window_plan(span, 98 * PL, bitrate=50 * PL, seconds=30)
    assert tail.pieces() == {98, 99}


def test_a_reader_that_is_not_the_lead_gets_a_short_later_window():
    span = FileSpan(0, 100 * PL, PL)
    other = window_plan(span, 0, 10 * PL, 10.0, lead=False)
    assert other.pieces() == set(range(MIN_WINDOW_PIECES))
    assert min(d for _, d in other.urgent.values()) == int(10.0 * 1000 * DEADLINE_SLACK)


def test_merge_takes_highest_priority_and_earliest_deadline():
    a = PiecePlan({1: (3, None), 2: (7, 500), 3: (7, 100)})
    b = PiecePlan({1: (7, 800), 2: (5, 200), 4: (2, None)})
    assert merge(a, b).urgent == {1: (7, 800), 2: (7, 200), 3: (7, 100), 4: (2, None)}
    assert merge().urgent == {}


def test_buffered_ahead():
    span = FileSpan(1234, 3000, PL)  # pieces 1..4
    assert buffered_ahead(span, 0, set()) == 0
    assert buffered_ahead(span, 0, {1}) == 766
    assert buffered_ahead(span, 100, {1, 2}) == 1666
    assert buffered_ahead(span, 0, {1, 2, 3, 4}) == 3000
    assert buffered_ahead(span, 0, {2, 3, 4}) == 0  # a hole at the reader stops it
    assert buffered_ahead(span, 800, {2, 4}) == 966


def test_open_plan_guesses_the_last_piece_as_told():
    span = FileSpan(0, 10_000, PL)
    assert open_plan(span, 1000, None, guess=GUESS_NEXT).urgent[9] == GUESS_NEXT
    assert open_plan(span, 1000, None, guess=None).pieces() == {0}
    assert open_plan(span, 1000, (7_500, 9_200), guess=GUESS_NEXT).urgent[9] == (TOP_PRIORITY, 0)


def test_a_window_before_the_header_is_read_has_one_deadline_and_ranks_below_the_guess():
    span = FileSpan(0, 100 * PL, PL)
    plan = window_plan(span, 0, 4 * PL, 10.0, header_read=False)
    assert [p for p, (_, d) in plan.urgent.items() if d is not None] == [0]
    assert max(prio for p, (prio, _) in plan.urgent.items() if p) == GUESS_NEXT[0] - 1
