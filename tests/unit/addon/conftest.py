"""The add-on's tests run outside Kodi: fake xbmc* modules (fakekodi) stand in for Kodi."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import fakekodi
import pytest

sys.path.insert(0, str(fakekodi.ROOT))  # the repository root is the add-on root
fakekodi.install()


@pytest.fixture
def kodi() -> Iterator[fakekodi.Kodi]:
    """A fresh recorder for each test (the add-on's modules look KODI up at call time)."""
    fresh = fakekodi.Kodi()
    fakekodi.KODI.__dict__.update(fresh.__dict__)
    fakekodi.Player.playing_file, fakekodi.Player.time, fakekodi.Player.total = "", 0.0, 0.0
    yield fakekodi.KODI
