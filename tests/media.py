"""Real little video files for tests, made with ffmpeg (skipped without it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from swarmplayer.demo import video

KINDS = video.KINDS


def make_video(
    path: str | os.PathLike[str],
    seconds: float,
    kind: str = "mp4",
    size: str = "320x240",
    bitrate: str = "400k",
) -> str:
    """Encode a test pattern with a sine tone (H.264 + AAC, 25 fps, a keyframe every second).

    kind: 'mp4' (moov after mdat, ffmpeg's default), 'mp4-faststart' (moov first) or 'mkv'.
    Skips the calling test when ffmpeg is not installed; raises when ffmpeg fails.
    """
    try:
        cmd = video.encode_command(path, seconds, kind, size, bitrate)
    except video.FfmpegMissing as exc:
        pytest.skip(str(exc))
    video.run(cmd)
    return os.fspath(path)


def with_tracks(source: str | os.PathLike[str], path: str | os.PathLike[str],
                seconds: float) -> str:
    """`source` (a `seconds`-long MP4 from make_video) with a second audio track (French, a lower
    tone) and an English subtitle track (mov_text), as a film with a dub and subtitles has."""
    subtitles = Path(path).with_suffix(".srt")
    end = max(int(seconds) - 1, 1)  # one cue over all of it
    subtitles.write_text(f"1\n00:00:00,000 --> {end // 3600:02d}:{end // 60 % 60:02d}:"
                         f"{end % 60:02d},000\nHello from the subtitles\n", encoding="utf-8")
    video.run([
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", os.fspath(source),
        "-f", "lavfi", "-i", f"sine=frequency=660:duration={seconds}", "-i", os.fspath(subtitles),
        "-map", "0:v", "-map", "0:a", "-map", "1:a", "-map", "2:s",
        "-c:v", "copy", "-c:a:0", "copy", "-c:a:1", "aac", "-b:a:1", "64k", "-c:s", "mov_text",
        "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre",
        "-metadata:s:s:0", "language=eng", os.fspath(path),
    ])  # fmt: skip
    subtitles.unlink()
    return os.fspath(path)
