"""Import a package from its Python sources where its wheel also ships compiled modules.

python-zeroconf's Cython modules map 2.3 MB of resident pages into the service (its import:
4.6 MB, 2.4 MB from its sources). The fallback mDNS stack handles a few packets a second on a
home LAN, where the compiled speed buys nothing and the memory is the small box's scarcest
resource (bench/NOTES.md, footprint with every feature on).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType


class _SourcesFirst(importlib.abc.MetaPathFinder):
    """Finds `package` and its submodules as .py files; a module without one (compiled only)
    is left to the usual finders."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name != self.package and not name.startswith(self.package + "."):
            return None
        loader = (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES)
        for entry in path if path is not None else sys.path:
            spec = importlib.machinery.FileFinder(entry, loader).find_spec(name, target)
            if spec is not None:
                return spec
        return None


def sources_first(package: str) -> None:
    """From now on, import `package` from its sources (no effect on what is imported already)."""
    if not any(isinstance(f, _SourcesFirst) and f.package == package for f in sys.meta_path):
        sys.meta_path.insert(0, _SourcesFirst(package))
