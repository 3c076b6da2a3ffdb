"""Real little video files for tests, made with ffmpeg (skipped without it)."""

from __future__ import annotations

import os

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
