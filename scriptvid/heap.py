"""How the process hands freed memory back to the system.

A render allocates and frees large NumPy arrays all the time (frames, layers, the mix). glibc's
malloc raises its mmap threshold each time such a block is freed, after which blocks of that size
come from the heap and are kept by the process when freed; with a worker thread per arena on top,
a daemon's resident memory grows by hundreds of MB that it no longer uses. A fixed threshold keeps
every block of 1 MiB or more in its own mapping, returned to the system the moment it is freed.
"""

from __future__ import annotations

import ctypes

_M_ARENA_MAX = -8
_M_MMAP_THRESHOLD = -3


def return_freed_memory() -> None:
    """Set malloc's mmap threshold to 1 MiB (fixed) and its arenas to two; glibc only."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return
    mallopt(_M_MMAP_THRESHOLD, 1 << 20)
    mallopt(_M_ARENA_MAX, 2)
