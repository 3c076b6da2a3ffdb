"""Sample videos made with ffmpeg, for the demo, the tests and the benchmark (one recipe for all).

A test pattern with a sine tone, H.264 + AAC at 25 fps with a keyframe every second, bit-exact so
the same arguments give the same bytes (and so the same info-hash) on every run.
"""

from __future__ import annotations

import os
import shutil
import subprocess

KINDS = ("mp4", "mp4-faststart", "mkv")
ENCODE_TIMEOUT = 600.0


class FfmpegMissing(RuntimeError):
    """ffmpeg is not installed, so no video can be made."""


def _ffmpeg() -> str:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FfmpegMissing("ffmpeg is not installed: cannot make videos (apt install ffmpeg)")
    return ffmpeg


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def _container(kind: str) -> list[str]:
    """Muxer arguments: 'mp4' keeps ffmpeg's default (moov after mdat), 'mp4-faststart' moves
    the moov first, 'mkv' is Matroska with its cues."""
    flags = ["-movflags", "+faststart"] if kind == "mp4-faststart" else []
    return [*flags, "-f", "matroska" if kind == "mkv" else "mp4"]


def encode_command(path: str | os.PathLike[str], seconds: float, kind: str = "mp4",
                   size: str = "320x240", bitrate: str = "400k",
                   audio_bitrate: str = "64k", cbr: bool = False) -> list[str]:
    """The ffmpeg command that encodes the test pattern into `path`.

    cbr pads the video to a constant bitrate (x264's HRD filler): a test pattern compresses far
    below any target otherwise, and a benchmark needs the bitrate it asked for.
    """
    _check_kind(kind)
    rate = ["-b:v", bitrate]
    if cbr:
        rate += ["-minrate", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
                 "-x264-params", "nal-hrd=cbr"]
    return [
        _ffmpeg(), "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=25",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", *rate,
        "-c:a", "aac", "-b:a", audio_bitrate, "-shortest",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1",
        *_container(kind), os.fspath(path),
    ]  # fmt: skip


def remux_command(source: str | os.PathLike[str], path: str | os.PathLike[str],
                  kind: str) -> list[str]:
    """The ffmpeg command that copies `source`'s streams into another container, untouched."""
    _check_kind(kind)
    return [
        _ffmpeg(), "-nostdin", "-v", "error", "-y", "-i", os.fspath(source),
        "-c", "copy", "-fflags", "+bitexact", "-map_metadata", "-1",
        *_container(kind), os.fspath(path),
    ]  # fmt: skip


def run(cmd: list[str]) -> None:
    """Run an ffmpeg command; a failure raises with ffmpeg's own words."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=ENCODE_TIMEOUT,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({done.returncode}): {done.stderr.strip()[-500:]}")
