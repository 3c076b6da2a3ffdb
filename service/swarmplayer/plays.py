"""Where playback stands, per torrent file and per episode: the resume point the TV and the
phone share. An episode played from its torrent file is one play, so every report goes through
`Plays._record`, which writes the file's row and the episode's together."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from .errors import NotFound
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
        """A player's report on a torrent file; the episodes played from that file follow."""
        with self._store.tx() as db:
            self._record(db, info_hash, file_index, None, position, duration, ended, watched)
        return self.of(info_hash)[file_index]

    def report_episode(self, episode_id: int, position: float, duration: float | None,
                       ended: bool, watched: bool | None) -> None:
        """A report on an episode; the torrent file it plays from (once known) follows."""
        with self._store.tx() as db:
            row = db.execute("SELECT info_hash, file_index FROM episodes WHERE id = ?",
                             (episode_id,)).fetchone()
            if row is None:
                raise NotFound(f"no episode {episode_id}")
            self._record(db, row["info_hash"], row["file_index"], episode_id, position,
                         duration, ended, watched)

    @staticmethod
    def _record(db: sqlite3.Connection, info_hash: str | None, file_index: int | None,
                episode_id: int | None, position: float, duration: float | None, ended: bool,
                watched: bool | None) -> None:
        """The one writer of progress: the file's row (when the file is known) and every
        episode played from it (or `episode_id`), in one transaction."""
        has_file = info_hash is not None and file_index is not None
        episodes = [("info_hash = ? AND file_index = ?", (info_hash, file_index))] if has_file \
            else []
        if episode_id is not None:
            episodes.append(("id = ?", (episode_id,)))
        where = " OR ".join(f"({test})" for test, _ in episodes)
        which = tuple(value for _, values in episodes for value in values)
        if duration is None:  # a report may leave out what an earlier one said
            known = db.execute(f"SELECT MAX(duration) FROM episodes WHERE {where}",
                               which).fetchone()[0]
            if known is None and has_file:
                row = db.execute("SELECT duration FROM plays WHERE info_hash = ? AND "
                                 "file_index = ?", (info_hash, file_index)).fetchone()
                known = row[0] if row else None
            duration = known
        kept, done = progressed(position, duration, ended, watched)
        now = time.time()
        if has_file:
            db.execute(
                "INSERT INTO plays (info_hash, file_index, position, duration, watched, "
                "last_played_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(info_hash, file_index) "
                "DO UPDATE SET position = excluded.position, duration = COALESCE("
                "excluded.duration, duration), watched = excluded.watched, "
                "last_played_at = excluded.last_played_at",
                (info_hash, file_index, kept, duration, int(done), now))
        db.execute(f"UPDATE episodes SET position = ?, duration = COALESCE(?, duration), "
                   f"watched = ?, last_played_at = ? WHERE {where}",
                   (kept, duration, int(done), now, *which))
