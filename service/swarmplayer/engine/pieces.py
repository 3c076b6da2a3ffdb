"""Pure arithmetic of streaming: bytes of a file ↔ pieces of a torrent, and the piece plan.

No libtorrent here, so the scheduler's decisions can be tested exhaustively in microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

TOP_PRIORITY = 7
# A window's deadline pieces while libtorrent walks pieces in index order (window_plan).
IN_ORDER_PRIORITY = TOP_PRIORITY - 1
BACKGROUND_PRIORITY = 1
# Deadlines are set earlier than the playback clock says: the swarm is bursty, and a piece that
# arrives exactly on time has already stalled a player that reads a little ahead.
DEADLINE_SLACK = 0.5
# Seconds of playback ahead of a reader that get deadlines (the rest of the window: priorities).
# Short: libtorrent's picker takes all deadline pieces at top priority in random order (its
# deadline pass, which orders them, runs once a second), so a long deadline run delays the very
# piece the player waits for (bench, local swarm: first frame ~2 s → ~1 s).
URGENT_SECONDS = 0.5
# The same where a peer that sends sends once per 500 ms rate-limiter tick (a stock client:
# seeks.fine_grained): a piece asked of a slow peer is asked of another only once it has a
# deadline, and that request waits for the other's next tick, so half a second is too late.
# Stock swarm, the service alone, two at a time, 24 runs each at 40 ms: the stalls after a
# seek (on such a piece, a tick or two late) 7 in 6 runs -> 1; startup medians 1.88/1.48 ->
# 1.81/1.35 s (moov at end / faststart); seeks the same. In a full `make bench` beside the
# competitors, 7 stalls against 6 the run before; with one level per graded piece
# (_graded_priority) 5, all in cold plays; with pieces in index order as well
# (stream.StreamScheduler._in_order) 1 (bench/NOTES.md, 2026-12-07).
TICKED_URGENT_SECONDS = 1.5
# However slow the bitrate, look at least this many pieces ahead (a piece may hold < 1 s of video).
MIN_WINDOW_PIECES = 4


@dataclass(frozen=True)
class FileSpan:
    """Where one file sits in its torrent's piece space."""

    offset: int  # of the file's first byte in the torrent's concatenated data
    size: int
    piece_length: int

    @property
    def first_piece(self) -> int:
        return self.offset // self.piece_length

    @property
    def last_piece(self) -> int:
        return (self.offset + max(self.size, 1) - 1) // self.piece_length

    def piece_at(self, position: int) -> int:
        """The piece holding the file's byte at `position` (clamped into the file)."""
        position = min(max(position, 0), max(self.size - 1, 0))
        return (self.offset + position) // self.piece_length

    def pieces(self, start: int, stop: int) -> range:
        """Pieces covering the file's bytes [start, stop)."""
        if stop <= start:
            return range(0)
        return range(self.piece_at(start), self.piece_at(stop - 1) + 1)

    def bytes_of(self, piece: int) -> tuple[int, int]:
        """The file's byte range [start, stop) that `piece` holds, clipped to the file."""
        start = piece * self.piece_length - self.offset
        return max(start, 0), min(start + self.piece_length, self.size)


@dataclass(frozen=True)
class PiecePlan:
    """What to ask of libtorrent: piece → (priority, deadline in ms)."""

    urgent: dict[int, tuple[int, int | None]]  # priority, deadline (None: priority only)

    def pieces(self) -> set[int]:
        return set(self.urgent)


def header_pieces(span: FileSpan, header_bytes: int) -> range:
    """The pieces holding the file's first `header_bytes` (at least its first piece)."""
    return span.pieces(0, min(header_bytes, span.size) or 1)


# How a file's last piece is wanted while nobody knows whether its index is there (None: it is
# known): at deadline 0 once the header is read (or on disk) and says nothing of it; before
# that just below the top, so peers send the header first and this guess next.
GUESS_NOW = (TOP_PRIORITY, 0)
GUESS_NEXT = (TOP_PRIORITY - 1, None)


def open_plan(span: FileSpan, header_bytes: int, index: tuple[int, int] | None,
              guess: tuple[int, int | None] | None = GUESS_NOW) -> PiecePlan:
    """On open: the container header and its index (MP4 moov at the end, MKV cues), deadline 0.

    Without a known index range, the file's last piece as `guess` says: a moov-at-end MP4's
    index is there, and a player asks for it before the first frame.
    """
    plan: dict[int, tuple[int, int | None]] = {}
    if index is not None:
        start, stop = index
        plan = {p: (TOP_PRIORITY, 0) for p in span.pieces(max(start, 0), min(stop, span.size))}
    elif guess is not None:
        plan[span.last_piece] = guess
    plan.update({p: (TOP_PRIORITY, 0) for p in header_pieces(span, header_bytes)})
    return PiecePlan(plan)


def window_plan(span: FileSpan, position: int, bitrate: float, seconds: float,
                lead: bool = True, header_read: bool = True,
                urgent_seconds: float = URGENT_SECONDS, in_order: bool = False) -> PiecePlan:
    """A window of `seconds` of playback ahead of `position`.

    Only the first `urgent_seconds` get deadlines (libtorrent makes every deadline piece top
    priority and requests them all in parallel, so a long deadline window would be fetched in
    random order); the rest of the window gets priorities graded by distance, no deadline.
    The deadline of a piece is when playback will reach it, scaled by DEADLINE_SLACK. A reader
    that is not the lead gets a short window behind the lead's deadlines, so it cannot starve it.

    Until the file's header is read, its bitrate is a guess and its index may be the last piece
    (GUESS_NEXT): only the reader's own piece gets a deadline, and the rest ranks below that
    guess, so the first bytes a player needs are the first the peers send.

    `in_order` (libtorrent's sequential mode is on: stream.StreamScheduler._in_order): the
    deadline pieces keep their deadlines at IN_ORDER_PRIORITY, below the top. In that mode
    libtorrent asks first for the top-priority pieces that rank ahead of every other piece,
    then walks the rest in index order and skips the top-priority ones: a top piece that a
    leecher holds ranks with the pieces one level down (piece_pos::priority, _graded_priority),
    so it was skipped and asked for only by the once-a-second deadline pass, behind the pieces
    after it (bench trace: piece 2 asked after 3 and 4, in a tick after them, a stall). Below
    the top, the walk asks for them in index order.
    """
    bitrate = max(bitrate, 1.0)
    floor = MIN_WINDOW_PIECES * span.piece_length
    length = max(int(bitrate * seconds), floor) if lead else floor
    urgent_bytes = max(int(bitrate * urgent_seconds), span.piece_length) if header_read else 1
    top = TOP_PRIORITY if header_read else TOP_PRIORITY - 1
    offset_ms = 0 if lead else int(seconds * 1000 * DEADLINE_SLACK)
    pieces = span.pieces(position, min(position + length, span.size))
    plan: dict[int, tuple[int, int | None]] = {}
    graded = 0
    for piece in pieces:
        ahead = max(span.bytes_of(piece)[0] - position, 0)
        if ahead < urgent_bytes:
            plan[piece] = (IN_ORDER_PRIORITY if in_order else TOP_PRIORITY,
                           offset_ms + int(ahead / bitrate * 1000 * DEADLINE_SLACK))
        else:
            plan[piece] = (_graded_priority(graded, top), None)
            graded += 1
    return PiecePlan(plan)


def _graded_priority(rank: int, top: int = TOP_PRIORITY) -> int:
    """6 for the next piece, then one less for each piece after it, down to 2 (from one less
    than a `top` of 6). libtorrent picks at random among pieces of one priority, and a stock
    seeder sends what it is asked in the order asked, one piece per 500 ms tick: a piece asked
    before a nearer one comes a tick before it, and the nearer one a tick late. With levels
    6, 5, 5, 4, 4, 4, 4, … a player stalled on such a piece (bench trace, 2026-12-07). Stock
    swarm, the service alone, 4 runs per medium at loopback and 40 ms: pieces that came a tick
    after one of the three beyond them 190 -> 131, stalls 2 -> 0 (bench/NOTES.md).

    The order is not strict: libtorrent ranks a piece by (8 - priority) times one more than
    the peers other than seeds that have it (piece_pos::priority in piece_picker.hpp), so a
    level-6 piece a leecher holds ranks with a level-4 piece nobody but the seeds has. Only
    deadlines (libtorrent asks for them in deadline order, once a second) and its sequential
    mode (stream.StreamScheduler._in_order) order pieces regardless: out of that mode deadline
    pieces stay at 7, where lowering them to 6, 5 beside this grading stalled cold plays 18
    times in 16 runs against 3 (bench/NOTES.md, 2026-12-07, fourth session); in it they wait
    at 6 (window_plan)."""
    return max(top - 1 - rank, 2)


def merge(*plans: PiecePlan) -> PiecePlan:
    """One plan from several: a piece gets its highest priority and its earliest deadline."""
    urgent: dict[int, tuple[int, int | None]] = {}
    for plan in plans:
        for piece, (priority, deadline) in plan.urgent.items():
            old = urgent.get(piece)
            if old is not None:
                deadlines = [d for d in (old[1], deadline) if d is not None]
                priority, deadline = max(old[0], priority), min(deadlines, default=None)
            urgent[piece] = (priority, deadline)
    return PiecePlan(urgent)


def buffered_ahead(span: FileSpan, position: int, have: set[int] | frozenset[int]) -> int:
    """Bytes available contiguously from `position` onwards (what a player could read now)."""
    end = position
    for piece in span.pieces(position, span.size):
        if piece not in have:
            break
        end = span.bytes_of(piece)[1]
    return max(end - position, 0)
