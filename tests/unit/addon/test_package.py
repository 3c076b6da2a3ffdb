"""`make addon` builds the installable zip, and Kodi's own checker passes it (offline)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import fakekodi
import pytest

ROOT = fakekodi.ROOT
ZIP = ROOT / "build/plugin.video.swarmplayer-0.1.0.zip"


@pytest.fixture(scope="module")
def built() -> Path:
    if not shutil.which("make") or not (ROOT / ".git").exists():
        pytest.skip("make and a git checkout are needed to build the zip")
    subprocess.run(["make", "-s", "addon"], cwd=ROOT, check=True, capture_output=True)
    return ZIP


def test_the_zip_holds_the_addon_and_nothing_else(built: Path) -> None:
    names = zipfile.ZipFile(built).namelist()
    assert all(n.startswith("plugin.video.swarmplayer/") for n in names)
    top = {n.split("/")[1] for n in names if n.count("/") >= 1 and n.split("/")[1]}
    assert top == {"addon.xml", "addon_entry.py", "service_entry.py", "addon", "resources"}


def test_kodi_addon_checker_finds_no_problem(built: Path, tmp_path: Path) -> None:
    if not Path("/usr/share/kodi/addons/xbmc.python/addon.xml").is_file():
        pytest.skip("Debian's kodi is not installed: its add-ons are the checker's index")
    pytest.importorskip("kodi_addon_checker", reason="pip install -e '.[test]'")
    zipfile.ZipFile(built).extractall(tmp_path)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools/kodi_addon_check.py"), "--branch", "nexus",
         str(tmp_path / "plugin.video.swarmplayer")],
        capture_output=True, text=True, timeout=240, cwd=tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "ERROR" not in out and "We found no problems" in out, out
