"""sources_first: python-zeroconf comes from its Python sources, not its compiled modules, and the
rest of the interpreter's imports are untouched."""

from __future__ import annotations

import json
import subprocess
import sys

from support import REPO

# In a fresh interpreter (an import is once per process): where every zeroconf module came from.
_PROBE = """
import json, sys
sys.path.insert(0, {service!r})
import swarmplayer.mdns, zeroconf, zeroconf._dns, zeroconf._services.browser, psutil
print(json.dumps({{name: getattr(module, "__file__", None) or ""
                  for name, module in sys.modules.items()
                  if name.partition(".")[0] in ("zeroconf", "psutil")}}))
"""


def _files() -> dict[str, str]:
    done = subprocess.run([sys.executable, "-c", _PROBE.format(service=str(REPO / "service"))],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_zeroconf_is_imported_from_its_sources():
    files = _files()
    zeroconf = {name: path for name, path in files.items() if name.startswith("zeroconf")}
    assert len(zeroconf) > 20
    compiled = {name: path for name, path in zeroconf.items() if not path.endswith(".py")}
    assert compiled == {}


def test_other_packages_keep_their_compiled_modules():
    assert _files()["psutil._psutil_linux"].endswith(".so")
