"""The fakes define only what Kodi's real API has (Kodistubs is Kodi's API as Python stubs)."""

from __future__ import annotations

import importlib.util
import sysconfig
from pathlib import Path

import fakekodi
import pytest


def _stub(name: str) -> object:
    path = Path(sysconfig.get_paths()["purelib"]) / f"{name}.py"
    if not path.is_file():
        pytest.skip(f"Kodistubs is not installed ({path} missing): pip install -e '.[test]'")
    spec = importlib.util.spec_from_file_location(f"kodistub_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["xbmc", "xbmcaddon", "xbmcgui", "xbmcplugin", "xbmcvfs"])
def test_fake_names_exist_in_kodi(name: str) -> None:
    fake, real = fakekodi.modules()[name], _stub(name)
    for attr, value in vars(fake).items():
        if attr.startswith("__"):
            continue
        assert hasattr(real, attr), f"{name}.{attr} is not Kodi API"
        if isinstance(value, type):
            for method in vars(value):
                if not method.startswith("_") and method[0].islower() and \
                        callable(getattr(value, method)):
                    assert hasattr(getattr(real, attr), method), f"{name}.{attr}.{method}"


def test_the_info_tag_setters_exist_in_kodi_20() -> None:
    """kodiutils sets InfoTagVideo fields by name: each setter must be Kodi's."""
    from addon import kodiutils

    real = _stub("xbmc").InfoTagVideo
    asked: list[str] = []

    class Tag:
        def __getattr__(self, name: str) -> object:
            asked.append(name)
            assert hasattr(real, name), f"xbmc.InfoTagVideo.{name} is not Kodi API"
            return lambda *args: None

    info = {"mediatype": "episode", "title": "t", "tvshowtitle": "s", "plot": "p",
            "playcount": 1, "season": 1, "episode": 2, "aired": "2026-01-01", "size": 9}
    kodiutils._set_info_tag(Tag(), info, (1.0, 2.0))
    assert "setResumePoint" in asked and "setFirstAired" in asked
