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


@pytest.mark.parametrize("name", ["xbmc", "xbmcaddon", "xbmcgui", "xbmcplugin"])
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
