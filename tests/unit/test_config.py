"""Settings: defaults < TOML file < SWARMPLAYER_* environment < flags, every value checked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from swarmplayer.config import Config, ConfigError

FIELDS = {f.name: f for f in dataclasses.fields(Config)}


def kind(name: str) -> str:
    t = FIELDS[name].type
    return t if isinstance(t, str) else t.__name__


def test_defaults_are_valid_and_frozen(tmp_path: Path):
    config = Config.load(env={})
    assert config.http_port == 8642 and config.enable_dht
    assert config.data_dir  # the user's data dir, from platformdirs
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.http_port = 1  # type: ignore[misc]


def test_for_tests_keeps_everything_on_loopback(tmp_path: Path):
    config = Config.for_tests(tmp_path, read_timeout=3)
    assert config.http_host == "127.0.0.1" and config.http_port == 0
    assert config.listen_interfaces == "127.0.0.1:0"
    assert not (config.enable_dht or config.enable_lsd or config.enable_upnp
                or config.enable_natpmp)
    assert config.read_timeout == 3.0
    assert config.db_path == tmp_path / "state.sqlite3"
    assert config.resume_dir == tmp_path / "resume" and config.cache_dir == tmp_path / "cache"


def test_file_then_environment_then_flags(tmp_path: Path):
    path = tmp_path / "swarmplayer.toml"
    path.write_text('http_port = 1111\nhttp_threads = 8\nenable_dht = false\n'
                    'window_seconds = 12.5\ndata_dir = "/srv/swarm"\n')
    env = {"SWARMPLAYER_HTTP_PORT": "2222", "SWARMPLAYER_HTTP_THREADS": "9",
           "SWARMPLAYER_CONFIG": str(path), "OTHER": "ignored"}
    config = Config.load(path, env=env, flags={"http_port": "3333", "http_host": None})
    assert config.http_port == 3333  # flag beats environment beats file
    assert config.http_threads == 9  # environment beats file
    assert config.enable_dht is False and config.window_seconds == 12.5  # file beats default
    assert config.data_dir == "/srv/swarm"
    assert config.http_host == "0.0.0.0"  # a flag given as None is not given


def test_a_service_table_is_read_too(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("[service]\nhttp_port = 4444\n")
    assert Config.load(path, env={}).http_port == 4444


@pytest.mark.parametrize("text,expected", [("1", True), ("yes", True), ("ON", True),
                                           ("false", False), ("0", False), ("off", False)])
def test_booleans_from_text(text: str, expected: bool):
    assert Config.load(env={"SWARMPLAYER_ENABLE_LSD": text}).enable_lsd is expected


def bad_values(name: str) -> list[object]:
    """Values that must be refused for a setting, whatever its type."""
    k = kind(name)
    if k == "bool":
        return ["maybe", 2, "", None]
    if k in ("int", "float"):
        meta = FIELDS[name].metadata
        out: list[object] = ["many", "", None, True, [1], "nan", float("nan"), float("inf"),
                             meta["min"] - 1]
        if meta.get("max") is not None:
            out.append(meta["max"] + 1)
        if k == "int":
            out += ["1.5", 2.5]
        return out
    if "check" in FIELDS[name].metadata:  # a text with its own grammar (sizes, profiles, …)
        return ["?? not valid ??", None, [1]]
    return ["", "   ", 5, None]


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_bad_value_is_a_config_error_naming_the_setting(name: str):
    for value in bad_values(name):
        with pytest.raises(ConfigError, match=name):
            Config.from_mapping({name: value}, source="test")
            pytest.fail(f"{name} = {value!r} was accepted")


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_bad_environment_value_names_the_variable_source(name: str):
    value = bad_values(name)[0]
    with pytest.raises(ConfigError, match=f"environment: {name}"):
        Config.load(env={f"SWARMPLAYER_{name.upper()}": value})


def test_unknown_setting_is_named(tmp_path: Path):
    with pytest.raises(ConfigError, match="http_prot"):
        Config.load(env={"SWARMPLAYER_HTTP_PROT": "1"})
    path = tmp_path / "c.toml"
    path.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match=f"{path}.*colour"):
        Config.load(path, env={})


def test_unreadable_or_invalid_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        Config.load(tmp_path / "missing.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("http_port = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.load(broken, env={})
    with pytest.raises(ConfigError, match="cannot read config file"):
        Config.load(tmp_path, env={})  # a folder


def test_values_at_the_bounds_are_accepted():
    config = Config.from_mapping({"http_port": 0, "http_threads": 256, "window_seconds": "2",
                                  "read_timeout": 3600, "http_host": "::1"}, source="test")
    assert (config.http_port, config.http_threads, config.window_seconds) == (0, 256, 2.0)
    assert isinstance(config.window_seconds, float) and isinstance(config.http_port, int)
    assert Config.from_mapping({"http_port": 8080.0}, source="test").http_port == 8080
