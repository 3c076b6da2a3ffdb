"""Session settings while a seek waits: told by every torrent's scheduler when a seek starts and
when its reader has caught up (stream.StreamScheduler.on_seeking)."""

from __future__ import annotations

import threading
from typing import Any

from ..config import Config
from .origin import Origins
from .settings import seek_settings


class Seeks:
    """Counts the torrents with a seek under way; the session ticks faster meanwhile and, when
    several peers can send, keeps their request queues short (settings.seek_settings)."""

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
        several = seeking and handle.status().num_peers > 1
        with self._lock:
            self._count += 1 if seeking else -1
            if self._count == (1 if seeking else 0):
                self._session.apply_settings(seek_settings(self._config, seeking, several))
