"""Service settings: defaults < a TOML file < SWARMPLAYER_* environment < command-line flags.

Every value is checked when it is loaded, so a typo in a config file is a clear message at start,
not a crash in the middle of a stream.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .identity import check_discovery_backend, check_friendly_name
from .netaddrs import parse_host_list
from .profiles import check_profile_name, parse_switch, parse_tuning
from .units import parse_amount

ENV_PREFIX = "SWARMPLAYER_"


class ConfigError(ValueError):
    """A setting that cannot be used, with the setting's name and why."""


def _default_data_dir() -> str:
    # XDG on Linux boxes; platformdirs is the well-kept way to get it everywhere else.
    from platformdirs import user_data_dir

    return user_data_dir("swarmplayer", appauthor=False)


def _range(low: float, high: float | None = None) -> dict[str, Any]:
    return {"min": low, "max": high}


def _checked(check: Any) -> dict[str, Any]:
    """A text setting whose value `check` accepts (it raises ValueError saying why not)."""
    return {"check": check}


@dataclass(frozen=True)
class Config:
    """Everything the service can be told; frozen so components can share one safely."""

    data_dir: str = field(default_factory=_default_data_dir)
    http_host: str = "0.0.0.0"
    http_port: int = field(default=8642, metadata=_range(0, 65535))
    http_threads: int = field(default=16, metadata=_range(4, 256))
    # BitTorrent side.
    listen_interfaces: str = "0.0.0.0:6881,[::]:6881"
    enable_dht: bool = True
    enable_lsd: bool = True
    enable_upnp: bool = True
    enable_natpmp: bool = True
    # Treat loopback/LAN peers like internet peers, so rate limits apply to them (tests, bench).
    local_peers_rate_limited: bool = False
    download_rate_limit: int = field(default=0, metadata=_range(0))  # bytes/s, 0 = unlimited
    upload_rate_limit: int = field(default=0, metadata=_range(0))
    connections_limit: int = field(default=0, metadata=_range(0, 10000))  # 0: the profile's
    # Streaming.
    window_seconds: float = field(default=30.0, metadata=_range(2, 600))
    # Seconds of playback a prefetch fetches ahead of play (the add-on waits for them; a
    # subscribed episode's head).
    prebuffer_seconds: float = field(default=5.0, metadata=_range(1, 600))
    # The container header at deadline 0; the window takes over right after it.
    header_bytes: int = field(default=64 << 10, metadata=_range(0))
    default_bitrate: int = field(default=1_000_000, metadata=_range(1000))  # bytes/s
    read_timeout: float = field(default=60.0, metadata=_range(1, 3600))
    # Spare a small board: once this many seconds are buffered ahead, cap the download rate.
    buffer_cap_seconds: float = field(default=0.0, metadata=_range(0, 3600))
    buffer_cap_rate: int = field(default=0, metadata=_range(0))  # bytes/s while capped
    # Spare the origin peers a torrent names (the publisher's seeders) once this many seconds are
    # buffered ahead: they send us a trickle until the buffer is down to half. 0: never.
    spare_origin_seconds: float = field(default=3.0, metadata=_range(0, 3600))
    resume_save_interval: float = field(default=30.0, metadata=_range(1, 3600))
    # Disk cache: bytes ("500M", "20G") or a share of the disk ("80%"); units are powers of 1024.
    # The quota may be exceeded only by the streams playing; the free-disk floor never.
    cache_quota: str = field(default="80%", metadata=_checked(parse_amount))
    min_free_disk: str = field(default="1G", metadata=_checked(parse_amount))
    cache_interval: float = field(default=10.0, metadata=_range(0.5, 3600))  # seconds
    # Seeding what was watched, within these limits (0: no limit).
    seed_ratio_limit: float = field(default=2.0, metadata=_range(0))
    seed_time_limit: float = field(default=7 * 86400.0, metadata=_range(0))  # seconds
    seed_upload_rate_limit: int = field(default=0, metadata=_range(0))  # bytes/s, all seeds
    seed_while_playing: str = field(default="auto", metadata=_checked(parse_switch))
    # Resource governor: profile ("auto" or pi-zero-2, pi-3, pi-4, desktop) and overrides of
    # its libtorrent settings, e.g. "connections_limit=40,aio_threads=2".
    governor_profile: str = field(default="auto", metadata=_checked(check_profile_name))
    tuning: str = field(default="", metadata=_checked(parse_tuning))
    monitor_interval: float = field(default=5.0, metadata=_range(0.5, 3600))  # seconds
    # Published folders (`swarmplayer publish`): looked at every publish_scan_seconds; a video
    # is hashed once it has not changed for publish_settle_seconds (a copy has ended).
    publish_scan_seconds: float = field(default=10.0, metadata=_range(0.5, 3600))
    publish_settle_seconds: float = field(default=10.0, metadata=_range(0, 3600))
    # Folders (os.pathsep-separated) whose torrent files a LAN client may add by path; empty:
    # the user's Downloads and the data dir. The box itself may give any path.
    allowed_paths: str = field(default="", metadata=_checked(lambda text: _folders(text)))
    # Access (issue 17): the box itself (127.0.0.1/::1) needs no token; extra Host names the
    # box answers to (e.g. a reverse proxy's), comma-separated; how long stream links work.
    trust_localhost: bool = True
    allowed_hosts: str = field(default="", metadata=_checked(parse_host_list))
    stream_link_seconds: float = field(default=6 * 3600.0, metadata=_range(60, 7 * 86400))
    # Zeroconf: announce the box on the LAN under this name (default: the host name).
    discovery: bool = True
    # auto: through avahi-daemon where it runs (Raspberry Pi OS), else python-zeroconf.
    discovery_backend: str = field(default="auto", metadata=_checked(check_discovery_backend))
    friendly_name: str = field(default="", metadata=_checked(check_friendly_name))

    @property
    def cache_dir(self) -> Path:
        return Path(self.data_dir) / "cache"

    @property
    def resume_dir(self) -> Path:
        return Path(self.data_dir) / "resume"

    @property
    def db_path(self) -> Path:
        return Path(self.data_dir) / "state.sqlite3"

    @property
    def allowed_folders(self) -> tuple[Path, ...]:
        folders = _folders(self.allowed_paths) or [Path.home() / "Downloads", Path(self.data_dir)]
        return tuple(p.resolve() for p in folders)

    @classmethod
    def for_tests(cls, data_dir: str | os.PathLike[str], **overrides: Any) -> Config:
        """Loopback only, every discovery off, ephemeral ports: nothing leaves the machine."""
        base: dict[str, Any] = dict(
            data_dir=str(data_dir),
            http_host="127.0.0.1",
            http_port=0,
            listen_interfaces="127.0.0.1:0",
            enable_dht=False,
            enable_lsd=False,
            enable_upnp=False,
            enable_natpmp=False,
            read_timeout=20.0,
            # A test machine's disk is not a cache to manage: act only when it is really full.
            cache_quota="100%",
            min_free_disk="0",
            # Nor is its load a reason to throttle another test's swarm: tests that check the
            # governor drive its tick() with a fake system reader.
            monitor_interval=3600.0,
            discovery=False,
        )
        base.update(overrides)
        return cls.from_mapping(base, source="test overrides")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, source: str,
                     base: Config | None = None) -> Config:
        """A Config with `values` (names as in the dataclass) validated on top of `base`."""
        known = {f.name: f for f in fields(cls)}
        changes: dict[str, Any] = {}
        for name, raw in values.items():
            f = known.get(name)
            if f is None:
                raise ConfigError(f"{source}: unknown setting {name!r}")
            changes[name] = _coerce(f, raw, source)
        return dataclasses.replace(base, **changes) if base else cls(**changes)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        flags: Mapping[str, Any] | None = None,
    ) -> Config:
        """Defaults < TOML file < SWARMPLAYER_* environment < command-line flags."""
        config = cls()
        if path is not None:
            config = cls.from_mapping(_read_toml(Path(path)), source=str(path), base=config)
        env = os.environ if env is None else env
        from_env = {
            k[len(ENV_PREFIX):].lower(): v
            for k, v in env.items()
            if k.startswith(ENV_PREFIX) and k != ENV_PREFIX + "CONFIG"
        }
        config = cls.from_mapping(from_env, source="environment", base=config)
        given = {k: v for k, v in (flags or {}).items() if v is not None}
        return cls.from_mapping(given, source="command line", base=config)


def _folders(text: str) -> list[Path]:
    """The absolute folders of an os.pathsep-separated list (ValueError for a relative one)."""
    folders = [Path(p.strip()).expanduser() for p in str(text).split(os.pathsep) if p.strip()]
    for folder in folders:
        if not folder.is_absolute():
            raise ValueError(f"a folder here is an absolute path, not {str(folder)[:80]!r}")
    return folders


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    # Accept both a flat file and one with a [service] table.
    return data.get("service", data) if isinstance(data.get("service"), dict) else data


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(f: dataclasses.Field[Any], raw: Any, source: str) -> Any:
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    where = f"{source}: {f.name}"
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ConfigError(f"{where} must be true or false, not {raw!r}")
    if kind in ("int", "float"):
        if isinstance(raw, bool):
            raise ConfigError(f"{where} must be a number, not {raw!r}")
        wanted = "a whole number" if kind == "int" else "a number"
        try:
            number = float(raw)
            value = int(raw) if kind == "int" else number
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{where} must be {wanted}, not {raw!r}") from None
        # int(2.5) would quietly drop the half; NaN and infinity pass every range check.
        if not math.isfinite(number) or value != number:
            raise ConfigError(f"{where} must be {wanted}, not {raw!r}")
        low, high = f.metadata.get("min"), f.metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            bound = f"at least {low}" if high is None else f"between {low} and {high}"
            raise ConfigError(f"{where} must be {bound}, not {value}")
        return value
    check = f.metadata.get("check")
    if check is not None:
        # TOML can give a list or a table here: say so rather than let the parser trip on it.
        # (A bool is let through: `seed_while_playing = false` is what a user writes.)
        if not isinstance(raw, (str, int, float)):
            raise ConfigError(f"{where} must be a text, not {raw!r}")
        try:
            check(raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        return str(raw).strip()
    if not isinstance(raw, (str, os.PathLike)) or not str(raw).strip():
        raise ConfigError(f"{where} must be a non-empty text, not {raw!r}")
    return str(raw)
