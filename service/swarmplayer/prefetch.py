"""Head prefetch: the first seconds of a video and its container index fetched ahead of play,
so a press of play starts at once; the rest of the torrent waits until then.

A prefetch is an ordinary reader of the service's own (a FileStream that does not count as
playing): the scheduler's header-first and index logic does the choosing, as for a player. The
file's head is read up to `seconds` of playback (the bitrate as the container tells it once
the header is read), then the index (an MP4's moov at the end, an MKV's cues). Meanwhile and
after, the file's other pieces wait at priority 0 until a player opens it
(StreamScheduler.head_only).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from .config import Config
from .engine.engine import Engine
from .engine.scheduler import StreamFile
from .errors import ServiceError

log = logging.getLogger(__name__)


@dataclass
class Prefetch:
    info_hash: str
    file_index: int | None
    seconds: float
    wanted: int = 0
    done: int = 0
    state: str = "fetching"  # fetching | ready | failed
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"file_index": self.file_index, "seconds": self.seconds, "done": self.done,
                "wanted": self.wanted, "ready": self.state == "ready", "state": self.state,
                "error": self.error}


class Prefetcher:
    """Runs each prefetch on a thread of its own once the torrent's metadata is there (a magnet
    waits for it with no thread: a feed's magnets nobody seeds yet can be many, and each
    waiting thread cost ~40 KB); `stop()` ends them (a component)."""

    def __init__(self, engine: Engine, config: Config) -> None:
        self.engine = engine
        self.config = config
        self._jobs: dict[str, Prefetch] = {}
        self._waiting: dict[str, Prefetch] = {}  # jobs whose torrent has no metadata yet
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        engine.on_removed(self.forget)  # a torrent added again is prefetched afresh
        engine.on_metadata(self._start)

    def start(self) -> None:
        self._stopping.clear()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=10)

    def prefetch(self, info_hash: str, file_index: int | None = None,
                 seconds: float | None = None) -> Prefetch:
        """Start (or join) the prefetch of a torrent's file; its state at once."""
        self.engine.status(info_hash)  # NotFound for an unknown torrent, before any thread
        seconds = self.config.prebuffer_seconds if seconds is None else seconds
        with self._lock:
            job = self._jobs.get(info_hash.lower())
            if job is not None and job.state != "failed" and job.file_index in (None, file_index) \
                    and job.seconds >= seconds:
                return job
            job = Prefetch(info_hash.lower(), file_index, seconds)
            self._jobs[job.info_hash] = self._waiting[job.info_hash] = job
        # Asked once the job waits: metadata arriving meanwhile has started it (_start).
        if self.engine.files(job.info_hash):
            self._start(job.info_hash)
        return job

    def _start(self, info_hash: str) -> None:
        """The waiting job's thread, now that the metadata is there (at most once)."""
        with self._lock:
            job = self._waiting.pop(info_hash, None)
            if job is None or self._stopping.is_set():
                return
            thread = threading.Thread(target=self._run, args=(job,), daemon=True,
                                      name=f"swarmplayer-prefetch-{job.info_hash[:8]}")
            self._threads.add(thread)
        thread.start()

    def status(self, info_hash: str) -> Prefetch | None:
        with self._lock:
            return self._jobs.get(info_hash.lower())

    def forget(self, info_hash: str) -> None:
        with self._lock:
            self._jobs.pop(info_hash.lower(), None)
            self._waiting.pop(info_hash.lower(), None)

    def _run(self, job: Prefetch) -> None:
        try:
            self._fetch(job)
            log.info("prefetched %s: %d bytes; the rest waits for play", job.info_hash,
                     job.done)
        except ServiceError as exc:
            job.state, job.error = "failed", exc.message
            if not self._stopping.is_set():  # at stop, cut short: nothing went wrong
                log.warning("prefetch of %s failed: %s", job.info_hash, exc.message)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _fetch(self, job: Prefetch) -> None:
        """The header first (it says where the index is), then the index (an MP4 whose moov
        is at the end says its duration only there), then the first seconds, whose size the
        bitrate learnt from those tells."""
        header = self._read(job, 0, self.config.header_bytes)
        span = header.index_range
        if span is not None and span[0] >= self.config.header_bytes:
            self._read(job, span[0], span[1])
        head = self._head_bytes(header.bitrate, job.seconds, header.span.size)
        self._read(job, min(self.config.header_bytes, head), head)
        job.state = "ready"

    def _read(self, job: Prefetch, start: int, stop: int) -> StreamFile:
        """Read bytes [start, stop) of the job's file through a reader of the service's own,
        counting them; the file as the reader left it (header and index learnt)."""
        stream = self.engine.open_stream(job.info_hash, job.file_index, played=False,
                                         window=job.seconds)
        job.file_index = stream.file.index
        stop = min(stop, stream.size)
        job.wanted += max(stop - start, 0)
        try:
            for chunk in stream.iter_range(start, stop, self._stopping.is_set):
                job.done += len(chunk)
        finally:
            stream.close()
        return stream.file

    def _head_bytes(self, bitrate: float, seconds: float, size: int) -> int:
        return min(size, max(self.config.header_bytes, int(bitrate * seconds)))
