"""How a torrent's peers are asked, by the grain they send at (ours every 20 ms, a stock
client's every 500 ms): the deadlines' depth (the engine's upkeep), and the session settings
while a seek waits, told by every torrent's scheduler when a seek starts and when its reader
has caught up (stream.StreamScheduler.on_seeking)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ..config import Config
from . import lt
from .origin import Origins
from .pieces import TICKED_URGENT_SECONDS, URGENT_SECONDS
from .settings import OWN_PEER_ID, seek_settings


def fine_grained(sender_ids: Sequence[bytes]) -> bool:
    """Whether every peer that can send is a SwarmPlayer peer, whose rate limiter ticks every
    20 ms (settings.CAPPED_TICK_MS); a stock client's sends once per 500 ms."""
    return all(pid.startswith(OWN_PEER_ID) for pid in sender_ids)


def urgent_seconds(sender_ids: Sequence[bytes]) -> float:
    """How far ahead of a reader its torrent's pieces get deadlines, by who sends them."""
    return URGENT_SECONDS if fine_grained(sender_ids) else TICKED_URGENT_SECONDS


def short_queues(sender_ids: Sequence[bytes]) -> bool:
    """Whether a seek keeps every peer's request queue at two blocks (settings.seek_settings),
    given the peer ids of the peers that can send: only when there are several and all are
    SwarmPlayer peers.

    Ours tick every 20 ms under a cap, and two blocks each split the seek's piece between them
    (own swarm, quick bench runs, 4 each: seek median 0.46 s, 0.67 s without). A stock client's
    rate limiter sends once per 500 ms: two blocks a tick is 64 KB/s, and a stock swarm's seek
    took 1.02-1.72 s (median 1.62) with short queues, 0.11-1.06 s without.
    """
    return len(sender_ids) >= 2 and fine_grained(sender_ids)


class Seeks:
    """Counts the torrents with a seek under way; the session ticks faster meanwhile and, when
    the peers that can send are all ours, keeps their request queues short (short_queues)."""

    def __init__(self, session: Any, config: Config, origins: Origins) -> None:
        self._session = session
        self._config = config
        self._origins = origins
        self._count = 0
        # Its own lock, a leaf: schedulers call in holding theirs.
        self._lock = threading.Lock()

    def changed(self, handle: Any, seeking: bool) -> None:
        if seeking:
            self._origins.seek_started()
        short = seeking and short_queues(lt.sender_ids(handle))
        with self._lock:
            self._count += 1 if seeking else -1
            if self._count == (1 if seeking else 0):
                self._session.apply_settings(seek_settings(self._config, seeking, short))
