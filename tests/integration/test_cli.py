"""The `swarmplayer` command as a user runs it: a real subprocess, real service, real swarm."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support import REPO, Swarm

from swarmplayer.config import Config
from swarmplayer.engine import lt, tstream
from swarmplayer.sources import add_source
from swarmplayer.supervisor import Service

CLI_TIMEOUT = 240


def swarmplayer(*args: str, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMPLAYER_")}
    env["PYTHONPATH"] = str(REPO / "service")
    return subprocess.run([sys.executable, "-m", "swarmplayer", "--log-level", "ERROR", *args],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL, check=False)


def test_make_tstream_round_trip(video: Callable[..., Path], tmp_path: Path) -> None:
    source = video("clip.mp4", seconds=6, bitrate="800k")
    out = tmp_path / "clip.tstream"
    result = swarmplayer("make-tstream", str(source), "-o", str(out), "--piece-size", "32768",
                         "--tracker", "http://127.0.0.1:1/announce", "--origin", "127.0.0.2:6881")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    data = out.read_bytes()
    ti = lt.torrent_info(data)
    assert ti.piece_length() == 32768
    meta = lt.bdecode(data)
    assert meta[b"info"][b"playtime"] == b"0:00:06"
    rate = tstream.bitrate(meta, None, source.stat().st_size)
    assert rate == pytest.approx(source.stat().st_size / 6, rel=0.05)
    assert tstream.origins(meta) == ["127.0.0.2:6881"]


def test_make_tstream_refuses_an_origin_that_is_not_host_port(video: Callable[..., Path],
                                                              tmp_path: Path) -> None:
    source = video("clip.mp4", seconds=2, bitrate="300k")
    result = swarmplayer("make-tstream", str(source), "--origin", "no-port-here")
    assert result.returncode == 2
    assert "host:port" in result.stderr and "Traceback" not in result.stderr
    assert not source.with_suffix(".tstream").exists()


def test_make_tstream_refuses_what_is_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    result = swarmplayer("make-tstream", str(text))
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "notes.tstream").exists()


def test_demo_streams_the_sample_and_reports_first_frame(tmp_path: Path) -> None:
    result = swarmplayer("demo", "--once", "--data-dir", str(tmp_path / "demo"), "--port", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "stream URL: http://127.0.0.1:" in out
    assert "prebuffering [" in out and "100%" in out
    assert "demo feed: http://127.0.0.1:" in out and '"Starling Point", subscribed' in out
    seconds = float(out.split("time to first frame: ")[1].split()[0])
    assert 0 < seconds < 60


def test_play_through_a_running_service(service: Service, swarm: Callable[..., Swarm],
                                        video: Callable[..., Path], tmp_path: Path) -> None:
    source = video("episode.mkv", seconds=8, bitrate="600k")
    seeded = swarm(source)
    tstream_file = tmp_path / "episode.tstream"
    tstream_file.write_bytes(seeded.torrent)
    result = swarmplayer("play", str(tstream_file), "--service", service.url,
                         "--peer", seeded.seeder.address, "--prebuffer", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"stream URL: {service.url}/stream/{seeded.info_hash}" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["serve", "--port", "http"], "http_port must be a whole number"),
    (["serve", "--port", "70000"], "http_port must be between 0 and 65535"),
    (["play", "magnet:?xt=urn:btih:nothex", "--service", "http://127.0.0.1:9"], "error:"),
])
def test_bad_input_is_a_clear_error(args: list[str], message: str) -> None:
    result = swarmplayer(*args, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_config_file_names_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "swarmplayer.toml"
    config.write_text('window_seconds = "lots"\n')
    result = swarmplayer("serve", "--config", str(config), timeout=60)
    assert result.returncode == 2
    assert "window_seconds must be a number" in result.stderr


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _assert_cli_error(result: subprocess.CompletedProcess[str], code: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    first, *rest = result.stderr.strip().splitlines()
    assert first.startswith("swarmplayer: error: ") and first.endswith(f"({code})"), first
    assert rest and rest[0].startswith("swarmplayer: "), result.stderr  # what to do


@pytest.mark.parametrize("source, code", [
    ("javascript:alert(1)", "invalid_source"),
    ("http://", "invalid_url"),
    ("magnet:?dn=no-hash", "invalid_magnet"),
    ("ab" * 19 + "a", "invalid_magnet"),
])
def test_play_refused_source_keeps_the_service_error_code(service: Service, source: str,
                                                          code: str) -> None:
    _assert_cli_error(swarmplayer("play", "--service", service.url, source, timeout=60), code)


def test_play_without_a_service_is_a_clear_error() -> None:
    result = swarmplayer("play", "--service", f"http://127.0.0.1:{_closed_port()}",
                         "magnet:?xt=urn:btih:" + "ab" * 20, timeout=60)
    _assert_cli_error(result, "no_service")


def test_play_when_no_data_comes_in_time(make_service: Callable[..., Service]) -> None:
    """The stream answers 503 (no metadata within read_timeout): an error, not a traceback."""
    service = make_service(read_timeout=2.0)
    service.engine.session.pause()
    result = swarmplayer("play", "--service", service.url, "magnet:?xt=urn:btih:" + "cd" * 20,
                         "--prebuffer", "1", timeout=120)
    _assert_cli_error(result, "unavailable")


def _own_service_config(tmp_path: Path) -> Path:
    """A config for a `play` that starts its own service: loopback only, nothing advertised."""
    if _listening(8642):
        pytest.skip("a service answers at play's default address: play would use it")
    config = tmp_path / "own.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\nhttp_host = "127.0.0.1"\nhttp_port = 0\n'
        'listen_interfaces = "127.0.0.1:0"\nenable_dht = false\nenable_lsd = false\n'
        "enable_upnp = false\nenable_natpmp = false\ndiscovery = false\nread_timeout = 2.0\n")
    return config


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_play_with_its_own_service_adds_the_torrent_once(tmp_path: Path) -> None:
    """No service running: play starts one, whose engine gets the torrent before the API is up
    (cli._adder); the play request then finds it there and streams it (here: no peers, so the
    stream gives up after read_timeout with the service's own error)."""
    info_hash = "ef" * 20
    result = swarmplayer("play", f"magnet:?xt=urn:btih:{info_hash}", "--config",
                         str(_own_service_config(tmp_path)), "--prebuffer", "1", timeout=120)
    assert f"({info_hash})" in result.stdout, (result.stdout, result.stderr)
    _assert_cli_error(result, "unavailable")


def test_play_with_its_own_service_reports_a_refused_source(tmp_path: Path) -> None:
    """The early add keeps quiet about a bad source: the play request says why, as ever."""
    result = swarmplayer("play", "magnet:?dn=no-hash", "--config",
                         str(_own_service_config(tmp_path)), timeout=60)
    _assert_cli_error(result, "invalid_magnet")


def test_a_service_primes_its_engine_before_its_api_loads(tmp_path: Path) -> None:
    seen: dict[str, object] = {}
    service = Service(Config.for_tests(tmp_path))

    def prime(engine: object) -> None:
        seen["app"] = service.app
        seen["hash"] = add_source(service.engine, "magnet:?xt=urn:btih:" + "12" * 20).info_hash

    service.start(prime=prime)
    try:
        assert seen["app"] is None  # the API came after
        answer = service.app.test_client().get(f"/api/v1/torrents/{seen['hash']}")
        assert answer.status_code == 200, answer.get_json()
    finally:
        service.stop()
