"""A player over HTTP: reads a stream as a real one would and feeds the stall-counting model.

It reads ahead of the playhead up to a bounded buffer (as a player's cache does, so a client
cannot hide a slow stream behind one huge early read) and plays at the media's byte rate.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from dataclasses import dataclass

from .calc import PlayerModel

READ_CHUNK = 64 * 1024
READ_AHEAD_SECONDS = 10.0
STALL_GIVE_UP = 60.0  # a stream dry this long is over; its stall counts up to then


@dataclass(frozen=True)
class Playback:
    stalls: int
    stalled_seconds: float
    played_seconds: float


def play(url: str, offset: int, rate: float, seconds: float, start_buffer: float = 1.0,
         read_ahead: float = READ_AHEAD_SECONDS) -> Playback:
    """Play `seconds` of the stream at `url` from byte `offset`, at `rate` bytes/s."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=STALL_GIVE_UP)
    model = PlayerModel(rate, start_buffer)
    paced = threading.Event()  # never set: waiting on it paces reads without sleeping blind
    began = time.perf_counter()
    try:
        conn.request("GET", parts.path, headers={"Range": f"bytes={offset}-"})
        response = conn.getresponse()
        if response.status not in (200, 206):
            raise RuntimeError(f"{url} answered HTTP {response.status}")
        while True:
            now = time.perf_counter() - began
            model.advance(now)
            if model.played_seconds() >= seconds:
                break
            ahead = model.buffered_seconds() - read_ahead
            if model.playing and ahead > 0:
                paced.wait(ahead)  # the cache is full: read again when it has room
                continue
            try:
                data = response.read1(READ_CHUNK)
            except TimeoutError:
                data = b""
            if not data:  # the stream ended or went dry for good
                model.cut_short(time.perf_counter() - began, seconds)
                break
            model.arrive(time.perf_counter() - began, len(data))
    finally:
        conn.close()
    stalled = model.stalled_until(time.perf_counter() - began)
    return Playback(model.stalls, stalled, model.played_seconds())
