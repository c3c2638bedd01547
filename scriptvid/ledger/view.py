"""status.json: the ledger as a person or a program reads it, in the format the README documents.

Built from the ledger's rows after every transition and written atomically; never read back by
scriptvid, so deleting or spoiling it costs nothing: the next transition (or the daemon's next look)
writes it again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import fsutil, tree
from ..graph import Table
from .models import FINISHED, ProjectRow, RunRow


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def status(
    project: ProjectRow, run: RunRow | None, steps: Sequence[Any], table: Table, notes: Sequence[str] = ()
) -> dict[str, Any]:
    """`steps`: the run's steps, with StepRow's fields; `notes`: what the parser said of how it read
    the script (an LLM's answer that was not used)."""
    scenes = run.scene_names() if run is not None else []
    by_key = {(s.stage, s.scene): s for s in steps}

    def done(stage: str, position: int | None) -> bool:
        scene = scenes[position] if position is not None and position < len(scenes) else ""
        step = by_key.get((stage, scene))
        return step is not None and step.state in FINISHED

    state = _state(run)
    finished = sorted((s for s in steps if s.state in FINISHED and s.finished), key=lambda s: s.finished or 0)
    running = sorted((s for s in steps if s.state == "running"), key=lambda s: s.started or 0)
    progress = 1.0 if state == "completed" else table.progress(len(scenes), done)
    out: dict[str, Any] = {
        "project": project.name,
        "title": project.title,
        "source": project.source,
        "state": state,
        "stage": running[-1].stage if running and state == "running" else None,
        "progress": progress,
        "eta_seconds": _eta(run, state, progress),
        "run": run.number if run is not None else 0,
        "renders": project.renders,
        "reason": run.reason if run is not None else "",
        "created": iso(project.created),
    }
    if run is not None:
        out["queued"] = iso(run.queued)
        if run.started is not None:
            out["started"] = iso(run.started)
            out["started_ts"] = round(run.started, 3)
        if run.finished is not None and state in ("completed", "failed", "cancelled"):
            out["finished"] = iso(run.finished)
            if state == "completed" and run.started is not None:
                out["render_seconds"] = round(run.finished - run.started, 2)
    # The time of the latest transition: status.json is written at each, so it is the file's age too.
    times = [project.created, *(t for r in [run] if r for t in (r.queued, r.started, r.finished))]
    times += [t for s in steps for t in (s.queued, s.started, s.finished)]
    out["updated"] = iso(max(t for t in times if t is not None))
    out["done"] = [s.stage for s in finished if not s.scene]
    out["scenes"] = [_scene(name, steps, table) for name in scenes]
    out["notes"] = list(notes)
    out["errors"] = [
        {"stage": s.stage, "scene": s.scene or None, "message": s.error, "time": iso(s.finished)}
        for s in sorted(steps, key=lambda s: s.finished or 0)
        if s.state == "failed"
    ]
    out["attempts"] = {
        (f"{s.scene}/{s.stage}" if s.scene else s.stage): {"attempts": s.attempts, "last_error": s.last_error}
        for s in steps
        if s.attempts
    }
    # Whether the run's two joins have happened: every voice made (the score), every scene done (the film).
    film = {s.stage: s.state for s in steps if not s.scene}
    out["music_queued"] = film.get("music", "waiting") != "waiting"
    out["fanned_in"] = film.get("assemble", "waiting") != "waiting"
    out["outputs"] = json.loads(project.outputs)
    return out


def _state(run: RunRow | None) -> str:
    if run is None:
        return "queued"
    return "queued" if run.state == "superseded" else run.state


def _scene(name: str, steps: Sequence[Any], table: Table) -> dict[str, Any]:
    own = {s.stage: s for s in steps if s.scene == name}
    order = [s.stage for s in table.scene_steps]
    done = [stage for stage in order if stage in own and own[stage].state in FINISHED]
    failed = [s for s in own.values() if s.state == "failed"]
    running = sorted((s for s in own.values() if s.state == "running"), key=lambda s: s.started or 0)
    if failed:
        state, stage = "failed", failed[0].stage
    elif running:
        state, stage = "running", running[-1].stage
    elif own and len(done) == len(order):
        state, stage = "completed", None
    else:
        state, stage = "queued", None
    return {"name": name, "state": state, "stage": stage, "done": done}


def _eta(run: RunRow | None, state: str, progress: float) -> float | None:
    """A straight-line estimate from the progress made since this run started."""
    if run is None or state != "running" or not run.started:
        return None
    elapsed = time.time() - run.started
    if progress <= 0.1 or elapsed <= 0:
        return None
    return round(elapsed * (1 - progress) / progress, 1)


def write(folder: Path, data: dict[str, Any]) -> None:
    """status.json in the project `folder`, if that is still there (and a real folder: never through
    a link a person put in its place)."""
    if tree.check_folder(folder.parents[1], folder, make=False):
        fsutil.write_json(folder / "status.json", data)
