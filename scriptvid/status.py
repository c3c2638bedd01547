"""status.json: what a person or a program reads to know where a project is.

It is rewritten atomically at every transition, under a file lock, because several workers (threads
here, processes or machines in a cluster) update the same project at once.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from . import fsutil
from .project import Project

SCENE_STAGES = ("image", "voice", "lipsync", "animate")  # in pipeline order (pipeline.py checks)
FILM_STAGES = ("music", "mix", "assemble", "publish")

# The seed's weights: parse 0-0.1, the scenes 0.1-0.8 (split evenly), the film's stages 0.8-1.
PARSE_SHARE = 0.1
SCENES_SHARE = 0.7
FILM_SHARES = {"music": 0.04, "mix": 0.04, "assemble": 0.1, "publish": 0.02}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextmanager
def project_lock(project: Project) -> Iterator[None]:
    """An exclusive lock on the project; `flock` works between threads and processes alike."""
    project.lock_file.touch(exist_ok=True)
    with open(project.lock_file, "rb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read(project: Project) -> dict[str, Any]:
    data = fsutil.read_json(project.status_file, default=None)
    return data if isinstance(data, dict) else {}


def progress_of(status: dict[str, Any]) -> float:
    """Overall progress from what is done, with the weights above."""
    done = 0.0
    if "parse" in status.get("done", []):
        done += PARSE_SHARE
    scenes = status.get("scenes", [])
    if scenes:
        per_scene = SCENES_SHARE / len(scenes)
        for scene in scenes:
            done += per_scene * len(set(scene.get("done", [])) & set(SCENE_STAGES)) / len(SCENE_STAGES)
    for stage, share in FILM_SHARES.items():
        if stage in status.get("done", []):
            done += share
    return round(min(done, 1.0), 4)


def update(project: Project, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Read, change and rewrite status.json under the project lock; returns the new status."""
    with project_lock(project):
        status = read(project)
        change(status)
        status["progress"] = 1.0 if status.get("state") == "completed" else progress_of(status)
        status["updated"] = now_iso()
        status["eta_seconds"] = _eta(status)
        fsutil.write_json(project.status_file, status)
        return status


def _eta(status: dict[str, Any]) -> float | None:
    """A straight-line estimate from the progress made since this render started."""
    if status.get("state") != "running" or not status.get("started_ts"):
        return None
    progress = status.get("progress", 0.0)
    elapsed = time.time() - status["started_ts"]
    if progress <= 0.1 or elapsed <= 0:
        return None
    return round(elapsed * (1 - progress) / progress, 1)


def scene_entry(status: dict[str, Any], scene: str) -> dict[str, Any]:
    for entry in status.setdefault("scenes", []):
        if entry["name"] == scene:
            return entry
    entry = {"name": scene, "state": "queued", "stage": None, "done": []}
    status["scenes"].append(entry)
    return entry
