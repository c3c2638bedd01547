"""Who holds a step: a worker process, named so that its death can be told on its own machine."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _this_host() -> str:
    return socket.gethostname()


def _start_time(pid: int) -> str:
    """The kernel's start time of a process, which tells a live process from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def this_worker() -> str:
    """This process, as the ledger names the holder of a step: host/pid/start time."""
    return f"{_this_host()}/{os.getpid()}/{_start_time(os.getpid())}"


def worker_gone(worker: str) -> bool:
    """Whether `worker` is known to have stopped: a process of this host that no longer runs.
    Of another host nothing is known; its lease running out says it."""
    host, _, rest = worker.partition("/")
    pid, _, started = rest.partition("/")
    if host != _this_host() or not pid.isdigit():
        return False
    return _start_time(int(pid)) != started
