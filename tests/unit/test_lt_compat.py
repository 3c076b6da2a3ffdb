"""The libtorrent compatibility layer behaves the same on 2.0.8 (Debian) and 2.1.x (PyPI)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from swarmplayer.config import Config
from swarmplayer.engine import lt
from swarmplayer.engine.settings import NEVER_MAP, OWN_PEER_ID, PEER_FINGERPRINT, settings_pack

HEX = "d2354010a3ca4ade5b7427bb093a62a3899ff381"


def test_version_is_a_supported_one():
    assert (2, 0, 8) <= lt.VERSION < (2, 2)


@pytest.mark.parametrize("data", [b"", b"d3:foo", b"i12", b"l", b"x", b"4:ab", b"d1:ai1e",
                                  b"d1:a" * 2000])
def test_bdecode_errors_are_torrent_errors(data: bytes):
    with pytest.raises(lt.TorrentError):
        lt.bdecode(data)


def test_bencode_round_trip():
    value = {b"a": [1, b"two", {b"x": -3}], b"b": b"\x00\xff"}
    assert lt.bdecode(lt.bencode(value)) == value


def _single(length: int = 5, extra: dict[bytes, object] | None = None) -> dict[bytes, object]:
    info = {b"name": b"x.mp4", b"piece length": 16384, b"length": length,
            b"pieces": b"\0" * 20, **(extra or {})}
    return {b"info": info}


@pytest.mark.parametrize("data", [
    b"",
    b"i42e",  # not a dict
    b"le",
    lt.bencode({b"announce": b"http://x"}),  # no info
    lt.bencode({b"info": b"not a dict"}),
    lt.bencode(_single(-1)),  # negative length
    lt.bencode(_single(5, {b"piece length": 0})),
    lt.bencode(_single(5, {b"pieces": b"\0" * 19})),  # not a multiple of 20
    lt.bencode({b"info": {b"name": b"x", b"piece length": 16384, b"pieces": b""}}),  # no files
    lt.bencode({b"info": {b"name": b"pile", b"piece length": 16384, b"pieces": b"\0" * 20,
                          b"files": [{b"length": 1, b"path": [b"same.txt"]}] * 150}}),
])
def test_torrent_info_errors_are_torrent_errors(data: bytes):
    with pytest.raises(lt.TorrentError) as err:
        lt.torrent_info(data)
    assert str(err.value) and "[libtorrent:" not in str(err.value)


def test_torrent_info_of_a_good_torrent():
    ti = lt.torrent_info(lt.bencode(_single(5)))
    assert ti.name() == "x.mp4" and ti.total_size() == 5
    assert lt.file_entries(ti) == [(0, "x.mp4", 5, 0)]


@pytest.mark.parametrize("uri", [
    "",
    "http://example.invalid/x.torrent",
    "magnet:?dn=no+hash",
    "magnet:?xt=urn:btih:zzzz",
    "magnet:?xt=urn:btih:" + HEX[:-2],
    "magnet:?xt=urn:btmh:1221" + "cd" * 32,
    "magnet:?xt=urn:sha1:YNCKHTQCWBTRNJIV4WNAE52SJUQCZO5C",
])
def test_parse_magnet_errors(uri: str):
    with pytest.raises(lt.TorrentError):
        lt.parse_magnet(uri)


def test_hash_hex_v1_v2_and_hybrid():
    v1 = lt.parse_magnet(f"magnet:?xt=urn:btih:{HEX.upper()}&dn=x")
    assert lt.hash_hex(v1.info_hashes) == HEX
    b32 = lt.parse_magnet("magnet:?xt=urn:btih:2I2UAEFDZJFN4W3UE65QSOTCUOEZ744B")
    assert lt.hash_hex(b32.info_hashes) == HEX
    v2 = lt.parse_magnet("magnet:?xt=urn:btmh:1220" + "cd" * 32)
    assert lt.hash_hex(v2.info_hashes) == "cd" * 32
    hybrid = lt.parse_magnet(f"magnet:?xt=urn:btmh:1220{'ab' * 32}&xt=urn:btih:{HEX}")
    assert lt.hash_hex(hybrid.info_hashes) == HEX
    assert lt.has_hash(hybrid.info_hashes)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "a.mkv").write_bytes(os.urandom(70_000))
    (folder / "b.srt").write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nhi\n")
    return folder


def test_make_torrent_is_v1_only_by_default(tmp_path: Path):
    folder = _folder(tmp_path)
    meta = lt.make_torrent(str(folder), piece_size=16384, trackers=["http://127.0.0.1:1/a"],
                           comment="hello")
    info = meta[b"info"]
    assert b"pieces" in info and b"meta version" not in info and b"file tree" not in info
    assert meta[b"announce"] == b"http://127.0.0.1:1/a" and meta[b"comment"] == b"hello"
    ti = lt.torrent_info(lt.bencode(meta))
    assert hashlib.sha1(lt.bencode(info)).hexdigest() == lt.hash_hex(ti.info_hashes())
    assert sorted(Path(p).name for _, p, _, _ in lt.file_entries(ti)) == ["a.mkv", "b.srt"]


def test_hybrid_torrent_pad_files_are_left_out(tmp_path: Path):
    meta = lt.make_torrent(str(_folder(tmp_path)), piece_size=16384, v1_only=False)
    assert meta[b"info"][b"meta version"] == 2
    ti = lt.torrent_info(lt.bencode(meta))
    entries = lt.file_entries(ti)
    assert sorted(Path(p).name for _, p, _, _ in entries) == ["a.mkv", "b.srt"]
    assert all(offset % 16384 == 0 for _, _, _, offset in entries)  # v2 aligns files
    assert len(lt.hash_hex(ti.info_hashes())) == 40  # named by its v1 hash


def test_make_torrent_of_nothing(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(lt.TorrentError):
        lt.make_torrent(str(tmp_path / "empty"))


def test_resume_data_round_trip_and_garbage(tmp_path: Path):
    params = lt.AddTorrentParams()
    params.ti = lt.torrent_info(lt.bencode(_single(5)))
    params.save_path = str(tmp_path)
    back = lt.read_resume(lt.write_resume(params))
    # The metadata travels in the resume file: a restart needs no peer to know the torrent.
    assert back.ti is not None
    assert lt.hash_hex(back.ti.info_hashes()) == lt.hash_hex(params.ti.info_hashes())
    for garbage in (b"", b"not bencoding", lt.bencode([1, 2])):
        with pytest.raises(lt.TorrentError):
            lt.read_resume(garbage)


def test_wait_for_alert_returns_a_bool(tmp_path: Path):
    session = lt.new_session(settings_pack(Config.for_tests(tmp_path)))
    try:
        got = lt.wait_for_alert(session, 5000)  # a new session posts listen_succeeded
        assert got is True
        names = [lt.alert_name(a) for a in session.pop_alerts()]
        assert names and all(name.endswith("_alert") for name in names)
        # Drain whatever start-up alerts follow, then an idle wait times out as False.
        end = time.monotonic() + 5
        while time.monotonic() < end and lt.wait_for_alert(session, 200):
            session.pop_alerts()
        assert lt.wait_for_alert(session, 50) is False
    finally:
        session.pause()


def test_classify_peers_applies(tmp_path: Path):
    session = lt.new_session(settings_pack(Config.for_tests(tmp_path)))
    try:
        origin = lt.new_peer_class(session, "origin")
        # Both versions take the filter, IPv6 addresses included.
        lt.classify_peers(session, local_limited=False, extra={"127.0.0.2": origin, "::1": origin})
        lt.classify_peers(session, local_limited=True)
        lt.set_class_download_limit(session, origin, 32 * 1024)
        assert session.get_peer_class(origin)["download_limit"] == 32 * 1024
    finally:
        session.pause()


@pytest.mark.parametrize(("overrides", "tick"), [
    ({}, 100), ({"upload_rate_limit": 500_000}, 20), ({"seed_upload_rate_limit": 100_000}, 20),
])
def test_a_box_that_caps_its_upload_ticks_faster(tmp_path: Path, overrides: dict[str, int],
                                                 tick: int):
    """Checked on a real session: the value libtorrent holds, and outgoing plaintext."""
    session = lt.new_session(settings_pack(Config.for_tests(tmp_path, **overrides)))
    held = session.get_settings()
    assert held["tick_interval"] == tick
    # A tenth of a second of blocks queued per peer (at least four): a seek's are not stuck
    # behind half a second of earlier ones.
    assert held["send_buffer_watermark_factor"] == 10
    assert held["send_buffer_low_watermark"] == 64 * 1024
    assert held["out_enc_policy"] == 2 and held["in_enc_policy"] == 1
    assert held["mmap_file_size_cutoff"] == NEVER_MAP  # libtorrent 2.0: pread, no mapped files


def test_the_session_carries_our_peer_id_prefix(tmp_path: Path):
    session = lt.new_session(settings_pack(Config.for_tests(tmp_path)))
    try:
        assert session.get_settings()["peer_fingerprint"] == PEER_FINGERPRINT
        assert PEER_FINGERPRINT.encode().startswith(OWN_PEER_ID)
    finally:
        session.pause()
