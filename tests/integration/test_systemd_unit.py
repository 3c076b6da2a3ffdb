"""The systemd unit and the Raspberry Pi install script: checked by systemd's own verifier,
by shellcheck, and against what the service needs (stop time, paths, settings it reads)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support import REPO

from swarmplayer.config import Config
from swarmplayer.engine.engine import SHUTDOWN_TIMEOUT

UNIT = REPO / "deploy" / "swarmplayer.service"
INSTALL = REPO / "deploy" / "install-pi.sh"


def unit_settings() -> dict[str, list[str]]:
    """Every key of the unit, section-less, with all its values (keys may repeat)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None,
                                       dict_type=_MultiDict, empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    values: dict[str, list[str]] = {}
    for section in parser.sections():
        for key, value in parser.items(section):
            values.setdefault(key, []).extend(value.split("\n"))
    return values


class _MultiDict(dict):  # type: ignore[type-arg]
    """Keeps every value of a repeated key (systemd allows that, configparser does not)."""

    def __setitem__(self, key: str, value: object) -> None:
        if isinstance(value, list) and key in self:
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def verify(unit_text: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` on the unit, its ExecStart pointed at a program that exists
    here (verify checks that the binary is executable; the venv is on the Pi, not here)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (apt install systemd): the unit file is "
                    "NOT checked on this machine")
    unit = folder / "swarmplayer.service"
    unit.write_text(unit_text.replace("/opt/swarmplayer/venv/bin/swarmplayer",
                                      shutil.which("true") or "/bin/true"))
    return subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True,
                          timeout=60)


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    done = verify(UNIT.read_text(), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


def test_the_verifier_would_catch_a_mistake(tmp_path: Path) -> None:
    broken = UNIT.read_text().replace("Restart=on-failure", "Restart=sometimes")
    assert "Restart=sometimes" in broken
    done = verify(broken, tmp_path)
    assert "restart specifier" in done.stderr


def test_unit_restarts_on_failure_and_waits_for_resume_data() -> None:
    unit = unit_settings()
    assert unit["Restart"] == ["on-failure"]
    # Resume data alone may take SHUTDOWN_TIMEOUT; the HTTP server and components stop first.
    assert int(unit["TimeoutStopSec"][0]) >= 2 * SHUTDOWN_TIMEOUT
    assert unit["KillSignal"] == ["SIGTERM"]


def test_unit_runs_as_a_dedicated_user_with_hardening() -> None:
    unit = unit_settings()
    assert unit["User"] == ["swarmplayer"] and unit["Group"] == ["swarmplayer"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
                       "CapabilityBoundingSet": "", "StateDirectory": "swarmplayer"}.items():
        assert unit[key] == [value], key
    assert "@system-service" in unit["SystemCallFilter"]


def test_unit_paths_match_the_install_script_and_the_service() -> None:
    unit = unit_settings()
    script = INSTALL.read_text()
    executable, command = unit["ExecStart"][0].split()
    assert command == "serve"
    assert executable == "/opt/swarmplayer/venv/bin/swarmplayer"
    assert "PREFIX=/opt/swarmplayer\n" in script and "VENV=$PREFIX/venv\n" in script
    env = dict(line.split("=", 1) for line in unit["Environment"])
    assert env["SWARMPLAYER_CONFIG"] == "/etc/swarmplayer/config.toml"
    assert "CONFIG_DIR=/etc/swarmplayer\n" in script
    # The service takes its state folder from the environment the unit sets.
    config = Config.load(env={"SWARMPLAYER_DATA_DIR": env["SWARMPLAYER_DATA_DIR"]})
    assert config.data_dir == "/var/lib/swarmplayer"
    assert f"STATE_DIR={config.data_dir}\n" in script


def test_install_script_passes_shellcheck() -> None:
    subprocess.run(["bash", "-n", str(INSTALL)], check=True)
    tool = shutil.which("shellcheck")
    if tool is None:
        pytest.skip("shellcheck is not installed (apt install shellcheck): only bash -n ran")
    done = subprocess.run([tool, str(INSTALL)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(("arch", "wheel"), [("arm64", True), ("amd64", True),
                                              ("armhf", False), ("armel", False)])
def test_install_script_picks_the_libtorrent_tier(arch: str, wheel: bool) -> None:
    done = subprocess.run([str(INSTALL), "--dry-run", "--no-start"], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "SWARMPLAYER_ARCH": arch})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert ("[libtorrent]" in out) is wheel
    assert ("--system-site-packages" in out) is not wheel
    if not wheel:  # unless it is installed here already, apt brings Debian's libtorrent
        assert "python3-libtorrent" in out or _installed("python3-libtorrent")
    assert "systemctl enable swarmplayer.service" in out
    assert "systemctl restart" not in out  # --no-start


def test_install_script_refuses_an_unknown_architecture() -> None:
    done = subprocess.run([str(INSTALL), "--dry-run"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "SWARMPLAYER_ARCH": "mips"})
    assert done.returncode == 1
    assert "unsupported architecture mips" in done.stderr


def _installed(package: str) -> bool:
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True,
                          text=True)
    return "install ok installed" in done.stdout


def test_every_module_is_packaged() -> None:
    """What pip installs on the Pi is what setup.py finds: a folder of modules without an
    __init__.py works from the checkout and is missing from the install."""
    setuptools = pytest.importorskip("setuptools")
    packaged = set(setuptools.find_packages(str(REPO / "service")))
    folders = {str(p.parent.relative_to(REPO / "service")).replace(os.sep, ".")
               for p in (REPO / "service" / "swarmplayer").rglob("*.py")}
    assert folders <= packaged, sorted(folders - packaged)
