"""malloc.tune(): freed piece-sized buffers go back to the system instead of staying resident."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import REPO

# In a fresh interpreter (the tuning is process-wide): free one piece-sized buffer, allocate
# another, and ask glibc (mallinfo2) whether that one got an mmap of its own.
_PROBE = """
import ctypes, sys
sys.path.insert(0, {service!r})
from swarmplayer import malloc

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
tuned = malloc.tune() if sys.argv[1] == "tune" else None
first = bytearray(300_000)
del first
before = libc.mallinfo2().hblks
second = bytearray(300_000)
print(tuned, libc.mallinfo2().hblks - before)
"""


def _probe(mode: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE.format(service=str(REPO / "service")),
                          mode], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.split()


@pytest.mark.skipif(not hasattr(__import__("ctypes").CDLL(None), "mallinfo2"),
                    reason="not glibc >= 2.33")
def test_tuned_malloc_returns_freed_piece_buffers():
    # glibc's default: once a 300 KB mmapped block is freed, the next one comes from the heap.
    assert _probe("default") == ["None", "0"]
    assert _probe("tune") == ["True", "1"]
