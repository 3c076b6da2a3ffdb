"""Container knowledge the streaming scheduler needs: where the index sits, how long a video is.

Pure Python on the first bytes of a file, because a set-top box may have no ffmpeg; only
`probe_duration` (used when making a .tstream, on the publisher's machine) runs ffprobe. The
parsers take untrusted bytes from the swarm and answer None rather than raise on anything odd.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator

VIDEO_TYPES: dict[str, str] = {
    ".3gp": "video/3gpp",
    ".avi": "video/x-msvideo",
    ".flv": "video/x-flv",
    ".m2ts": "video/mp2t",
    ".m4v": "video/x-m4v",
    ".mkv": "video/x-matroska",
    ".mov": "video/quicktime",
    ".mp4": "video/mp4",
    ".mpeg": "video/mpeg",
    ".mpg": "video/mpeg",
    ".ogv": "video/ogg",
    ".ts": "video/mp2t",
    ".webm": "video/webm",
    ".wmv": "video/x-ms-wmv",
}
VIDEO_EXTENSIONS: frozenset[str] = frozenset(VIDEO_TYPES)

# The stdlib's built-in table only: the global one also reads /etc/mime.types, which differs
# between hosts (Debian maps .ts to Qt's text/vnd.trolltech.linguist).
_MIME = mimetypes.MimeTypes()

_MP4_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".3gp", ".m4a"})
_MKV_EXTENSIONS = frozenset({".mkv", ".webm", ".mka"})

PROBE_TIMEOUT_S = 30.0


def content_type(name: str) -> str:
    """The Content-Type to serve a file under, from its extension."""
    ext = os.path.splitext(name)[1].lower()
    if ext in VIDEO_TYPES:
        return VIDEO_TYPES[ext]
    return _MIME.guess_type("x" + ext)[0] or "application/octet-stream"


def is_video(name: str) -> bool:
    """True when the file name has a video extension."""
    return os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS


def probe_duration(path: str | os.PathLike[str]) -> float | None:
    """The duration in seconds by ffprobe, or None without ffprobe or when it cannot tell."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    cmd = [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]
    try:
        done = subprocess.run(
            [*cmd, "--", os.fspath(path)],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    try:
        seconds = float(done.stdout)  # "N/A" for inputs without a duration
    except ValueError:
        return None
    return seconds if done.returncode == 0 and 0 < seconds < float("inf") else None


def index_range(name: str, head: bytes, file_size: int) -> tuple[int, int] | None:
    """Byte range [start, end) of the index a player reads before seeking, when head locates it.

    An MP4's moov when it follows mdat (None for faststart files: head already holds it), or
    a Matroska file's Cues. None for other containers and for bytes that make no sense.
    """
    kind = container(name, head)
    if kind == "mp4":
        return mp4_index_range(head, file_size)
    if kind == "mkv":
        return mkv_index_range(head, file_size)
    return None


def duration_from_header(name: str, head: bytes) -> float | None:
    """The duration in seconds when the file's first bytes state it, else None."""
    kind = container(name, head)
    if kind == "mp4":
        return mp4_duration(head)
    if kind == "mkv":
        return mkv_duration(head)
    return None


def container(name: str, head: bytes) -> str | None:
    """'mp4' or 'mkv' when the first bytes (or, failing them, the name) say so, else None."""
    # Magic first: a file's bytes are a better witness than its name.
    if head[:4] == _EBML_MAGIC:
        return "mkv"
    if head[4:8] == b"ftyp":
        return "mp4"
    ext = os.path.splitext(name)[1].lower()
    if ext in _MP4_EXTENSIONS:
        return "mp4"  # old QuickTime files may start without ftyp
    if ext in _MKV_EXTENSIONS:
        return "mkv"
    return None


# --- MP4 / QuickTime ------------------------------------------------------------------------


class _Corrupt(ValueError):
    """Bytes that cannot be what the parser expects; public functions turn it into None."""


def _mp4_box(data: bytes, offset: int, end: int) -> tuple[bytes, int, int] | None:
    """(type, payload start, box end) of the box at offset, None when data ends before its header.

    end is where the enclosing space stops (a size-0 box runs up to it).
    """
    if offset + 8 > len(data):
        return None
    size, kind = struct.unpack_from(">I4s", data, offset)
    header = 8
    if size == 1:
        if offset + 16 > len(data):
            return None
        (size,) = struct.unpack_from(">Q", data, offset + 8)
        header = 16
    elif size == 0:
        size = end - offset
    # Box types are four ASCII characters (QuickTime adds '©'); anything else is not MP4.
    if size < header or offset + size > end or not all(0x20 <= c < 0x7F or c == 0xA9 for c in kind):
        raise _Corrupt(f"no MP4 box at {offset}")
    return kind, offset + header, offset + size


def _mp4_top_level(head: bytes, file_size: int) -> list[tuple[bytes, int, int, int]]:
    """(type, start, payload start, end) of the top-level boxes whose headers lie in head.

    When head ends before the file does, a last entry of type b"" covers the unread rest.
    """
    boxes: list[tuple[bytes, int, int, int]] = []
    offset = 0
    while offset < file_size:
        box = _mp4_box(head, offset, file_size)
        if box is None:
            boxes.append((b"", offset, offset, file_size))
            break
        boxes.append((box[0], offset, box[1], box[2]))
        offset = box[2]
    return boxes


def mp4_index_range(head: bytes, file_size: int) -> tuple[int, int] | None:
    """Range of the moov box when it follows mdat; None for faststart files or unreadable bytes.

    When mdat's header is in head but moov's is not, moov's size is unknown: the range then
    runs from the end of the last box read to the end of the file.
    """
    try:
        boxes = _mp4_top_level(head, file_size)
    except _Corrupt:
        return None
    seen_mdat = False
    for kind, start, _, end in boxes:
        if kind in (b"moov", b""):
            return (start, end) if seen_mdat else None
        seen_mdat = seen_mdat or kind == b"mdat"
    return None


def mp4_duration(head: bytes) -> float | None:
    """Duration from moov/mvhd when moov lies wholly within head (faststart files)."""
    try:
        for kind, _, payload, end in _mp4_top_level(head, 1 << 62):  # the file size is unknown
            if kind == b"moov" and end <= len(head):
                return _mvhd_seconds(head, payload, end)
    except _Corrupt:
        return None
    return None


def _mvhd_seconds(head: bytes, offset: int, end: int) -> float | None:
    while offset < end and (box := _mp4_box(head, offset, end)) is not None:
        kind, payload, offset = box
        if kind != b"mvhd":
            continue
        if head[payload : payload + 1] == b"\x01":  # version 1: 64-bit times and duration
            fmt, at, unknown = ">IQ", payload + 20, 0xFFFFFFFFFFFFFFFF
        else:
            fmt, at, unknown = ">II", payload + 12, 0xFFFFFFFF
        if at + struct.calcsize(fmt) > offset:
            return None
        timescale, duration = struct.unpack_from(fmt, head, at)
        if timescale == 0 or duration in (0, unknown):
            return None
        return duration / timescale
    return None


# --- Matroska / WebM ------------------------------------------------------------------------

_EBML_ID = 0x1A45DFA3
_EBML_MAGIC = _EBML_ID.to_bytes(4, "big")
_SEGMENT = 0x18538067
_SEEK_HEAD = 0x114D9B74
_SEEK = 0x4DBB
_SEEK_ID = 0x53AB
_SEEK_POSITION = 0x53AC
_INFO = 0x1549A966
_TIMECODE_SCALE = 0x2AD7B1
_DURATION = 0x4489
_CUES = 0x1C53BB6B
_CLUSTER = 0x1F43B675


def _vint(data: bytes, offset: int, max_length: int) -> tuple[int, int, int] | None:
    """(raw value with its length marker, length, next offset) of an EBML variable-length int."""
    if offset >= len(data) or data[offset] == 0:
        return None
    length = 9 - data[offset].bit_length()
    if length > max_length or offset + length > len(data):
        return None
    return int.from_bytes(data[offset : offset + length], "big"), length, offset + length


def _element(data: bytes, offset: int) -> tuple[int, int, int | None] | None:
    """(ID, payload start, payload size or None when unknown) of the element at offset."""
    ident = _vint(data, offset, 4)
    size = ident and _vint(data, ident[2], 8)
    if not ident or not size:
        return None
    raw, length, payload = size
    value = raw & ((1 << (7 * length)) - 1)  # drop the length marker bit
    return ident[0], payload, None if value == (1 << (7 * length)) - 1 else value


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(ID, start, payload start, end) of each element from start whose header lies in data.

    Stops at the first header that is unreadable or overruns end (corrupt or not EBML).
    """
    offset = start
    while offset < end and (element := _element(data, offset)) is not None:
        ident, payload, size = element
        child_end = end if size is None else payload + size
        if child_end > end:
            return
        yield ident, offset, payload, child_end
        offset = child_end


def _segment(head: bytes) -> tuple[int, int | None] | None:
    """(payload start, payload end or None when unknown) of the Segment after the EBML header."""
    header = _element(head, 0)
    if header is None or header[0] != _EBML_ID or header[2] is None:
        return None
    segment = _element(head, header[1] + header[2])
    if segment is None or segment[0] != _SEGMENT:
        return None
    return segment[1], None if segment[2] is None else segment[1] + segment[2]


def _uint(data: bytes, start: int, end: int) -> int | None:
    if not 0 < end - start <= 8 or end > len(data):
        return None
    return int.from_bytes(data[start:end], "big")


def mkv_index_range(head: bytes, file_size: int) -> tuple[int, int] | None:
    """Range of the Cues element, found through the SeekHead (or met directly) in head.

    The end is the Cues' own end when its header is in head, else the nearest element after it
    that the SeekHead names or that head shows, else the end of the Segment (or file).
    """
    segment = _segment(head)
    if segment is None:
        return None
    seg_start, seg_end = segment
    limit = min(seg_end or file_size, file_size)
    starts: list[int] = []  # absolute offsets of elements known to exist
    cues: int | None = None
    for ident, start, payload, end in _children(head, seg_start, limit):
        if ident == _CUES:
            return start, min(end, limit)
        starts.append(start)
        if ident == _SEEK_HEAD:
            for target, position in _seek_entries(head, payload, end):
                starts.append(seg_start + position)
                if target == _CUES:
                    cues = seg_start + position
    if cues is None or not seg_start <= cues < limit:
        return None
    element = _element(head, cues)
    if element is not None and element[0] == _CUES and element[2] is not None:
        return cues, min(element[1] + element[2], limit)
    return cues, min((s for s in starts if s > cues), default=limit)


def _seek_entries(head: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(target element ID, position relative to the Segment's payload) of each SeekHead entry."""
    for ident, _, payload, seek_end in _children(head, start, end):
        if ident != _SEEK:
            continue
        target = position = None
        for child, _, child_start, child_end in _children(head, payload, seek_end):
            if child == _SEEK_ID:
                target = _uint(head, child_start, child_end)
            elif child == _SEEK_POSITION:
                position = _uint(head, child_start, child_end)
        if target is not None and position is not None:
            yield target, position


def mkv_duration(head: bytes) -> float | None:
    """Segment Info Duration × TimecodeScale, in seconds, when Info lies in head."""
    segment = _segment(head)
    if segment is None:
        return None
    seg_start, seg_end = segment
    for ident, _, payload, end in _children(head, seg_start, min(seg_end or len(head), len(head))):
        if ident == _INFO and end <= len(head):
            return _info_seconds(head, payload, end)
    return None


def _info_seconds(head: bytes, start: int, end: int) -> float | None:
    scale, duration = 1_000_000, None  # TimecodeScale defaults to 1 ms
    for ident, _, payload, child_end in _children(head, start, end):
        if ident == _TIMECODE_SCALE:
            scale = _uint(head, payload, child_end) or scale
        elif ident == _DURATION and child_end - payload in (4, 8):
            fmt = ">f" if child_end == payload + 4 else ">d"
            (duration,) = struct.unpack_from(fmt, head, payload)
    if duration is None or not 0 < duration < float("inf"):
        return None
    return duration * scale / 1e9
