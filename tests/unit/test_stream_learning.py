"""A stream learns its bitrate from the file's own bytes: its header, or an MP4's moov."""

from __future__ import annotations

from pathlib import Path

import pytest
from media import make_video

from swarmplayer.engine.pieces import FileSpan
from swarmplayer.engine.scheduler import StreamFile, StreamScheduler
from swarmplayer.engine.stream import FileStream

PIECE = 16 * 1024


class _Handle:
    """Accepts the scheduler's calls; the bytes come from the real file."""

    def piece_priority(self, piece: int, priority: int) -> None: ...
    def set_piece_deadline(self, piece: int, deadline: int) -> None: ...
    def reset_piece_deadline(self, piece: int) -> None: ...
    def have_piece(self, piece: int) -> bool:
        return False
    def prioritize_pieces(self, priorities: list[tuple[int, int]]) -> None: ...
    def get_download_queue(self) -> list[dict[str, int]]:
        return []
    def get_piece_priorities(self) -> list[int]:
        return []
    def set_flags(self, flags: object) -> None: ...
    def unset_flags(self, flags: object) -> None: ...


@pytest.mark.parametrize("kind", ["mp4", "mp4-faststart", "mkv"])
def test_bitrate_is_learnt_while_reading(tmp_path: Path, kind: str) -> None:
    name = "clip.mkv" if kind == "mkv" else "clip.mp4"
    data = Path(make_video(tmp_path / name, 4, kind=kind)).read_bytes()
    file = StreamFile(0, name, FileSpan(0, len(data), PIECE), bitrate=1e6)
    scheduler = StreamScheduler(_Handle(), window_seconds=10, header_bytes=PIECE)
    stream = FileStream(scheduler, file,
                        lambda p, timeout, cancelled: data[p * PIECE:(p + 1) * PIECE], 1.0)
    assert b"".join(stream.iter_range(0, len(data))) == data
    stream.close()
    assert file.bitrate_known
    assert file.bitrate == pytest.approx(len(data) / 4, rel=0.05)
    if kind == "mp4":  # ffmpeg's default puts the index at the end: it was found from the header
        assert file.index_range is not None and file.index_range[1] == len(data)
