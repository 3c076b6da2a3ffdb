"""The .tstream format: playtime parsing, bitrate lookup, live detection, making one."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest

from swarmplayer.engine import lt, media, tstream
from swarmplayer.errors import Unsupported
from tests.media import make_video

LIVE_INFO = {
    b"name": b"live",
    b"piece length": 32768,
    b"live": {b"authmethod": b"None", b"pubkey": b"\x01" * 20},
}


def single(playtime: Any = None, **top: Any) -> dict[bytes, Any]:
    info: dict[bytes, Any] = {b"name": b"v.mp4", b"length": 1_000_000, b"piece length": 16384}
    if playtime is not None:
        info[b"playtime"] = playtime
    return {b"info": info, **{k.encode(): v for k, v in top.items()}}


def multi(*files: tuple[str, int, Any], **top: Any) -> dict[bytes, Any]:
    entries = []
    for name, length, playtime in files:
        entry: dict[bytes, Any] = {b"path": [b"dir", name.encode()], b"length": length}
        if playtime is not None:
            entry[b"playtime"] = playtime
        entries.append(entry)
    return {
        b"info": {b"name": b"dir", b"files": entries},
        **{k.encode(): v for k, v in top.items()},
    }


def speed(bps: Any) -> dict[bytes, Any]:
    return {b"Content": {b"Speed Bps": bps, b"Progressive": 1}}


# --- playtime -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1:02:03", 3723),
        ("02:03", 123),
        (b"0:01:30", 90),
        ("90:00", 5400),
        ("45", 45),
        (" 1:00 ", 60),
        ("0:00:01.5", 1.5),
        ("0:00", 0),
    ],
)
def test_parse_playtime(text: str | bytes, seconds: float) -> None:
    assert tstream.parse_playtime(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["abc", "", "-1:00", "1:99:00", "1:60", "1:2:3:4", "1::00", "1:00:", "١:٠٠", b"\xff", 12],
)
def test_parse_playtime_rejects_garbage(text: Any) -> None:
    with pytest.raises(ValueError, match="not a playtime"):
        tstream.parse_playtime(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00:00"), (0.2, "0:00:01"), (59.6, "0:01:00"), (3723, "1:02:03"), (36000, "10:00:00")],
)
def test_format_playtime(seconds: float, text: str) -> None:
    assert tstream.format_playtime(seconds) == text
    assert tstream.parse_playtime(text) == max(round(seconds), 1 if seconds else 0)


@pytest.mark.parametrize("seconds", [-1, math.nan, math.inf])
def test_format_playtime_rejects_impossible_durations(seconds: float) -> None:
    with pytest.raises(ValueError):
        tstream.format_playtime(seconds)


# --- live -----------------------------------------------------------------------------------


def test_live_tstream_is_detected_after_a_bencode_round_trip() -> None:
    meta = lt.bdecode(lt.bencode({b"info": LIVE_INFO}))
    assert tstream.is_live(meta)
    with pytest.raises(Unsupported) as raised:
        tstream.check_not_live(meta)
    assert raised.value.message == "live streams are not supported yet"
    assert raised.value.code == "live_unsupported"


def test_live_with_str_keys_is_refused_too() -> None:
    meta = {"info": {"name": "live", "live": {"authmethod": "None", "pubkey": "k"}}}
    assert tstream.is_live(meta)
    with pytest.raises(Unsupported, match="live streams"):
        tstream.check_not_live(meta)


@pytest.mark.parametrize("meta", [single(), {}, {b"info": b"junk"}, {b"info": [LIVE_INFO]}])
def test_not_live(meta: dict[Any, Any]) -> None:
    assert not tstream.is_live(meta)
    tstream.check_not_live(meta)


# --- bitrate --------------------------------------------------------------------------------


def test_bitrate_from_info_playtime() -> None:
    assert tstream.bitrate(single(b"0:00:10"), None, 1_000_000) == 100_000
    assert tstream.bitrate(single(b"0:00:10"), 0, 1_000_000) == 100_000


def test_bitrate_from_a_file_playtime() -> None:
    meta = multi(("a.mkv", 600_000, b"1:00"), ("b.mkv", 900_000, b"0:30"))
    assert tstream.bitrate(meta, 0, 600_000) == 10_000
    assert tstream.bitrate(meta, 1, 900_000) == 30_000


def test_bitrate_from_top_level_playtime() -> None:
    assert tstream.bitrate(single(playtime=b"0:00:04"), None, 1_000_000) == 250_000
    assert tstream.bitrate(single(playtime="0:04"), None, 1_000_000) == 250_000


def test_file_playtime_comes_before_info_playtime_and_speed() -> None:
    meta = multi(("a.mp4", 1000, b"0:10"), azureus_properties=speed(7))
    meta[b"info"][b"playtime"] = b"0:01"
    assert tstream.bitrate(meta, 0, 1000) == 100


def test_torrent_playtime_is_for_the_only_video() -> None:
    meta = multi(("v.mp4", 1_000_000, None), ("v.srt", 2_000, None))
    meta[b"info"][b"playtime"] = b"0:10"
    assert tstream.bitrate(meta, 0, 1_000_000) == 100_000
    assert tstream.bitrate(meta, None, 1_000_000) == 100_000
    assert tstream.bitrate(meta, 1, 2_000) is None


def test_torrent_playtime_is_ambiguous_with_two_videos() -> None:
    meta = multi(("a.mp4", 1000, None), ("b.mp4", 1000, None), playtime=b"0:10")
    assert tstream.bitrate(meta, 0, 1000) is None
    meta[b"azureus_properties"] = speed(5000)
    assert tstream.bitrate(meta, 0, 1000) == 5000


def test_bitrate_from_speed_bps() -> None:
    assert tstream.bitrate(single(azureus_properties=speed(123_456)), None, 1) == 123_456


def test_bitrate_with_str_keys() -> None:
    meta = {"info": {"name": "v.mp4", "length": 100, "playtime": "0:10"}}
    assert tstream.bitrate(meta, None, 100) == 10


@pytest.mark.parametrize(
    "meta",
    [
        {},
        single(),
        single(b"abc"),
        single(b"0:00"),
        single(b"1:99:00"),
        single(600),
        single([b"0:10"]),
        single(azureus_properties=speed(b"5000")),
        single(azureus_properties=speed(True)),
        single(azureus_properties=speed(-5)),
        single(azureus_properties=speed(0)),
        single(azureus_properties=b"junk"),
        single(azureus_properties={b"Content": [1]}),
        {b"info": [1, 2]},
        {b"info": {b"files": [b"junk", {b"path": b"x"}, {b"path": [7]}]}},
        {b"info": {b"files": b"junk"}},
        multi(("a.mp4", 1, b"junk")),
    ],
)
def test_bitrate_of_garbage_is_none(meta: dict[Any, Any]) -> None:
    for index in (None, 0, 5, -1):
        assert tstream.bitrate(meta, index, 1000) is None


def test_bitrate_of_an_empty_file_is_not_a_division_by_zero() -> None:
    assert tstream.bitrate(single(b"0:10"), None, 0) is None
    assert tstream.bitrate(single(b"0:10", azureus_properties=speed(9)), None, 0) == 9


# --- making one -----------------------------------------------------------------------------


def test_make_tstream_adds_playtime_and_content_without_touching_the_input() -> None:
    torrent = single(azureus_properties={b"Content": {b"Publisher": b"me"}})
    before = copy.deepcopy(torrent)

    meta = tstream.make_tstream(torrent, 125.4, 50_000.6, thumbnail=b"\x89PNG")

    assert torrent == before
    assert meta[b"info"][b"playtime"] == b"0:02:05"
    assert meta[b"azureus_properties"][b"Content"] == {
        b"Publisher": b"me",
        b"Speed Bps": 50_001,
        b"Progressive": 1,
        b"Thumbnail": b"\x89PNG",
    }


def test_make_tstream_derives_the_speed_from_the_playtime() -> None:
    meta = tstream.make_tstream(single(), 10, None)
    assert meta[b"azureus_properties"][b"Content"][b"Speed Bps"] == 100_000
    meta = tstream.make_tstream(multi(("a.mp4", 700, None), ("a.srt", 300, None)), 10, None)
    assert meta[b"azureus_properties"][b"Content"][b"Speed Bps"] == 100  # the whole torrent's


def test_make_tstream_with_a_bitrate_only_adds_no_playtime() -> None:
    meta = tstream.make_tstream(single(azureus_properties=b"junk"), None, 4000)
    assert b"playtime" not in meta[b"info"]
    assert tstream.bitrate(meta, None, 1_000_000) == 4000


def test_make_tstream_gives_bytes_keys_and_values_only() -> None:
    meta = tstream.make_tstream({"info": {"name": "v.mp4", "length": 10, "x": ["a"]}}, 5, None)

    def strings(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [s for k, v in value.items() for s in strings(k) + strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    assert strings(meta) == []
    assert meta[b"info"][b"x"] == [b"a"]


@pytest.mark.parametrize(
    ("playtime", "rate"), [(None, None), (0, None), (-3, None), (None, 0), (math.inf, 10)]
)
def test_make_tstream_rejects_nonsense(playtime: float | None, rate: float | None) -> None:
    with pytest.raises(ValueError):
        tstream.make_tstream(single(), playtime, rate)


def test_make_tstream_rejects_live_and_non_torrents() -> None:
    with pytest.raises(Unsupported):
        tstream.make_tstream({b"info": LIVE_INFO}, 10, None)
    with pytest.raises(ValueError, match="no info"):
        tstream.make_tstream({b"announce": b"x"}, 10, None)


def test_round_trip_through_libtorrent(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mp4", 2, "mp4")
    size = Path(path).stat().st_size
    torrent = lt.make_torrent(path)
    seconds = media.probe_duration(path)
    assert seconds == pytest.approx(2.0, abs=0.05)

    data = lt.bencode(tstream.make_tstream(torrent, seconds, None, thumbnail=b"jpeg"))

    ti = lt.torrent_info(data)
    assert ti.total_size() == size
    plain = lt.torrent_info(lt.bencode(torrent))
    assert lt.hash_hex(ti.info_hashes()) != lt.hash_hex(plain.info_hashes()), "playtime is in info"
    meta = lt.bdecode(data)
    assert meta[b"info"][b"playtime"] == b"0:00:02"
    assert tstream.bitrate(meta, None, size) == size / 2
    assert tstream.bitrate(meta, 0, size) == size / 2
    del meta[b"info"][b"playtime"]
    assert tstream.bitrate(meta, None, size) == round(size / seconds)


@pytest.mark.parametrize(("meta", "origins"), [
    (single(origin=[b"127.0.0.2:6881", b" origin.example:80 "]),
     ["127.0.0.2:6881", "origin.example:80"]),
    (single(origin="10.0.0.1:1"), ["10.0.0.1:1"]),  # one text, built by hand
    (single(origin=[7, b"", [b"x"], b"[::1]:5"]), ["[::1]:5"]),  # what is not text is left out
    (single(origin=42), []),
    (single(), []),
])
def test_origins(meta: dict[bytes, Any], origins: list[str]) -> None:
    assert tstream.origins(meta) == origins


def test_naming_origins_keeps_the_info_hash() -> None:
    plain = single()
    plain[b"info"][b"pieces"] = b"\0" * 20 * 62
    named = tstream.with_origins(plain, ["127.0.0.2:6881"])
    assert tstream.origins(lt.bdecode(lt.bencode(named))) == ["127.0.0.2:6881"]
    hashes = [lt.hash_hex(lt.torrent_info(lt.bencode(m)).info_hashes()) for m in (plain, named)]
    assert hashes[0] == hashes[1]
    assert b"origin" not in plain  # the input is not changed
