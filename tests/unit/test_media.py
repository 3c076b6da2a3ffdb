"""Container parsing on real ffmpeg output and on hand-made and hostile bytes."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from swarmplayer.engine import media
from tests.media import make_video

HEAD = 64 * 1024
CUES_ID = bytes.fromhex("1C53BB6B")


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The bytes of a 2 s video of each kind (the files are ~100 kB)."""
    folder = tmp_path_factory.mktemp("videos")
    paths = {
        "mp4": folder / "moov-at-end.mp4",
        "mp4-faststart": folder / "faststart.mp4",
        "mkv": folder / "video.mkv",
    }
    return {kind: Path(make_video(path, 2, kind)).read_bytes() for kind, path in paths.items()}


def top_level_boxes(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of an MP4's top-level boxes, the reference the parser is checked by."""
    boxes, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        boxes.append((kind, offset, offset + size))
        offset += size
    return boxes


def box(kind: bytes, payload: bytes = b"", *, large: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def ebml(ident: int, payload: bytes, *, unknown_size: bool = False) -> bytes:
    """One EBML element with an 8-byte size field (the form muxers use for patchable sizes)."""
    size = (
        b"\x01\xff\xff\xff\xff\xff\xff\xff"
        if unknown_size
        else b"\x01" + len(payload).to_bytes(7, "big")
    )
    return ident.to_bytes((ident.bit_length() + 7) // 8, "big") + size + payload


def seek(target: int, position: int) -> bytes:
    return ebml(
        0x4DBB, ebml(0x53AB, target.to_bytes(4, "big")) + ebml(0x53AC, position.to_bytes(4, "big"))
    )


MKV_HEADER = ebml(0x1A45DFA3, ebml(0x4282, b"matroska"))


# --- real files -----------------------------------------------------------------------------


def test_moov_after_mdat_is_found_from_the_first_bytes(videos: dict[str, bytes]) -> None:
    data = videos["mp4"]
    kinds = [kind for kind, _, _ in top_level_boxes(data)]
    assert kinds.index(b"mdat") < kinds.index(b"moov"), "ffmpeg's default puts moov last"
    moov = next((s, e) for kind, s, e in top_level_boxes(data) if kind == b"moov")

    start, end = media.index_range("video.mp4", data[:HEAD], len(data))

    assert data[start + 4 : start + 8] == b"moov"
    assert (start, end) == moov


def test_moov_range_needs_only_the_mdat_header(videos: dict[str, bytes]) -> None:
    data = videos["mp4"]
    _, mdat_start, mdat_end = next(b for b in top_level_boxes(data) if b[0] == b"mdat")

    found = media.mp4_index_range(data[: mdat_start + 8], len(data))

    assert found == (mdat_end, len(data))
    assert data[mdat_end + 4 : mdat_end + 8] == b"moov"


def test_faststart_mp4_has_no_index_at_the_end(videos: dict[str, bytes]) -> None:
    data = videos["mp4-faststart"]
    assert top_level_boxes(data)[1][0] == b"moov"
    assert media.index_range("video.mp4", data[:HEAD], len(data)) is None


def test_mkv_cues_are_found_through_the_seek_head(videos: dict[str, bytes]) -> None:
    data = videos["mkv"]

    start, end = media.index_range("video.mkv", data[:HEAD], len(data))

    assert data[start : start + 4] == CUES_ID
    assert data.rfind(CUES_ID) == start, "the Cues element, not the SeekHead's mention of it"
    assert start < end <= len(data)


def test_mkv_cues_end_is_exact_when_their_header_is_in_head(videos: dict[str, bytes]) -> None:
    data = videos["mkv"] + b"\0" * 1000  # room after the Segment that is not Cues

    start, end = media.mkv_index_range(data, len(data))

    assert data[start : start + 4] == CUES_ID
    assert end == len(videos["mkv"])


@pytest.mark.parametrize("kind", ["mp4-faststart", "mkv"])
def test_duration_from_a_header_that_holds_it(videos: dict[str, bytes], kind: str) -> None:
    name = "video.mkv" if kind == "mkv" else "video.mp4"
    assert media.duration_from_header(name, videos[kind][:HEAD]) == pytest.approx(2.0, abs=0.05)


def test_duration_of_moov_at_end_needs_the_moov(videos: dict[str, bytes]) -> None:
    data = videos["mp4"]
    assert media.duration_from_header("video.mp4", data[:HEAD]) is None
    assert media.duration_from_header("video.mp4", data) == pytest.approx(2.0, abs=0.05)


def test_magic_beats_the_file_name(videos: dict[str, bytes]) -> None:
    data = videos["mkv"]
    assert media.index_range("misnamed.mp4", data[:HEAD], len(data)) == media.mkv_index_range(
        data[:HEAD], len(data)
    )
    assert media.duration_from_header("video.bin", videos["mp4-faststart"]) is not None


@pytest.mark.parametrize("kind", ["mp4", "mp4-faststart", "mkv"])
def test_probe_duration(tmp_path: Path, kind: str) -> None:
    path = make_video(tmp_path / f"v.{kind[:3]}", 2, kind)
    assert media.probe_duration(path) == pytest.approx(2.0, abs=0.05)


def test_probe_duration_of_a_non_video_is_none(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"not a video at all")
    assert media.probe_duration(path) is None
    assert media.probe_duration(tmp_path / "missing.mp4") is None


def test_probe_duration_without_ffprobe(
    videos: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(videos["mp4"])
    monkeypatch.setattr(media.shutil, "which", lambda name: None)
    assert media.probe_duration(path) is None


# --- hand-made MP4 --------------------------------------------------------------------------


def test_mp4_with_64_bit_sizes() -> None:
    head = box(b"ftyp", b"isom") + box(b"mdat", b"x" * 100, large=True)
    moov = box(b"moov", box(b"mvhd", bytes(100)), large=True)
    data = head + moov

    assert media.mp4_index_range(data, len(data)) == (len(head), len(data))
    assert media.mp4_index_range(head + moov[:16], len(data)) == (len(head), len(data))


def test_mp4_moov_running_to_the_end_of_the_file() -> None:
    head = box(b"ftyp", b"isom") + box(b"mdat", b"x" * 10)
    data = head + struct.pack(">I4s", 0, b"moov") + bytes(40)
    assert media.mp4_index_range(data, len(data)) == (len(head), len(data))


def test_mp4_mdat_running_to_the_end_leaves_no_room_for_moov() -> None:
    head = box(b"ftyp", b"isom") + struct.pack(">I4s", 0, b"mdat")
    assert media.mp4_index_range(head, 10_000) is None


def test_mvhd_version_1() -> None:
    mvhd = b"\x01" + bytes(3 + 16) + struct.pack(">IQ", 1000, 90_500) + bytes(80)
    head = box(b"ftyp", b"isom") + box(b"moov", box(b"mvhd", mvhd)) + box(b"mdat", b"x")
    assert media.mp4_duration(head) == pytest.approx(90.5)


def test_mvhd_with_unknown_duration() -> None:
    mvhd = bytes(4 + 8) + struct.pack(">II", 1000, 0xFFFFFFFF) + bytes(80)
    head = box(b"ftyp", b"isom") + box(b"moov", box(b"mvhd", mvhd))
    assert media.mp4_duration(head) is None


# --- hand-made Matroska ---------------------------------------------------------------------


def test_mkv_cues_end_at_the_next_element_the_seek_head_names() -> None:
    seek_head = ebml(0x114D9B74, seek(0x1C53BB6B, 5000) + seek(0x1254C367, 7000))
    head = MKV_HEADER + ebml(0x18538067, seek_head, unknown_size=True)
    segment_start = len(MKV_HEADER) + 12

    found = media.mkv_index_range(head, 100_000)

    assert found == (segment_start + 5000, segment_start + 7000)


def test_mkv_without_cues_in_the_seek_head() -> None:
    seek_head = ebml(0x114D9B74, seek(0x1549A966, 100))
    head = MKV_HEADER + ebml(0x18538067, seek_head, unknown_size=True)
    assert media.mkv_index_range(head, 100_000) is None


def test_mkv_duration_with_a_timecode_scale() -> None:
    info = ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big")) + ebml(0x4489, struct.pack(">f", 1500.0))
    head = MKV_HEADER + ebml(0x18538067, ebml(0x1549A966, info), unknown_size=True)
    assert media.mkv_duration(head) == pytest.approx(1.5)


def test_mkv_duration_missing() -> None:
    info = ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
    head = MKV_HEADER + ebml(0x18538067, ebml(0x1549A966, info), unknown_size=True)
    assert media.mkv_duration(head) is None


# --- hostile bytes --------------------------------------------------------------------------


def sane(found: tuple[int, int] | None, size: int) -> bool:
    return found is None or 0 <= found[0] < found[1] <= size


def test_random_bytes_never_raise() -> None:
    rng = random.Random(1)
    for n in range(2000):
        head = rng.randbytes(rng.randrange(0, 300))
        size = rng.randrange(1, 1 << 40)
        if n % 3 == 0:  # get past the magic check into the parsers proper
            head = (MKV_HEADER if n % 2 else box(b"ftyp", b"isom")) + head
        for name in ("v.mp4", "v.mkv", "v.bin"):
            assert sane(media.index_range(name, head, size), size)
            media.duration_from_header(name, head)


@pytest.mark.parametrize("kind", ["mp4", "mp4-faststart", "mkv"])
def test_truncated_heads_give_the_right_answer_or_none(videos: dict[str, bytes], kind: str) -> None:
    data = videos[kind]
    name = "v.mkv" if kind == "mkv" else "v.mp4"
    full = media.index_range(name, data, len(data))
    for cut in range(0, 2000, 3):
        found = media.index_range(name, data[:cut], len(data))
        if kind == "mp4":
            # mdat's header gives moov's start, and moov is the last box: the exact range.
            assert found in (None, full)
        else:
            assert found is None or found[0] == (full or (None,))[0]
        assert sane(found, len(data))
        duration = media.duration_from_header(name, data[:cut])
        assert duration is None or duration == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize("kind", ["mp4", "mp4-faststart", "mkv"])
def test_corrupted_heads_never_raise(videos: dict[str, bytes], kind: str) -> None:
    rng = random.Random(kind)
    data = videos[kind][:4096]
    for _ in range(1000):
        head = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            head[rng.randrange(len(head))] = rng.randrange(256)
        assert sane(media.index_range("v", bytes(head), 1 << 20), 1 << 20)
        media.duration_from_header("v", bytes(head))


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.mp4", "video/mp4"),
        ("a.MKV", "video/x-matroska"),
        ("a.webm", "video/webm"),
        ("a.avi", "video/x-msvideo"),
        ("a.ts", "video/mp2t"),
        ("a.m4v", "video/x-m4v"),
        ("a.mov", "video/quicktime"),
        ("a.ogv", "video/ogg"),
        ("a.mpg", "video/mpeg"),
        ("a.mpeg", "video/mpeg"),
        ("a.flv", "video/x-flv"),
        ("a.wmv", "video/x-ms-wmv"),
        ("dir.v1/readme.txt", "text/plain"),
        ("a.unknownext", "application/octet-stream"),
        ("noext", "application/octet-stream"),
    ],
)
def test_content_type(name: str, expected: str) -> None:
    assert media.content_type(name) == expected


def test_video_extensions() -> None:
    assert {".mp4", ".mkv", ".avi", ".webm"} <= media.VIDEO_EXTENSIONS
    assert media.is_video("Show/S01E01.MKV")
    assert not media.is_video("Show/S01E01.srt")
