"""Time ffmpeg to its first decoded video frame, over any URL; and the same on a local copy, where
the bytes ffmpeg reads tell which pieces it needs."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass

from .calc import median, pieces_of_ranges
from .rangeserver import RangeServer

DECODE_TIMEOUT = 180.0
LOCAL_REPEATS = 3


class DecodeFailed(RuntimeError):
    """ffmpeg could not decode a first frame from the URL."""


def first_frame_command(url: str, seek: float | None = None) -> list[str]:
    """ffmpeg decoding one video frame (at `seek` seconds when given) and discarding it.

    A small TCP receive buffer keeps ffmpeg from pulling far more than it reads, so the bytes
    a server sends are close to the bytes the decoder needed.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise DecodeFailed("ffmpeg is not installed")
    at = ["-ss", f"{seek:.3f}"] if seek is not None else []
    return [ffmpeg, "-nostdin", "-v", "error", "-recv_buffer_size", "32768", *at,
            "-i", url, "-frames:v", "1", "-f", "null", "-"]


def first_frame(url: str, seek: float | None = None, timeout: float = DECODE_TIMEOUT) -> float:
    """Seconds until ffmpeg has decoded the first video frame (at `seek`) from `url`."""
    cmd = first_frame_command(url, seek)
    began = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise DecodeFailed(f"no frame from {url} within {timeout:g} s") from None
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise DecodeFailed(f"ffmpeg failed on {url}: {done.stderr.strip()[-300:]}")
    return elapsed


@dataclass(frozen=True)
class LocalDecode:
    """What the decoder does on a local copy: its own time, the pieces it reads, where it lands."""

    seconds: float
    pieces: frozenset[int]
    last_offset: int  # where the last request started: the frame's data after a seek


def local_decode(path: str | os.PathLike[str], piece_size: int,
                 seek: float | None = None) -> LocalDecode:
    """ffmpeg's first frame on a local file served over HTTP (median time of a few runs)."""
    times: list[float] = []
    with RangeServer(path) as server:
        for _ in range(LOCAL_REPEATS):
            server.clear_log()
            times.append(first_frame(server.url, seek))
            log = server.clear_log()
    return LocalDecode(median(times), frozenset(pieces_of_ranges(log, piece_size)),
                       log[-1][0] if log else 0)
