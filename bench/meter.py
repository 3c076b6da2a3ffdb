"""Footprint of one process while it streams: peak resident memory and CPU seconds (psutil)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psutil

SAMPLE_SECONDS = 0.1


@dataclass(frozen=True)
class Footprint:
    peak_rss: int  # bytes
    cpu_seconds: float


class Meter:
    """Samples a process's RSS on a thread until stopped; CPU is the difference of its times."""

    def __init__(self, pid: int) -> None:
        self._proc = psutil.Process(pid)
        self._peak = 0
        self._stop = threading.Event()
        self._cpu0 = self._cpu()
        self._thread = threading.Thread(target=self._sample, daemon=True, name="bench-meter")
        self._thread.start()

    def _cpu(self) -> float:
        times = self._proc.cpu_times()
        return times.user + times.system

    def _sample(self) -> None:
        while True:
            try:
                self._peak = max(self._peak, self._proc.memory_info().rss)
            except psutil.NoSuchProcess:
                return
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def stop(self) -> Footprint:
        """The figures from creation until now (call before the process ends)."""
        cpu = self._cpu() - self._cpu0
        self._stop.set()
        self._thread.join(timeout=5)
        return Footprint(self._peak, cpu)
