"""Run kodi-addon-checker offline: Kodi's repository index comes from the add-ons that Debian's
kodi package ships (/usr/share/kodi/addons), not from mirrors.kodi.tv, which the checker would
otherwise fetch at start (and hang on without a network).

Usage: python tools/kodi_addon_check.py [--branch nexus] <add-on folder>  (exit 1 on problems)
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from kodi_addon_checker import __main__ as checker
from kodi_addon_checker import check_addon
from kodi_addon_checker.addons.Addon import Addon

KODI_ADDONS = Path("/usr/share/kodi/addons")


class LocalRepository:
    """The checker's Repository (dependency lookups), filled from the installed Kodi's add-ons."""

    def __init__(self, version: str, path: str) -> None:
        self.version = version
        self.path = str(KODI_ADDONS)
        self.addons = [Addon(ET.parse(p).getroot())
                       for p in sorted(KODI_ADDONS.glob("*/addon.xml"))]
        if not self.addons:
            raise SystemExit(f"no Kodi add-ons under {KODI_ADDONS}: apt-get install kodi")

    def __contains__(self, addon_id: str) -> bool:
        return any(a.id == addon_id for a in self.addons)

    def find(self, addon_id: str) -> Addon | None:
        found = [a for a in self.addons if a.id == addon_id]
        return max(found, key=lambda a: a.version) if found else None

    def rdepends(self, addon_id: str) -> list[Addon]:
        return [a for a in self.addons if addon_id in {d.id for d in a.dependencies}]


def main() -> None:
    check_addon.Repository = LocalRepository
    sys.argv[0] = "kodi-addon-checker"
    checker.main()


if __name__ == "__main__":
    main()
