"""A real decoder (ffprobe/ffmpeg) gets its first frame from the stream URL while it downloads."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support import Swarm

DECODE_TIMEOUT = 90


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: decode tests NOT run (apt install ffmpeg)")
    return path


@pytest.mark.parametrize("name,kind", [("movie.mp4", "mp4"), ("movie.mkv", "mkv")],
                         ids=["mp4-moov-at-end", "mkv"])
def test_first_frame_decodes_from_the_stream_while_it_downloads(
        swarm: Callable[..., Swarm], video: Callable[..., Path], name: str, kind: str):
    ffmpeg, ffprobe = tool("ffmpeg"), tool("ffprobe")
    source = video(name, seconds=24, kind=kind)
    s = swarm(source)
    url = f"{s.service.url}/stream/{s.info_hash}/0/{name}"
    probe = subprocess.run(
        [ffprobe, "-v", "error", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=DECODE_TIMEOUT, check=False)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "h264,320,240"
    decode = subprocess.run(
        [ffmpeg, "-nostdin", "-v", "error", "-i", url, "-frames:v", "1", "-f", "null", "-"],
        capture_output=True, text=True, timeout=DECODE_TIMEOUT, check=False)
    assert decode.returncode == 0, decode.stderr
    assert s.status().progress < 1, "the first frame came only after the whole download"
