"""What other boxes read of the published folders, without a token: the RSS feed and each
video's .tstream, naming its folder's current origins (outside `info`: the same info-hash)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ..config import Config
from ..engine import lt, tstream
from ..errors import NotFound, shown
from ..identity import friendly_name
from .feed import FeedItem, magnet_link, rss
from .links import FEED_PATH, tstream_url
from .store import PublishStore


class Catalog:
    """The published videos as feed and files (read only)."""

    def __init__(self, config: Config, published: PublishStore) -> None:
        self.config = config
        self.published = published

    def feed(self) -> tuple[bytes, float | None]:
        """The RSS document of every published video, and when it last changed."""
        rows = self.published.items()
        items = [FeedItem(title=Path(r["name"]).stem, file_name=Path(r["name"]).stem + ".tstream",
                          size=r["size"], info_hash=r["info_hash"],
                          published_at=r["published_at"],
                          tstream_url=tstream_url(r["base_url"], r["info_hash"]),
                          tstream_size=len(_with_origins(r)),
                          magnet=magnet_link(r["info_hash"], r["name"], r["size"],
                                             json.loads(r["origins"])))
                 for r in rows]
        folders = self.published.folders()
        base = folders[0]["base_url"] if folders else ""
        name = friendly_name(self.config.friendly_name)
        return rss(items, title=f"{name}: published videos", link=base or "/",
                   self_url=base + FEED_PATH), self.published.changed_at()

    def tstream(self, info_hash: str) -> tuple[bytes, str]:
        """A published video's .tstream (naming its folder's origins) and its file name."""
        row = self.published.item_by_hash(info_hash)
        if row is None:
            raise NotFound(f"no published video with info-hash {shown(info_hash)}")
        return _with_origins(row), Path(row["name"]).stem + ".tstream"


def _with_origins(row: sqlite3.Row) -> bytes:
    origins = json.loads(row["origins"])
    if not origins:
        return bytes(row["tstream"])
    return lt.bencode(tstream.with_origins(lt.bdecode(bytes(row["tstream"])), origins))
