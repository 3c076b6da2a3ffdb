"""Where playback stands, per torrent file: the resume point the TV and the phone share."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .store import Store

WATCHED_SHARE = 0.9  # played past this share of its duration: watched


@dataclass(frozen=True)
class Play:
    position: float = 0.0
    duration: float | None = None
    watched: bool = False
    last_played_at: float | None = None


def progressed(position: float, duration: float | None, ended: bool,
               watched: bool | None) -> tuple[float, bool]:
    """(position to keep, watched) after a report: played to its end or past 90 %, it is
    watched and starts from the beginning next time; `watched` given says so outright."""
    near_end = bool(duration) and position >= WATCHED_SHARE * float(duration or 0)
    done = (ended or near_end) if watched is None else watched
    return (0.0 if done else position), done


class Plays:
    def __init__(self, store: Store) -> None:
        self._store = store

    def of(self, info_hash: str) -> dict[int, Play]:
        with self._store.read() as db:
            rows = db.execute("SELECT * FROM plays WHERE info_hash = ?", (info_hash,)).fetchall()
        return {r["file_index"]: Play(r["position"], r["duration"], bool(r["watched"]),
                                      r["last_played_at"]) for r in rows}

    def report(self, info_hash: str, file_index: int, position: float,
               duration: float | None, ended: bool, watched: bool | None) -> Play:
        now = time.time()
        with self._store.tx() as db:
            if duration is None:  # a report may leave out what an earlier one said
                row = db.execute("SELECT duration FROM plays WHERE info_hash = ? AND "
                                 "file_index = ?", (info_hash, file_index)).fetchone()
                duration = row[0] if row else None
            kept, done = progressed(position, duration, ended, watched)
            db.execute(
                "INSERT INTO plays (info_hash, file_index, position, duration, watched, "
                "last_played_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(info_hash, file_index) "
                "DO UPDATE SET position = excluded.position, duration = COALESCE("
                "excluded.duration, duration), watched = excluded.watched, "
                "last_played_at = excluded.last_played_at",
                (info_hash, file_index, kept, duration, int(done), now))
        return self.of(info_hash)[file_index]
