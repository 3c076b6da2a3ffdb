"""Real little video files for tests and benchmarks, made with ffmpeg (skipped without it)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

KINDS = ("mp4", "mp4-faststart", "mkv")


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
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed: cannot make test videos (apt install ffmpeg)")
    path = os.fspath(path)
    cmd = [
        ffmpeg, "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=25",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-b:v", bitrate,
        "-c:a", "aac", "-b:a", "64k", "-shortest",
        # Same input, same bytes: tests may compare info-hashes between runs.
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1",
    ]  # fmt: skip
    if kind == "mp4-faststart":
        cmd += ["-movflags", "+faststart"]
    cmd += ["-f", "matroska" if kind == "mkv" else "mp4", path]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return path
