"""The `play` side: add a source through the API, prebuffer with a progress bar, hand the stream
URL to a player, and measure the time to the first decoded frame."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, TextIO

from .errors import BadInput, ServiceError, Unavailable

PLAYERS = {
    "mpv": ["mpv", "--force-window=yes"],
    "vlc": ["vlc", "--play-and-exit"],
    "ffplay": ["ffplay", "-autoexit"],
}
API_TIMEOUT = 30.0


class ApiClient:
    """The few API calls `play` needs, over plain HTTP (the service may be another process)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             timeout: float = API_TIMEOUT) -> Any:
        """One JSON request; the decoded answer (None for 204). Errors become ServiceErrors."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read()
                return json.loads(data) if data else None
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise api_error(exc, f"the service at {self.base_url}") from None

    def alive(self) -> bool:
        try:
            self.call("GET", "/api/v1/info")
        except ServiceError:
            return False
        return True

    def add(self, source: str, peers: list[str] | None = None) -> dict[str, Any]:
        return self.call("POST", "/api/v1/torrents", {"source": source, "peers": peers or []})


@dataclass
class PlayResult:
    stream_url: str
    info_hash: str
    prebuffer_seconds: float
    first_frame_seconds: float | None


def prebuffer(url: str, want: int, out: TextIO) -> int:
    """Read the stream's first `want` bytes, drawing a progress bar; the service keeps them."""
    request = urllib.request.Request(url, headers={"Range": f"bytes=0-{max(want, 1) - 1}"})
    got = 0
    try:
        with urllib.request.urlopen(request, timeout=API_TIMEOUT) as response:
            while chunk := response.read(64 * 1024):
                got += len(chunk)
                _bar(out, got, want)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        out.write("\n")
        raise api_error(exc, "the stream") from None
    out.write("\n")
    return got


def api_error(exc: BaseException, what: str) -> ServiceError:
    """The ServiceError an HTTP call to the service ended in, with the service's own error code
    and status when it answered one."""
    if isinstance(exc, urllib.error.HTTPError):
        try:
            body = json.load(exc)
            code, message = str(body["error"]), str(body["message"])
        except (ValueError, KeyError, TypeError, OSError):
            code, message = "http_error", f"{what} answered HTTP {exc.code} {exc.reason}"
        error = ServiceError(message, code=code)
        error.status = exc.code
        return error
    if isinstance(exc, (TimeoutError, socket.timeout)) or (
            isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, TimeoutError)):
        return Unavailable(f"{what} sent nothing for {API_TIMEOUT:g} s", code="timeout")
    if isinstance(exc, urllib.error.URLError):
        return Unavailable(f"{what} does not answer: {exc.reason}", code="no_service")
    return Unavailable(f"{what} failed: {exc}", code="no_service")


def _bar(out: TextIO, done: int, total: int, width: int = 30) -> None:
    share = min(done / total, 1.0) if total else 1.0
    filled = int(share * width)
    out.write(f"\rprebuffering [{'#' * filled}{'.' * (width - filled)}] {share:4.0%} "
              f"{done / 1e6:6.1f} MB")
    out.flush()


def first_frame_seconds(url: str, timeout: float = 120.0) -> float | None:
    """Seconds until ffmpeg decodes the stream's first video frame (None without ffmpeg)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    start = time.monotonic()
    result = subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-i", url, "-map", "0:v:0",
                             "-frames:v", "1", "-f", "null", "-"],
                            capture_output=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise Unavailable(f"ffmpeg could not decode the stream: {result.stderr.decode()[-300:]}")
    return time.monotonic() - start


def play(api: ApiClient, source: str, *, peers: list[str] | None = None,
         file_index: int | None = None, prebuffer_s: float = 5.0, player: str | None = None,
         out: TextIO = sys.stdout) -> PlayResult:
    """Add `source`, prebuffer it while timing the first frame, print the URL, run a player."""
    asked = time.monotonic()
    added = api.add(source, peers)
    info_hash = added["info_hash"]
    out.write(f"added {added['name']} ({info_hash})\n")
    url = added["stream_url"] if file_index is None else next(
        (f["stream_url"] for f in added["files"] if f["index"] == file_index), None)
    if url is None:
        raise BadInput(f"the torrent has no file {file_index}")
    frame: dict[str, Any] = {}

    def time_first_frame() -> None:
        try:
            if first_frame_seconds(url) is not None:
                frame["seconds"] = time.monotonic() - asked
        except (ServiceError, subprocess.TimeoutExpired) as exc:
            frame["error"] = exc

    timer = threading.Thread(target=time_first_frame, name="swarmplayer-first-frame")
    timer.start()
    bitrate = added.get("bitrate") or 1_000_000
    prebuffer(url, int(bitrate * prebuffer_s), out)
    buffered = time.monotonic() - asked
    timer.join()
    ttff = frame.get("seconds")
    out.write(f"prebuffered {prebuffer_s:g} s of video in {buffered:.2f} s\n")
    out.write(f"stream URL: {url}\n")
    if ttff is not None:
        out.write(f"time to first frame: {ttff:.2f} s "
                  "(from the play request to the first decoded video frame)\n")
    elif "error" in frame:
        out.write(f"first frame not decoded: {frame['error']}\n")
    if player:
        launch(player, url)
    return PlayResult(url, info_hash, buffered, ttff)


def launch(player: str, url: str) -> int:
    """Run a media player on the stream URL and wait for it to exit."""
    command = PLAYERS.get(player)
    if command is None:
        raise BadInput(f"unknown player {player!r}: choose one of {', '.join(PLAYERS)}")
    if shutil.which(command[0]) is None:
        raise BadInput(f"{command[0]} is not installed")
    return subprocess.run([*command, url], check=False).returncode
