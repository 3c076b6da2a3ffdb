"""Scheduling: turn the open readers of a torrent into piece priorities and deadlines.

The scheduler talks to a libtorrent torrent handle through nine of its methods
(piece_priority, set_piece_deadline, reset_piece_deadline, have_piece, prioritize_pieces,
get_download_queue, get_piece_priorities, set_flags, unset_flags), so tests can give it a
recording stand-in as well as a real handle.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import lt, media
from .pieces import (
    BACKGROUND_PRIORITY,
    GUESS_NEXT,
    GUESS_NOW,
    TOP_PRIORITY,
    URGENT_SECONDS,
    FileSpan,
    PiecePlan,
    buffered_ahead,
    header_pieces,
    merge,
    open_plan,
    window_plan,
)

# A reader that has read this long was playing: when it goes (or loses the lead), its window's
# outstanding requests are cancelled. Not sooner: a player's first requests hop between the
# header, the index and the start within a second, and come back to what they left.
SETTLED_SECONDS = 5.0
# A seek is over once its reader has read this much of the media past where it opened: a player
# resumes with a second or two in hand. Until then the engine's seek settings hold.
CATCH_UP_SECONDS = 2.0
# ... or once this long has passed since its piece came: a paused player may not read on.
CATCH_UP_LIMIT = 5.0


class Handle(Protocol):
    def piece_priority(self, piece: int, priority: int) -> None: ...
    def set_piece_deadline(self, piece: int, deadline: int) -> None: ...
    def reset_piece_deadline(self, piece: int) -> None: ...
    def have_piece(self, piece: int) -> bool: ...
    def prioritize_pieces(self, priorities: list[tuple[int, int]]) -> None: ...
    def get_download_queue(self) -> list[dict[str, Any]]: ...
    def get_piece_priorities(self) -> list[int]: ...
    def set_flags(self, flags: Any) -> None: ...
    def unset_flags(self, flags: Any) -> None: ...


@dataclass
class StreamFile:
    """One file of a torrent as the streaming side sees it."""

    index: int
    name: str
    span: FileSpan
    bitrate: float  # bytes per second of playback
    bitrate_known: bool = False
    index_range: tuple[int, int] | None = None
    container: str | None = None  # from the header: then index_range is known, even if None
    header_seen: bool = False


@dataclass
class _Reader:
    file: StreamFile
    position: int
    jumped_at: float  # when this reader last opened or jumped: the newest one leads
    piece: int = -1
    start: int = 0  # where it opened
    waiting: bool = False  # opened mid-file on a piece nobody here has: a seek
    # time.monotonic() a seek's piece came, while its first seconds are not read yet
    caught_at: float | None = None
    own: bool = False  # the service's own reader (a prefetch), not a player
    window: float | None = None  # its window in seconds, when not the scheduler's


@dataclass
class StreamScheduler:
    """Piece priorities and deadlines for every reader of one torrent.

    Invariant: `applied` is exactly the set of pieces we gave a deadline and not yet released,
    so a seek releases the old window's pieces and nothing else (Tribler's classic fault is to
    reset the wrong pieces).
    """

    handle: Handle
    window_seconds: float
    header_bytes: int
    # Told True when a seek starts, False when no reader waits for a seek's piece or catches up
    # after one any more.
    on_seeking: Callable[[bool], Any] | None = None
    seeking: bool = False  # what on_seeking was last told
    readers: dict[int, _Reader] = field(default_factory=dict)
    applied: dict[int, tuple[int, int | None]] = field(default_factory=dict)
    held: dict[int, FileSpan] = field(default_factory=dict)  # files a seek holds, by index
    # Files only prefetched, by index: what no reader plans waits at priority 0 until a player
    # opens the file (prefetch.py).
    head_only: dict[int, FileSpan] = field(default_factory=dict)
    # Seconds ahead of a reader that get deadlines (pieces.window_plan), by how its peers send.
    urgent_seconds: float = URGENT_SECONDS
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: Iterator[int] = field(default_factory=itertools.count)
    # libtorrent's sequential mode as last set (None: not yet; resume data may keep it on), and
    # the pieces seen on disk (_in_order).
    sequential: bool | None = None
    _had: set[int] = field(default_factory=set)

    def open(self, file: StreamFile, position: int, own: bool = False,
             window: float | None = None) -> int:
        """Register a reader at `position`; it becomes the lead. Returns its id. `own`: the
        service's own reader (a prefetch): the file's other pieces wait rather than download
        in the background, until a player opens it. `window`: its window in seconds, when not
        the scheduler's."""
        with self.lock:
            others = [r for r in self.readers.values() if r.file.index == file.index]
            if own and not others:
                self.head_only[file.index] = file.span
            if not own and not any(not r.own for r in others):
                self.head_only.pop(file.index, None)
                # The streamed file's pieces go to background (raising them if the file waited
                # its turn), so the window's graded priorities rank above them; other readers'
                # windows are re-applied below.
                self.handle.prioritize_pieces(
                    [(p, BACKGROUND_PRIORITY) for p in file.span.pieces(0, file.span.size)])
                self.applied = {p: v for p, v in self.applied.items()
                                if p not in file.span.pieces(0, file.span.size)}
            left = self.lead()
            rid = next(self._ids)
            reader = _Reader(file, position, time.monotonic(), file.span.piece_at(position),
                             start=position)
            missing = not self.handle.have_piece(reader.piece)
            reader.waiting = missing and self._header_read(file)
            reader.own, reader.window = own, window
            self.readers[rid] = reader
            self._apply(cancel=left is not None and _settled(left))
            if file.index in self.head_only:
                self.handle.prioritize_pieces([(p, 0) for p in file.span.pieces(0, file.span.size)
                                               if p not in self.applied
                                               and not self.handle.have_piece(p)])
            if reader.waiting:
                self._hold(file)
            if missing:
                self._cancel_background()
            return rid

    def move(self, rid: int, position: int) -> None:
        """The reader reached `position`: slide its window when it crosses into a new piece."""
        with self.lock:
            reader = self.readers.get(rid)
            if reader is None:
                return
            piece = reader.file.span.piece_at(position)
            reader.position = position
            if reader.caught_at is not None and (position - reader.start
                                                 >= reader.file.bitrate * CATCH_UP_SECONDS):
                reader.caught_at = None
                self._tell_seeking()
            if piece != reader.piece:
                reader.piece = piece
                self._apply()

    def arrived(self, rid: int) -> None:
        """The reader has its piece: if it was waiting on it (a seek), open its window."""
        with self.lock:
            reader = self.readers.get(rid)
            if reader is not None and reader.waiting:
                self._release(reader)
                self._apply()

    def close(self, rid: int) -> None:
        with self.lock:
            reader = self.readers.pop(rid, None)
            if reader is not None:
                self._release(reader)
                self._tell_seeking()
                self._apply(cancel=_settled(reader))

    def learn_header(self, file: StreamFile, head: bytes) -> None:
        """From the file's first bytes: where its index is, and its bitrate if not known yet."""
        with self.lock:
            if file.header_seen:
                return
            file.header_seen = True
            file.index_range = media.index_range(file.name, head, file.span.size)
            file.container = media.container(file.name, head)
            self._learn_duration(file, head)
            # The last piece, asked for in case the index was there, may be needed no more:
            # cancel what is in flight of it rather than let it hold up the window.
            self._apply(cancel=True)

    def learn_index(self, file: StreamFile, index: bytes) -> None:
        """From the index at the end (an MP4's moov): the duration, when the header lacked it."""
        with self.lock:
            if self._learn_duration(file, index):
                self._apply()

    @staticmethod
    def _learn_duration(file: StreamFile, data: bytes) -> bool:
        if file.bitrate_known:
            return False
        seconds = media.duration_from_header(file.name, data)
        if not seconds:
            return False
        file.bitrate = file.span.size / seconds
        file.bitrate_known = True
        return True

    def reassert(self) -> None:
        """Set every deadline again: ones given while checking or fetching metadata get lost."""
        with self.lock:
            self.applied.clear()
            self._apply()

    def set_urgent_seconds(self, seconds: float) -> None:
        """How far ahead of each reader pieces get deadlines from now on."""
        with self.lock:
            if seconds != self.urgent_seconds:
                self.urgent_seconds = seconds
                self._apply()

    def lead(self) -> _Reader | None:
        with self.lock:
            return max(self.readers.values(), key=lambda r: r.jumped_at, default=None)

    def buffered_seconds(self) -> float | None:
        """Seconds of playback available right after the lead reader, or None without readers."""
        lead = self.lead()
        if lead is None:
            return None
        span = lead.file.span
        # Up to the first piece missing: what lies beyond it is not playable yet.
        have = set(itertools.takewhile(self.handle.have_piece,
                                       span.pieces(lead.position, span.size)))
        return buffered_ahead(span, lead.position, have) / lead.file.bitrate

    def ahead_seconds(self) -> float | None:
        """Seconds of playback the lead reader's player has in hand or can have now, or None
        without readers: what it was sent beyond real time since it opened (a player reads
        ahead, and socket buffers hold more), plus what is downloaded after its position.
        A player that pauses looks shorter of buffer as time goes by: the safe side."""
        with self.lock:  # the lead and its buffer as of one moment
            lead = self.lead()
            buffered = self.buffered_seconds()
            if lead is None or buffered is None:
                return None
            sent = (lead.position - lead.start) / lead.file.bitrate
            return max(sent - (time.monotonic() - lead.jumped_at), 0.0) + buffered

    def _plan(self, in_order: bool) -> PiecePlan:
        lead = self.lead()
        # While a seek waits or catches up, its next pieces come first: deeper deadlines would
        # have them share the peers' next tick with the pieces after them.
        urgent = URGENT_SECONDS if self.seeking else self.urgent_seconds
        plans = []
        files = {id(r.file): r.file for r in self.readers.values()}.values()
        read = {file.index: self._header_read(file) for file in files}
        for file in files:
            guess = None if file.container else GUESS_NOW if read[file.index] else GUESS_NEXT
            plans.append(open_plan(file.span, self.header_bytes, file.index_range, guess))
        for reader in self.readers.values():
            if reader.waiting:
                plans.append(PiecePlan({reader.piece: (TOP_PRIORITY, 0)}))
                continue
            plans.append(window_plan(reader.file.span, reader.position, reader.file.bitrate,
                                     reader.window or self.window_seconds, lead=reader is lead,
                                     header_read=read[reader.file.index],
                                     urgent_seconds=urgent, in_order=in_order))
        return merge(*plans)

    def _header_read(self, file: StreamFile) -> bool:
        """Read by a reader, or on disk already (a reader that starts mid-file may never read
        it: its window must not wait for that)."""
        return file.header_seen or all(
            self.handle.have_piece(p) for p in header_pieces(file.span, self.header_bytes))

    def _holding(self) -> bool:
        return any(r.waiting for r in self.readers.values())

    def _hold(self, file: StreamFile) -> None:
        """A seek: until its piece is in, ask peers for nothing else of the file. Whatever else
        is asked of them is served first (a seeder sends in the order it was asked), and the
        piece's blocks can then go to both peers at once. Called after the plan is applied:
        with nothing wanted for a moment, we would tell peers we are not interested, and they
        would choke us."""
        self._tell_seeking()
        if file.index in self.held:
            return
        self.held[file.index] = file.span
        self.handle.prioritize_pieces([(p, 0) for p in file.span.pieces(0, file.span.size)
                                       if p not in self.applied])

    def _release(self, reader: _Reader) -> None:
        """The seek's piece came or its reader went; once no seek waits, every held file goes
        back to the background (the caller applies the plan)."""
        if not reader.waiting:
            return
        reader.waiting = False
        reader.caught_at = time.monotonic()
        if not self._holding() and self.held:
            self.handle.prioritize_pieces([(p, BACKGROUND_PRIORITY)
                                           for index, span in self.held.items()
                                           if index not in self.head_only
                                           for p in span.pieces(0, span.size)
                                           if p not in self.applied])
            self.held.clear()

    def download_all(self, num_pieces: int) -> None:
        """Every piece no reader plans to the background: the whole torrent downloads,
        prefetched files too, and a playing window keeps its priorities and deadlines."""
        with self.lock:
            self.head_only.clear()
            self.handle.prioritize_pieces([(p, BACKGROUND_PRIORITY) for p in range(num_pieces)
                                           if p not in self.applied])

    def expire_seeks(self) -> None:
        """End the seeks whose readers stopped reading (called now and then)."""
        with self.lock:
            self._tell_seeking()

    def _tell_seeking(self) -> None:
        """Tell on_seeking when the first seek starts or the last one is over."""
        now = time.monotonic()
        seeking = any(r.waiting or (r.caught_at is not None and now - r.caught_at < CATCH_UP_LIMIT)
                      for r in self.readers.values())
        if seeking != self.seeking:
            self.seeking = seeking
            if self.on_seeking is not None:
                self.on_seeking(seeking)

    def _apply(self, cancel: bool = False) -> None:
        """Bring libtorrent in line with the plan. `cancel`: a playing reader went (a seek, a
        stop): the pieces it no longer wants pass through priority 0, which cancels their
        blocks already asked of peers; queued ahead of the new window, they cost a seek about
        0.3 s in the bench."""
        in_order = self._in_order()
        wanted = self._plan(in_order).urgent
        for piece in set(self.applied) - set(wanted):
            if self.applied.pop(piece)[1] is not None:
                self.handle.reset_piece_deadline(piece)
            if (cancel or self._holding()) and not self.handle.have_piece(piece):
                self._cancel(piece)
            else:
                self.handle.piece_priority(piece, self._rest_priority(piece))
        for piece, (priority, deadline) in sorted(wanted.items(), key=_by_urgency):
            old = self.applied.get(piece)
            if old == (priority, deadline) or self.handle.have_piece(piece):
                continue
            if deadline is None:
                if old is not None and old[1] is not None:
                    self.handle.reset_piece_deadline(piece)
                self.handle.piece_priority(piece, priority)
            else:
                # set_piece_deadline makes the piece top priority itself; a lower priority
                # set after it keeps the deadline.
                self.handle.set_piece_deadline(piece, deadline)
                if priority != TOP_PRIORITY:
                    self.handle.piece_priority(piece, priority)
            self.applied[piece] = (priority, deadline)
        self._set_sequential(in_order)

    def _in_order(self) -> bool:
        """Whether libtorrent should ask for pieces in index order: the lead's file header is
        read and nothing wanted is missing before the lead's piece.

        Priorities do not order pieces: libtorrent ranks a piece by (8 - priority) times one
        more than the peers other than seeds that have it, random within a rank
        (pieces._graded_priority), and a stock seeder sends in the order asked, a piece per
        500 ms tick, so a nearer piece asked later comes a tick late. Its sequential mode asks
        for the top-priority pieces first and then walks from the torrent's first missing
        piece up, skipping pieces at 0: from the lead's piece on, when nothing wanted is
        missing behind it (another file's pieces count too: in a pack, the rest of an episode
        played before would come ahead of this one's window). Behind a seek forward it would
        fetch what the seek skipped over first, and before the header is read it would leave a
        moov-at-end index (just below the top until then) for last. Stock swarm, cold plays,
        the service alone, 4 runs per medium at loopback and 40 ms: stalls 7 -> 2 in 16 runs;
        in a full `make bench` beside the competitors, 5 -> 1 in the service's 24 stock runs
        (bench/NOTES.md, 2026-12-07).
        """
        lead = self.lead()
        if lead is None or not self._header_read(lead.file):
            return False
        before = lead.file.span.first_piece  # the pieces of the files before this one
        priorities = self.handle.get_piece_priorities() if before else []
        return all((p < before and not priorities[p]) or self._on_disk(p)
                   for p in range(lead.piece))

    def _on_disk(self, piece: int) -> bool:
        """have_piece, remembered once true (a piece on disk stays there while streamed)."""
        if piece in self._had:
            return True
        if self.handle.have_piece(piece):
            self._had.add(piece)
            return True
        return False

    def _set_sequential(self, on: bool) -> None:
        if on == self.sequential:
            return
        self.sequential = on
        if on:
            self.handle.set_flags(lt.FLAG_SEQUENTIAL)
        else:
            self.handle.unset_flags(lt.FLAG_SEQUENTIAL)

    def _cancel_background(self) -> None:
        """A reader now waits for a piece: the blocks already asked of peers for background
        pieces are served before its own, up to request_queue_time of them per peer (a seek
        waited ~1 s behind them in the bench). Cancel them."""
        for entry in self.handle.get_download_queue():
            if entry["piece_index"] not in self.applied:
                self._cancel(entry["piece_index"])

    def _cancel(self, piece: int) -> None:
        """Back to the background, through priority 0: libtorrent cancels a piece's requests
        already asked of peers when its priority passes through 0."""
        self.handle.piece_priority(piece, 0)
        if not self._holding():
            self.handle.piece_priority(piece, self._rest_priority(piece))

    def _rest_priority(self, piece: int) -> int:
        """A piece no reader plans: background, or 0 while missing in a file that is only
        prefetched (one it has stays wanted: libtorrent counts it as part of the download)."""
        waits = any(span.first_piece <= piece <= span.last_piece
                    for span in self.head_only.values())
        return 0 if waits and not self.handle.have_piece(piece) else BACKGROUND_PRIORITY


def _settled(reader: _Reader) -> bool:
    return time.monotonic() - reader.jumped_at >= SETTLED_SECONDS


def _by_urgency(item: tuple[int, tuple[int, int | None]]) -> tuple[int, int, int]:
    piece, (priority, deadline) = item
    return (0 if deadline is not None else 1, deadline or -priority, piece)
