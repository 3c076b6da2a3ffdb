"""glibc's allocator tuned for a long-running threaded service on a small box.

Two defaults of glibc cost the service memory it never gives back:
- its threshold for serving an allocation with its own mmap rises to the size of any such block
  freed (up to 32 MiB), so after the first piece buffer (256 KiB and up) is freed every later
  one comes from the heap, whose freed holes stay resident;
- each thread that allocates may get an arena of its own (up to 8 per core), each keeping
  freed memory for its thread: libtorrent's threads and waitress's workers are dozens.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

# mallopt parameters, from glibc's malloc.h.
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
# glibc's own default threshold; fixing it also stops the rise described above.
MMAP_THRESHOLD = 128 * 1024
ARENA_MAX = 2


def tune() -> bool:
    """Set the threshold and arena cap; True when the C library took them (False on a libc
    without mallopt, e.g. musl). Call before any thread starts: arenas are made per thread."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX,
                                                                              ARENA_MAX))
    if not done:
        log.info("the C library refused the malloc settings; its defaults stay")
    return done


def trim() -> None:
    """Give the heap's free pages back to the system (glibc's malloc_trim), after work that
    made and dropped many objects at once: a search's hundreds of releases otherwise leave the
    service's RSS a little higher each time (bench/search.py)."""
    malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if malloc_trim is not None:
        malloc_trim(0)
