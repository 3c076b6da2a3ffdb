"""The benchmark's arithmetic, pure so unit tests can pin it: the physical limit of a run, the
player model that counts stalls, and the medians and pairwise ratios of the report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def pieces_of_ranges(ranges: Iterable[tuple[int, int]], piece_size: int,
                     file_offset: int = 0) -> set[int]:
    """The torrent pieces holding the file's byte ranges [start, stop) (empty ranges skipped)."""
    if piece_size <= 0:
        raise ValueError("piece_size must be positive")
    pieces: set[int] = set()
    for start, stop in ranges:
        if stop > start:
            first = (file_offset + start) // piece_size
            last = (file_offset + stop - 1) // piece_size
            pieces.update(range(first, last + 1))
    return pieces


def physical_limit(pieces: int, piece_size: int, capacity: float, rtt: float,
                   round_trips: int, decoder_seconds: float) -> float:
    """Seconds no client can beat: move `pieces` through the swarm's capped capacity (bytes/s),
    set up the connections (`round_trips` × `rtt`), and let the decoder do its own work."""
    if capacity <= 0:
        raise ValueError("capacity must be positive")
    return pieces * piece_size / capacity + round_trips * rtt + decoder_seconds


def tick_waits(steps: int, tick: float) -> float:
    """Expected seconds that a peer answering only on its rate limiter's tick (every `tick`
    seconds) adds to `steps` exchanges in a row that each need its answer: the first request
    lands at a random phase of its tick (half a tick's wait on average), each later one just
    after a tick (a whole tick's wait)."""
    if steps < 0 or tick < 0:
        raise ValueError("steps and tick must not be negative")
    return (steps - 0.5) * tick if steps else 0.0


class PlayerModel:
    """A player that plays bytes at the media's pace once it has `start_buffer` seconds.

    Fed with arrivals (time, bytes) and asked where it is at a time; when the buffer runs dry it
    stalls until `start_buffer` seconds are buffered again. The first buffering is not a stall:
    that wait is startup (or seek) time, measured on its own.
    """

    def __init__(self, rate: float, start_buffer: float = 1.0, start: float = 0.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate  # bytes of media per second of playback
        self.start_buffer = start_buffer
        self.received = 0.0
        self.played = 0.0  # bytes
        self.playing = False
        self.started = False
        self.stalls = 0
        self.stalled_seconds = 0.0
        self._now = start
        self._stalled_since: float | None = None

    def arrive(self, t: float, nbytes: int) -> None:
        """`nbytes` more of the stream arrived at time `t`."""
        self.advance(t)
        self.received += nbytes
        if not self.playing and self.buffered_seconds() >= self.start_buffer:
            self.playing = True
            self.started = True
            if self._stalled_since is not None:
                self.stalled_seconds += t - self._stalled_since
                self._stalled_since = None

    def advance(self, t: float) -> None:
        """Play on until time `t` (times never go backwards)."""
        if t < self._now:
            raise ValueError("time went backwards")
        if self.playing:
            dry_at = self._now + (self.received - self.played) / self.rate
            if dry_at < t:
                self.played = self.received
                self.playing = False
                self.stalls += 1
                self._stalled_since = dry_at
            else:
                self.played += (t - self._now) * self.rate
        self._now = t

    def cut_short(self, t: float, window: float) -> None:
        """The stream ended at `t` before `window` seconds were played: what is left after the
        buffer runs out counts as one stall (a player that never started stalled too)."""
        self.advance(t)
        missing = window - self.played_seconds() - self.buffered_seconds()
        if missing <= 0:
            return
        if self._stalled_since is None:
            self.stalls += 1
        else:
            self.stalled_seconds += t - self._stalled_since
            self._stalled_since = None
        self.stalled_seconds += missing

    def buffered_seconds(self) -> float:
        return (self.received - self.played) / self.rate

    def played_seconds(self) -> float:
        return self.played / self.rate

    def stalled_until(self, t: float) -> float:
        """Stalled seconds so far, counting a stall still going on at `t`."""
        self.advance(t)
        ongoing = t - self._stalled_since if self._stalled_since is not None else 0.0
        return self.stalled_seconds + ongoing


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no values")
    return float(statistics.median(values))


def ratios(measured: Sequence[float], reference: Sequence[float]) -> list[float]:
    """Measured / reference, pair by pair (the same repetition of the same run)."""
    if len(measured) != len(reference):
        raise ValueError("pairs of unequal length")
    return [m / r if r > 0 else float("inf") for m, r in zip(measured, reference, strict=True)]


@dataclass(frozen=True)
class Verdict:
    """One line of the bar: the figure, its target, and whether it is met."""

    name: str
    value: float
    target: float
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


def best_ratio(measured: float, competitors: Sequence[float]) -> float:
    """`measured` ÷ the best (lowest) of the competitors' figures in the same repetition; NaN
    when the measurement or every competitor failed (a failed run is no competition)."""
    finite = [c for c in competitors if not math.isnan(c)]
    if math.isnan(measured) or not finite:
        return float("nan")
    best = min(finite)
    return measured / best if best > 0 else float("inf")


def turned(names: Sequence[str], turn: int) -> list[str]:
    """`names` rotated left by `turn`: repetition n starts with the n-th client."""
    if not names:
        return []
    k = turn % len(names)
    return [*names[k:], *names[:k]]
