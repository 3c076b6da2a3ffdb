"""The stream scheduler's bookkeeping: deadlines set, moved and released exactly.

A recording stand-in for the torrent handle checks every call; one test repeats the seek with a
real libtorrent handle and reads back the piece priorities libtorrent holds.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmplayer.config import Config
from swarmplayer.engine import lt
from swarmplayer.engine.pieces import (
    BACKGROUND_PRIORITY,
    IN_ORDER_PRIORITY,
    MIN_WINDOW_PIECES,
    TICKED_URGENT_SECONDS,
    TOP_PRIORITY,
    URGENT_SECONDS,
    FileSpan,
)
from swarmplayer.engine.scheduler import (
    CATCH_UP_LIMIT,
    CATCH_UP_SECONDS,
    SETTLED_SECONDS,
    StreamFile,
    StreamScheduler,
)
from swarmplayer.engine.settings import settings_pack
from swarmplayer.engine.stream import FileStream

PIECE = 16 * 1024
PIECES = 100
HEADER = 4 * PIECE
BITRATE = 4 * PIECE  # bytes/s: four pieces per second of playback
WINDOW_S = 10.0
KEPT = set(range(HEADER // PIECE)) | {PIECES - 1}  # header and index guess: wanted all along


class RecordingHandle:
    """A torrent handle that remembers what it was told, the way libtorrent would hold it."""

    def __init__(self, have: set[int] | None = None, num_pieces: int = 4 * PIECES) -> None:
        self.num_pieces = num_pieces
        self.priorities: dict[int, int] = {}
        self.deadlines: dict[int, int] = {}
        self.have = have or set()
        self.in_flight: set[int] = set()  # pieces with blocks asked of peers
        self.resets: list[int] = []
        self.sequential: bool | None = None  # libtorrent's sequential mode, as told

    def piece_priority(self, piece: int, priority: int) -> None:
        self.priorities[piece] = priority

    def set_piece_deadline(self, piece: int, deadline: int) -> None:
        # libtorrent makes a piece with a deadline top priority.
        self.deadlines[piece] = deadline
        self.priorities[piece] = TOP_PRIORITY

    def reset_piece_deadline(self, piece: int) -> None:
        assert piece in self.deadlines, f"reset of piece {piece}, which has no deadline"
        del self.deadlines[piece]
        self.resets.append(piece)

    def have_piece(self, piece: int) -> bool:
        return piece in self.have

    def prioritize_pieces(self, priorities: list[tuple[int, int]]) -> None:
        for piece, priority in priorities:
            self.piece_priority(piece, priority)

    def get_download_queue(self) -> list[dict[str, int]]:
        return [{"piece_index": p} for p in sorted(self.in_flight)]

    def get_piece_priorities(self) -> list[int]:
        # libtorrent's default for a piece nobody set is 4: wanted.
        return [self.priorities.get(p, 4) for p in range(self.num_pieces)]

    def set_flags(self, flags: object) -> None:
        assert flags == lt.FLAG_SEQUENTIAL
        self.sequential = True

    def unset_flags(self, flags: object) -> None:
        assert flags == lt.FLAG_SEQUENTIAL
        self.sequential = False


def movie(size: int = PIECES * PIECE, offset: int = 0, index: int = 0,
          header_seen: bool = True) -> StreamFile:
    """A file whose bitrate is known and (by default) whose header a reader has read."""
    return StreamFile(index, f"movie{index}.mp4", FileSpan(offset, size, PIECE), float(BITRATE),
                      bitrate_known=True, header_seen=header_seen)


def scheduler(handle: RecordingHandle) -> StreamScheduler:
    return StreamScheduler(handle, WINDOW_S, HEADER)


def play(s: StreamScheduler, file: StreamFile, position: int) -> int:
    """A reader that has its first piece (a seek no longer waiting): its window is open."""
    rid = s.open(file, position)
    s.arrived(rid)
    return rid


def deadline_pieces(s: StreamScheduler) -> set[int]:
    return {p for p, (_, deadline) in s.applied.items() if deadline is not None}


def check_invariant(s: StreamScheduler, handle: RecordingHandle) -> None:
    """What we believe we set is what the handle holds."""
    assert deadline_pieces(s) == set(handle.deadlines)
    for piece, (priority, _) in s.applied.items():
        assert handle.priorities[piece] == priority


def test_before_the_header_is_read_peers_send_it_first_then_the_last_piece():
    handle = RecordingHandle()
    s = scheduler(handle)
    s.open(movie(header_seen=False), 0)
    assert all(handle.priorities[p] == BACKGROUND_PRIORITY for p in set(range(PIECES)) - set(
        s.applied)), "the rest of the file downloads in the background"
    header = set(range(HEADER // PIECE))
    # Only the header (where the reader is) has a deadline: no guessed bitrate's worth of more.
    assert set(handle.deadlines) == header and set(handle.deadlines.values()) == {0}
    # The index may be at the end: next in line, above the reader's read-ahead.
    assert PIECES - 1 not in handle.deadlines
    assert handle.priorities[PIECES - 1] == TOP_PRIORITY - 1
    ahead = [s.applied[p][0] for p in s.applied if p not in header | {PIECES - 1}]
    assert ahead and max(ahead) < TOP_PRIORITY - 1
    check_invariant(s, handle)


def test_a_read_header_without_an_index_at_the_end_cancels_the_last_piece():
    handle = HistoryHandle()
    s = StreamScheduler(handle, WINDOW_S, PIECE)  # a one-piece header
    file = movie(header_seen=False)
    s.open(file, 0)
    assert set(handle.deadlines) == {0} and s.applied[1][0] == TOP_PRIORITY - 2
    handle.history.clear()
    s.learn_header(file, bytes(PIECE))  # no container structure: no index anywhere
    assert PIECES - 1 not in s.applied
    # Through 0 (libtorrent cancels its blocks in flight), then back to the background.
    assert [p for q, p in handle.history if q == PIECES - 1] == [0, BACKGROUND_PRIORITY]
    # The window is a playing one now: deadlines for its urgent seconds, then graded from 6.
    assert set(handle.deadlines) == set(range(int(URGENT_SECONDS * BITRATE // PIECE)))
    assert max(s.applied[p][0] for p in s.applied if p not in handle.deadlines) == (
        TOP_PRIORITY - 1)
    check_invariant(s, handle)


def test_a_header_on_disk_counts_as_read():
    """A reader that starts mid-file may never read the header: its window must not wait."""
    handle = RecordingHandle(have=set(range(HEADER // PIECE)))
    s = scheduler(handle)
    rid = s.open(movie(header_seen=False), 40 * PIECE)
    assert handle.deadlines[PIECES - 1] == 0  # the index may be there: a player will ask
    assert handle.deadlines[40] == 0, "a jump: its own piece first, alone"
    handle.have.add(40)
    s.arrived(rid)
    urgent = set(range(40, 40 + int(URGENT_SECONDS * BITRATE // PIECE)))
    assert {p for p in handle.deadlines if p < PIECES - 1} == urgent
    check_invariant(s, handle)


def test_window_deadlines_grow_with_distance_then_priorities_fall():
    handle = RecordingHandle()
    s = scheduler(handle)
    start = 40 * PIECE + 100
    play(s, movie(), start)
    window = sorted(p for p in s.applied if 40 <= p < PIECES - 1)
    assert window[0] == 40
    assert len(window) == WINDOW_S * BITRATE // PIECE + 1  # the start is not piece-aligned
    deadlines = [handle.deadlines[p] for p in window if p in handle.deadlines]
    assert deadlines == sorted(deadlines) and deadlines[0] == 0 and deadlines[-1] > 0
    assert len(deadlines) == URGENT_SECONDS * BITRATE // PIECE + 1
    graded = [s.applied[p][0] for p in window if p not in handle.deadlines]
    assert graded, "the window beyond the urgent seconds has priorities only"
    assert graded == sorted(graded, reverse=True)
    assert all(BACKGROUND_PRIORITY < p < TOP_PRIORITY for p in graded)
    check_invariant(s, handle)


def test_deeper_deadlines_when_the_peers_tick_coarsely_but_not_while_a_seek_catches_up():
    handle = RecordingHandle(have={0})
    s = scheduler(handle)
    film = movie()

    def beyond_header() -> set[int]:
        return {p for p in handle.deadlines if HEADER // PIECE <= p < PIECES - 1}

    s.open(film, 0)  # a player's first read, on a piece we have: no seek
    assert not s.seeking
    assert beyond_header() == set()  # half a second is the header's own two pieces
    s.set_urgent_seconds(TICKED_URGENT_SECONDS)
    assert beyond_header() == set(range(HEADER // PIECE,
                                        int(TICKED_URGENT_SECONDS * BITRATE // PIECE)))
    check_invariant(s, handle)
    play(s, film, 40 * PIECE)  # a seek: its reader leads, catching up
    assert s.seeking
    assert beyond_header() == set(range(40, 40 + int(URGENT_SECONDS * BITRATE // PIECE)))
    check_invariant(s, handle)


def test_seek_releases_the_old_window_and_nothing_else():
    handle = RecordingHandle()
    s = scheduler(handle)
    rid = play(s, movie(), 0)
    before = dict(s.applied)
    s.move(rid, 70 * PIECE)
    after = dict(s.applied)
    released = set(before) - set(after)
    assert released, "the old window must go"
    assert all(70 <= p < 70 + WINDOW_S * BITRATE // PIECE for p in set(after) - set(before))
    # Every released piece is back to background; only pieces that had a deadline were reset.
    assert all(handle.priorities[p] == BACKGROUND_PRIORITY for p in released)
    assert set(handle.resets) == {p for p in released if before[p][1] is not None}
    # The header and the index stay wanted.
    assert {0, PIECES - 1} <= set(after)
    check_invariant(s, handle)


def test_moving_within_a_piece_changes_nothing():
    handle = RecordingHandle()
    s = scheduler(handle)
    rid = play(s, movie(), 10 * PIECE)
    calls = (dict(handle.priorities), dict(handle.deadlines))
    s.move(rid, 10 * PIECE + PIECE - 1)
    assert (handle.priorities, handle.deadlines) == calls


def test_closing_the_last_reader_releases_every_deadline():
    handle = RecordingHandle()
    s = scheduler(handle)
    rid = play(s, movie(), 30 * PIECE)
    touched = set(s.applied)
    s.close(rid)
    assert s.applied == {} and handle.deadlines == {}
    assert all(handle.priorities[p] == BACKGROUND_PRIORITY for p in touched)
    s.close(rid)  # twice is harmless


def test_the_newest_reader_leads():
    handle = RecordingHandle()
    s = scheduler(handle)
    file = movie()
    first = play(s, file, 10 * PIECE)
    second = play(s, file, 60 * PIECE)
    lead = s.lead()
    assert lead is s.readers[second]
    # The lead's window is long and starts at deadline 0; the other gets a short window whose
    # deadlines come after the lead's.
    assert handle.deadlines[60] == 0
    behind = [p for p in range(10, 10 + MIN_WINDOW_PIECES) if p in handle.deadlines]
    assert behind and min(handle.deadlines[p] for p in behind) > 0
    assert 10 + MIN_WINDOW_PIECES not in s.applied
    s.close(second)
    assert s.lead() is s.readers[first]
    assert max(p for p in s.applied if p != PIECES - 1) > 10 + MIN_WINDOW_PIECES
    check_invariant(s, handle)


def test_pieces_we_have_get_no_deadline():
    handle = RecordingHandle(have={0, 1, 2, 3, 21, 22})
    s = scheduler(handle)
    play(s, movie(), 20 * PIECE)
    assert not {0, 1, 2, 3, 21, 22} & set(handle.deadlines)
    assert 20 in handle.deadlines and 23 in s.applied
    check_invariant(s, handle)


def test_reassert_sets_every_deadline_again():
    handle = RecordingHandle()
    s = scheduler(handle)
    play(s, movie(), 0)
    wanted = dict(s.applied)
    handle.deadlines.clear()  # libtorrent forgot them (deadlines given while checking)
    handle.priorities.clear()
    s.reassert()
    assert s.applied == wanted
    check_invariant(s, handle)


def test_header_learning_adds_the_mp4_index_at_the_end():
    size = PIECES * PIECE
    mdat = 80 * PIECE
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 512, b"isom")
    head = ftyp + struct.pack(">I4s", mdat, b"mdat") + bytes(PIECE - len(ftyp) - 8)
    handle = RecordingHandle()
    s = scheduler(handle)
    file = movie(size, header_seen=False)
    s.open(file, 0)
    assert 60 not in s.applied
    s.learn_header(file, head)
    assert file.index_range == (20 + mdat, size)
    moov = range((20 + mdat) // PIECE, PIECES)
    assert all(handle.deadlines.get(p) == 0 for p in moov)
    check_invariant(s, handle)


def test_buffered_seconds_counts_contiguous_pieces_after_the_lead():
    handle = RecordingHandle(have={10, 11, 12, 14})
    s = scheduler(handle)
    assert s.buffered_seconds() is None
    s.open(movie(), 10 * PIECE + PIECE // 2)
    assert s.buffered_seconds() == pytest.approx((2.5 * PIECE) / BITRATE)


def test_ahead_seconds_adds_what_the_player_was_sent_beyond_real_time():
    handle = RecordingHandle(have={10, 11, 12, 14})
    s = scheduler(handle)
    assert s.ahead_seconds() is None
    rid = s.open(movie(), 0)
    assert s.ahead_seconds() == 0.0  # nothing sent, nothing downloaded at the reader
    s.move(rid, 10 * PIECE)  # sent at once: a player that reads ahead, and socket buffers
    ahead = s.ahead_seconds()
    sent, downloaded = 10 * PIECE / BITRATE, 3 * PIECE / BITRATE
    assert ahead is not None and sent + downloaded - 1 < ahead <= sent + downloaded
    # A player that stops reading (paused) looks shorter of buffer as time goes by.
    s.readers[rid].jumped_at -= sent
    assert s.ahead_seconds() == pytest.approx(3 * PIECE / BITRATE, abs=0.5)


# ---- FileStream: bytes of a file inside a multi-file torrent ----------------------------------


def test_file_stream_serves_exact_bytes_of_an_unaligned_file():
    torrent = os.urandom(40 * PIECE + 123)
    offset, size = 5 * PIECE + 777, 20 * PIECE + 1000
    file = StreamFile(1, "second.mkv", FileSpan(offset, size, PIECE), float(BITRATE))
    handle = RecordingHandle()
    s = scheduler(handle)
    asked: list[int] = []

    def read_piece(piece: int, timeout: float, cancelled: object) -> bytes:
        asked.append(piece)
        return torrent[piece * PIECE:(piece + 1) * PIECE]

    expected = torrent[offset:offset + size]
    for start, stop in [(0, size), (1, 2), (PIECE - 777, PIECE - 776), (size - 5, size),
                        (3 * PIECE, 9 * PIECE + 1)]:
        asked.clear()
        fs = FileStream(s, file, read_piece, timeout=1.0)
        got = b"".join(fs.iter_range(start, stop))
        fs.close()
        assert got == expected[start:stop], (start, stop)
        assert asked == list(file.span.pieces(start, stop))
        assert s.readers == {} and handle.deadlines == {}
    assert file.header_seen  # learnt from the file's own first bytes


# ---- a real libtorrent handle ---------------------------------------------------------------


@pytest.fixture
def real_handle(tmp_path: Path) -> Iterator[tuple[object, StreamFile]]:
    """A torrent of a 100-piece file in a real session, with no data and no peers."""
    source = tmp_path / "movie.mp4"
    source.write_bytes(os.urandom(PIECES * PIECE))
    torrent = lt.bencode(lt.make_torrent(str(source), piece_size=PIECE))
    session = lt.new_session(settings_pack(Config.for_tests(tmp_path / "leech")))
    params = lt.AddTorrentParams()
    params.ti = lt.torrent_info(torrent)
    params.save_path = str(tmp_path / "leech")
    params.flags &= ~lt.FLAG_AUTO_MANAGED & ~lt.FLAG_PAUSED
    handle = session.add_torrent(params)
    _wait_alert(session, "torrent_checked_alert")
    yield handle, StreamFile(0, "movie.mp4", FileSpan(0, PIECES * PIECE, PIECE), float(BITRATE),
                             bitrate_known=True)
    session.pause()


def _wait_alert(session: object, name: str, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if lt.wait_for_alert(session, 100) and name in map(lt.alert_name, session.pop_alerts()):
            return
    pytest.fail(f"no {name} within {timeout:g} s")


def test_real_handle_priorities_after_a_seek(real_handle: tuple[object, StreamFile]):
    handle, file = real_handle
    s = StreamScheduler(handle, WINDOW_S, HEADER)
    rid = s.open(file, 0)
    s.move(rid, 60 * PIECE)
    priorities = handle.get_piece_priorities()
    window = set(range(60, 60 + int(WINDOW_S * BITRATE // PIECE)))
    assert set(s.applied) == window | KEPT
    for piece, priority in enumerate(priorities):
        if piece in window | KEPT:
            assert priority > BACKGROUND_PRIORITY, (piece, priority)
        else:
            assert priority == BACKGROUND_PRIORITY, (piece, priority)
    s.close(rid)
    assert set(handle.get_piece_priorities()) == {BACKGROUND_PRIORITY}


def test_real_handle_holds_the_file_while_a_seek_waits(real_handle: tuple[object, StreamFile]):
    handle, file = real_handle
    file.header_seen = True
    s = StreamScheduler(handle, WINDOW_S, HEADER)
    rid = s.open(file, 60 * PIECE)
    priorities = handle.get_piece_priorities()
    assert set(s.applied) == KEPT | {60}
    assert [p for p, priority in enumerate(priorities) if priority == TOP_PRIORITY] == sorted(
        KEPT | {60})
    assert {priorities[p] for p in set(range(PIECES)) - KEPT - {60}} == {0}
    s.close(rid)
    assert set(handle.get_piece_priorities()) == {BACKGROUND_PRIORITY}


def test_real_handle_before_the_header_is_read(real_handle: tuple[object, StreamFile]):
    handle, file = real_handle
    file.header_seen = False
    s = StreamScheduler(handle, WINDOW_S, PIECE)
    s.open(file, 0)
    priorities = handle.get_piece_priorities()
    assert priorities[0] == TOP_PRIORITY
    assert priorities[PIECES - 1] == TOP_PRIORITY - 1, "the index guess comes next"
    assert max(priorities[1:PIECES - 1]) < TOP_PRIORITY - 1, "the read-ahead after it"


class HistoryHandle(RecordingHandle):
    """Also keeps every priority it was given, in order (a pass through 0 leaves a trace)."""

    def __init__(self, have: set[int] | None = None) -> None:
        super().__init__(have)
        self.history: list[tuple[int, int]] = []

    def piece_priority(self, piece: int, priority: int) -> None:
        super().piece_priority(piece, priority)
        self.history.append((piece, priority))


class InterestHandle(RecordingHandle):
    """Notices a moment when no piece it lacks is wanted: libtorrent would tell its peers we
    are not interested, and they would choke us."""

    def __init__(self, have: set[int] | None = None) -> None:
        super().__init__(have)
        self.lost_interest = False

    def piece_priority(self, piece: int, priority: int) -> None:
        super().piece_priority(piece, priority)
        missing = set(range(PIECES)) - self.have
        # A piece never given a priority has libtorrent's default, which is wanted.
        self.lost_interest |= all(self.priorities.get(p, 4) == 0 for p in missing)


def test_a_seek_after_playing_cancels_the_old_windows_requests():
    handle = HistoryHandle(have={0, 1, 81})
    s = scheduler(handle)
    file = movie()
    rid = s.open(file, 0)
    old_window = set(s.applied)
    s.readers[rid].jumped_at -= SETTLED_SECONDS + 1  # it has been playing a while
    handle.history.clear()
    s.open(file, 81 * PIECE)  # the player seeks to a piece it has: a new reader leads there
    left = old_window - set(s.applied)
    assert left, "the old window should lose pieces to the new lead"
    for piece in left:
        # Through priority 0 (libtorrent cancels the blocks already asked of peers), then
        # back to the background priority so the file still completes.
        given = [p for q, p in handle.history if q == piece]
        assert given[-2:] == [0, BACKGROUND_PRIORITY], (piece, given)
    assert all(q not in handle.have for q, p in handle.history if p == 0)


def test_a_seek_holds_everything_else_until_its_piece_is_in():
    handle = InterestHandle(have={0, 1, 2, 3})
    s = scheduler(handle)
    file = movie()
    first = s.open(file, 0)
    s.readers[first].jumped_at -= SETTLED_SECONDS + 1
    handle.in_flight = {20, 55}
    s.close(first)  # a player seeks: its old request goes, a new one comes
    seek = s.open(file, 70 * PIECE)  # a jump to a piece nobody here has
    # The seek's piece alone has a deadline, with the index's (the last piece, a guess).
    assert set(handle.deadlines) == {70, PIECES - 1}
    held = set(range(PIECES)) - set(s.applied)
    assert held and all(handle.priorities[p] == 0 for p in held), "asked of nobody meanwhile"
    assert not handle.lost_interest, "the seek's piece is wanted before the rest is held"
    other = s.open(file, 0)  # another reader, moving on, does not end the hold
    s.move(other, 2 * PIECE)
    assert all(handle.priorities[p] == 0 for p in held - set(s.applied))
    s.close(other)
    handle.have.add(70)
    s.arrived(seek)  # the piece came: the window opens
    assert 71 in handle.deadlines and 80 in s.applied
    assert all(handle.priorities[p] == BACKGROUND_PRIORITY
               for p in set(range(PIECES)) - set(s.applied) - handle.have)
    check_invariant(s, handle)


def test_a_seek_whose_reader_goes_first_releases_the_hold():
    handle = RecordingHandle(have={0, 1, 2, 3, 99})
    s = scheduler(handle)
    file = movie()
    s.open(file, 0)
    seek = s.open(file, 50 * PIECE)
    again = s.open(file, 70 * PIECE)  # a second seek before the first piece came
    s.close(seek)
    assert handle.priorities[30] == 0, "the later seek still waits"
    s.close(again)
    assert all(handle.priorities[p] == BACKGROUND_PRIORITY
               for p in set(range(PIECES)) - set(s.applied) - handle.have)
    check_invariant(s, handle)


def test_seeks_in_two_files_of_a_pack_release_both():
    handle = RecordingHandle(have={0, 1, 2, 3, 50, 51, 52, 53})
    s = scheduler(handle)
    first, second = movie(50 * PIECE), movie(50 * PIECE, offset=50 * PIECE, index=1)
    one = s.open(first, 30 * PIECE)
    two = s.open(second, 30 * PIECE)  # piece 80
    assert handle.priorities[10] == handle.priorities[60] == 0, "both files held"
    s.arrived(one)
    assert handle.priorities[60] == 0, "the other seek still waits"
    s.close(two)
    assert s.held == {}
    assert all(handle.priorities[p] == BACKGROUND_PRIORITY
               for p in set(range(PIECES)) - set(s.applied) - handle.have)
    check_invariant(s, handle)


def test_the_engine_hears_when_holds_begin_and_end():
    heard: list[bool] = []
    handle = RecordingHandle(have={0, 1, 2, 3})
    s = StreamScheduler(handle, WINDOW_S, HEADER, on_seeking=heard.append)
    file = movie()
    s.open(file, 0)
    assert heard == [], "a reader on a piece we have holds nothing"
    first = s.open(file, 50 * PIECE)
    second = s.open(file, 70 * PIECE)
    assert heard == [True]
    s.arrived(first)
    assert heard == [True]
    s.close(second)
    assert heard == [True], "the first seek has its piece but not its first seconds yet"
    s.move(first, 50 * PIECE + int(BITRATE * CATCH_UP_SECONDS) - 1)
    assert heard == [True]
    s.move(first, 50 * PIECE + int(BITRATE * CATCH_UP_SECONDS))
    assert heard == [True, False]


def test_a_seek_whose_reader_stops_reading_ends_after_a_while(monkeypatch: pytest.MonkeyPatch):
    """A paused player may never read its first seconds: the seek still ends."""
    heard: list[bool] = []
    s = StreamScheduler(RecordingHandle(have={0, 1, 2, 3}), WINDOW_S, HEADER,
                        on_seeking=heard.append)
    rid = s.open(movie(), 50 * PIECE)
    s.arrived(rid)
    s.expire_seeks()
    assert heard == [True]
    later = time.monotonic() + CATCH_UP_LIMIT
    monkeypatch.setattr("swarmplayer.engine.scheduler.time.monotonic", lambda: later)
    s.expire_seeks()
    assert heard == [True, False]


def test_the_first_read_of_a_file_holds_nothing():
    """Before the header is read the reader's piece is the header, and the index guess must
    be fetched beside it: no hold."""
    handle = RecordingHandle()
    s = scheduler(handle)
    s.open(movie(header_seen=False), 0)
    assert 0 not in handle.priorities.values()


def test_a_reader_that_only_peeked_cancels_nothing():
    handle = HistoryHandle()
    s = scheduler(handle)
    file = movie()
    rid = s.open(file, PIECES * PIECE - PIECE)  # a player reading the index at the end
    handle.history.clear()
    s.close(rid)
    assert 0 not in {p for _, p in handle.history}


def test_a_reader_that_must_wait_cancels_background_requests_in_flight():
    handle = HistoryHandle(have={0, 1, 2, 3, 99})
    s = scheduler(handle)
    file = movie()
    s.open(file, 0)  # its pieces are there: nothing to cancel
    handle.in_flight = {55, 56, 70}  # 70 is the new reader's; 55 and 56 in no window
    handle.history.clear()
    rid = s.open(file, 70 * PIECE)  # a jump to pieces nobody has yet
    for piece in (55, 56):
        assert 0 in [p for q, p in handle.history if q == piece]
    assert (70, 0) not in handle.history, "the new reader's own requests are kept"
    handle.have.add(70)
    s.arrived(rid)
    handle.history.clear()
    s.open(file, 0)  # back to pieces it has: a peek costs nobody their requests
    assert not [q for q, p in handle.history if p == 0 and q in handle.in_flight]


def test_pieces_come_in_order_while_nothing_is_missing_behind_the_lead():
    """libtorrent's sequential mode: from a play's start once the header is read, off behind a
    seek forward (what it skipped would come first), on again where it seeks back to."""
    handle = RecordingHandle()
    s = scheduler(handle)
    file = movie(header_seen=False)
    rid = s.open(file, 0)
    # The index may be the last piece, just below the top: in order, it would come last.
    assert handle.sequential is False
    s.learn_header(file, bytes(HEADER))
    assert handle.sequential is True
    handle.have |= set(range(10))
    s.move(rid, 10 * PIECE)
    assert handle.sequential is True
    s.close(rid)
    far = s.open(file, 60 * PIECE)  # pieces 10-59 missing behind it
    assert handle.sequential is False
    handle.have.add(60)
    s.arrived(far)
    s.move(far, 61 * PIECE)
    assert handle.sequential is False
    s.close(far)
    back = s.open(file, 5 * PIECE)
    assert handle.sequential is True
    s.close(back)


def test_a_mid_file_reader_reads_in_order_when_all_before_it_is_on_disk():
    handle = RecordingHandle(have=set(range(40)))
    s = scheduler(handle)
    play(s, movie(header_seen=False), 40 * PIECE)
    assert handle.sequential is True


def test_in_order_the_windows_deadlines_wait_one_level_below_the_top():
    """In sequential mode libtorrent's index-order walk skips top-priority pieces, and asks
    for those that rank behind others (a leecher holds them) only in its once-a-second
    deadline pass: the window's deadline pieces keep their deadlines one level down, the
    header and the index stay at the top, and out of that mode the window is top again."""
    handle = RecordingHandle(have=set(range(10)))
    s = scheduler(handle)
    file = movie()
    rid = play(s, file, 10 * PIECE)
    assert handle.sequential is True
    window = deadline_pieces(s) - KEPT
    assert window and {handle.priorities[p] for p in window} == {IN_ORDER_PRIORITY}
    assert all(handle.deadlines[p] is not None for p in window)
    assert {handle.priorities[p] for p in KEPT if p not in handle.have} == {TOP_PRIORITY}
    check_invariant(s, handle)
    s.close(rid)
    far = play(s, file, 60 * PIECE)  # a seek forward: pieces 10-59 missing behind it
    assert handle.sequential is False
    window = deadline_pieces(s) - KEPT
    assert window and {handle.priorities[p] for p in window} == {TOP_PRIORITY}
    check_invariant(s, handle)
    s.close(far)


def test_in_a_pack_in_order_waits_for_the_files_before_the_lead():
    """libtorrent's walk starts at the torrent's first missing piece: while an episode before
    the one playing has wanted pieces missing, they would come before its window."""
    handle = RecordingHandle()
    s = scheduler(handle)
    first, second = movie(), movie(offset=PIECES * PIECE, index=1)
    handle.prioritize_pieces([(p, 0) for p in range(PIECES)])  # waits its turn: not wanted
    rid = play(s, second, 0)
    assert handle.sequential is True
    s.close(rid)
    s.close(play(s, first, 0))  # played a little: the rest of it downloads in the background
    handle.have |= set(range(PIECES, PIECES + 10))
    rid = play(s, second, 10 * PIECE)
    assert handle.sequential is False
    handle.have |= set(range(PIECES)) | {PIECES + 10}  # the first one done, and its own piece
    s.move(rid, 11 * PIECE)
    assert handle.sequential is True


def test_downloading_it_all_keeps_a_playing_window():
    """"Download for later" while a stream plays: the rest of the torrent to the background,
    prefetched files too, where the window keeps its graded priorities and deadlines."""
    handle = RecordingHandle(num_pieces=PIECES)
    s = scheduler(handle)
    file = movie()
    play(s, file, 60 * PIECE)
    window = dict(s.applied)
    s.head_only[1] = FileSpan(PIECES * PIECE, PIECE, PIECE)  # another file, prefetched
    s.download_all(PIECES)
    check_invariant(s, handle)
    assert s.applied == window and not s.head_only
    assert all(handle.priorities[p] == BACKGROUND_PRIORITY
               for p in set(range(PIECES)) - set(s.applied))

