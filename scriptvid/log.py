"""Structured logs, configured once: JSON under systemd or when asked, readable on a terminal.

Project, scene and stage are bound with `structlog.contextvars.bound_contextvars` by the stage
runner, so every line a stage writes carries them. Lines about a project are also appended to
that project's `logs/events.jsonl`, so its history travels with its folder.

Several processes (daemons, workers) write to one log: every line goes out in one `write` to a file
opened for appending, which the kernel never interleaves with another process's, so each line of a
log is whole.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

from . import tree

_projects_folder: Path | None = None


def copy_project_events_under(projects: Path) -> None:
    """Lines about project NAME are also appended to projects/NAME/logs/events.jsonl."""
    global _projects_folder
    _projects_folder = projects


def _copy_to_project_log(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    name = str(event.get("project", ""))
    if _projects_folder is None or not name or "/" in name or name.startswith("."):
        return event
    target = _projects_folder / name / "logs" / "events.jsonl"
    line = json.dumps(event, default=str, ensure_ascii=False) + "\n"
    try:  # never through a link a person put in the project (see tree.open_file)
        fd = tree.open_file(_projects_folder.parent, target, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    except (OSError, tree.Refused):
        return event  # no logs/ folder (the project is being made or removed), or not a real one
    try:
        write_whole(fd, line.encode("utf-8", "backslashreplace"))
    finally:
        os.close(fd)
    return event


def write_whole(fd: int, data: bytes) -> None:
    """`data` in one write where the kernel allows (regular files: always), the rest after it."""
    while data:
        data = data[os.write(fd, data) :]


class LineLogger:
    """structlog's logger for whole lines: each message and its newline in one write to stderr
    (structlog's PrintLogger prints the newline on its own, which another process can come between)."""

    def __init__(self, fd: int = 2) -> None:
        self.fd = fd
        self._lock = threading.Lock()

    def msg(self, message: str) -> None:
        with self._lock:
            write_whole(self.fd, (message + "\n").encode("utf-8", "replace"))

    log = debug = info = warn = warning = error = critical = exception = fatal = failure = err = msg


_LOGGER = LineLogger()


def setup(fmt: str | None = None, level: str | None = None) -> None:
    fmt = (
        fmt
        or os.environ.get("SCRIPTVID_LOG_FORMAT")
        or ("json" if os.environ.get("JOURNAL_STREAM") or not sys.stderr.isatty() else "console")
    )
    level_name = (level or os.environ.get("SCRIPTVID_LOG_LEVEL") or "INFO").upper()
    renderer: Any = (
        structlog.processors.JSONRenderer(default=str)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _copy_to_project_log,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level_name, logging.INFO)),
        logger_factory=lambda *_: _LOGGER,
        cache_logger_on_first_use=False,
    )
    # Huey logs through the standard library; keep its warnings, drop its chatter.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


def get(name: str = "scriptvid") -> Any:
    return structlog.get_logger(name)
