"""What the API serves with: the service's components (shared, not owned) and the API's own
state, one object per app, reached from each request (`request.shared`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..auth.pairing import Pairing
from ..auth.tokens import Devices, StreamSigner
from ..cache.janitor import Janitor
from ..config import Config
from ..engine.engine import Engine
from ..errors import Unavailable
from ..feeds.library import Library
from ..monitor import Governor
from ..plays import Plays
from ..prefetch import Prefetcher
from ..publishing.publisher import Publisher
from ..search.indexers import Indexers
from ..search.searcher import Searcher
from ..slots import Slots
from ..tv import TvLink

if TYPE_CHECKING:
    from .boxes import Finder


@dataclass(eq=False)
class Shared:
    """An app's components. The optional ones (`cache_janitor`, `feeds_library`,
    `folder_publisher`) have properties that answer 503 for an app built without them."""

    engine: Engine
    config: Config
    prefetcher: Prefetcher
    plays: Plays
    indexers: Indexers
    searcher: Searcher
    devices: Devices
    stream_signer: StreamSigner
    pairing: Pairing
    tv: TvLink
    boxes: Finder
    # Live pages on /api/v1/events (each holds a request thread).
    event_streams: threading.BoundedSemaphore
    # Request threads long work may hold (api/limits.py): "fetch" and "stream".
    slots: dict[str, Slots]
    governor: Governor | None
    cache_janitor: Janitor | None
    feeds_library: Library | None
    folder_publisher: Publisher | None

    @property
    def janitor(self) -> Janitor:
        if self.cache_janitor is None:
            raise Unavailable("the cache janitor is not running")
        return self.cache_janitor

    @property
    def library(self) -> Library:
        """The feeds component (shows, episodes, subscriptions)."""
        if self.feeds_library is None:
            raise Unavailable("the feeds are not running")
        return self.feeds_library

    @property
    def publisher(self) -> Publisher:
        if self.folder_publisher is None:
            raise Unavailable("publishing is not running")
        return self.folder_publisher
