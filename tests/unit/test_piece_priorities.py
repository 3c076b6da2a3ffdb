"""Which pieces a new torrent downloads first, in the background, and what waits
(engine.torrent.piece_priorities)."""

from __future__ import annotations

import os
from pathlib import Path

from swarmplayer.engine import lt
from swarmplayer.engine.pieces import BACKGROUND_PRIORITY, TOP_PRIORITY
from swarmplayer.engine.torrent import piece_priorities

PIECE = 16384
HEADER = 2 * PIECE


def _torrent(folder: Path, files: dict[str, int]) -> lt.TorrentInfo:
    folder.mkdir()
    for name, pieces in files.items():
        (folder / name).write_bytes(os.urandom(pieces * PIECE))
    return lt.torrent_info(lt.bencode(lt.make_torrent(str(folder), piece_size=PIECE)))


def test_a_video_starts_with_its_header_then_its_last_piece(tmp_path: Path):
    ti = _torrent(tmp_path / "one", {"movie.mkv": 6})
    top, guess, rest = TOP_PRIORITY, TOP_PRIORITY - 1, BACKGROUND_PRIORITY
    assert piece_priorities(ti, HEADER) == [top, top, rest, rest, rest, guess]
    # Added for a prefetch: the rest waits for the prefetch's reader.
    assert piece_priorities(ti, HEADER, waiting=True) == [top, top, 0, 0, 0, guess]


def test_a_pack_downloads_its_default_video_and_side_files(tmp_path: Path):
    ti = _torrent(tmp_path / "pack", {"a.mkv": 4, "b.mkv": 2, "a.srt": 1})
    spans = {path.rsplit("/", 1)[-1]: range(offset // PIECE, (offset + size) // PIECE)
             for _, path, size, offset in lt.file_entries(ti)}
    given, waiting = piece_priorities(ti, PIECE), piece_priorities(ti, PIECE, waiting=True)
    first, *middle, last = spans["a.mkv"]
    assert (given[first], given[last]) == (waiting[first], waiting[last]) \
        == (TOP_PRIORITY, TOP_PRIORITY - 1)
    assert {given[p] for p in middle} == {BACKGROUND_PRIORITY}
    assert {waiting[p] for p in middle} == {0}
    assert {given[p] for p in spans["b.mkv"]} == {waiting[p] for p in spans["b.mkv"]} == {0}
    assert {given[p] for p in spans["a.srt"]} == {waiting[p] for p in spans["a.srt"]} \
        == {BACKGROUND_PRIORITY}
