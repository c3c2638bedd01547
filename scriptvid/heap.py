"""How the process hands freed memory back to the system, and takes it in large pages.

A render allocates and frees large NumPy arrays all the time (frames, layers, the mix). glibc's
malloc raises its mmap threshold each time such a block is freed, after which blocks of that size
come from the heap and are kept by the process when freed; with a worker thread per arena on top,
a daemon's resident memory grows by hundreds of MB that it no longer uses. A fixed threshold keeps
every block of 1 MiB or more in its own mapping, returned to the system the moment it is freed.

Each such mapping is new memory, which the kernel hands over a 4 KiB page at a time, zeroed, on
first touch: a storyboard picture's layers are 270 MB of page faults, and a voice model's working
memory 40 MB a sentence. Asked for transparent huge pages (glibc's `glibc.malloc.hugetlb` tunable,
read when a program starts), the same memory comes 2 MiB at a time (measured on two cores: the
twelve pictures of the benchmark film 3.0 -> 2.0 s, its voices 5.3 -> 4.4 s).
"""

from __future__ import annotations

import ctypes
import os
import sys

HUGE_PAGES = "glibc.malloc.hugetlb=1"

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


def with_huge_pages() -> None:
    """Run this program again, as the same process (its pid, its arguments), with glibc's malloc
    asking for transparent huge pages, unless it already does (systemd's unit sets it). The tunable
    is read only at a program's start; the children are started without it (`child_environment`).
    Where the C library is not glibc, or the kernel's huge pages are off, it changes nothing."""
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if HUGE_PAGES in tunables.split(":"):
        return
    os.environ["GLIBC_TUNABLES"] = f"{tunables}:{HUGE_PAGES}" if tunables else HUGE_PAGES
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def child_environment() -> dict[str, str]:
    """The environment for a child (FFmpeg, FluidSynth): this one without the huge pages, which cost
    an encoder 20 MiB more at its peak and, with their fault-time savings in our own frames already
    made, save it nothing measurable."""
    env = dict(os.environ)
    rest = [t for t in env.get("GLIBC_TUNABLES", "").split(":") if t and t != HUGE_PAGES]
    if rest:
        env["GLIBC_TUNABLES"] = ":".join(rest)
    else:
        env.pop("GLIBC_TUNABLES", None)
    return env
