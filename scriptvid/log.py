"""Structured logs, configured once: JSON under systemd or when asked, readable on a terminal.

Project, scene and stage are bound with `structlog.contextvars.bound_contextvars` by the stage
runner, so every line a stage writes carries them. Lines about a project are also appended to
that project's `logs/events.jsonl`, so its history travels with its folder.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

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
    if target.parent.is_dir():
        line = json.dumps(event, default=str, ensure_ascii=False)
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    return event


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
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Huey logs through the standard library; keep its warnings, drop its chatter.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


def get(name: str = "scriptvid") -> Any:
    return structlog.get_logger(name)
