"""Running one stage for one project (and scene): the part every stage shares.

A stage declares what its output depends on (`inputs`) and what it writes (`outputs`); the runner
hashes the inputs into a fingerprint and skips the stage when the fingerprint is unchanged and the
outputs exist. It also keeps status.json, binds the log context, turns errors into the action their
type asks for, and stops at once for a project that was cancelled or superseded by a newer run.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import json
import os
import sqlite3
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import structlog

from . import fsutil, log, proc, scenes, settings, status
from .errors import Cancelled, InputError, StageError, TransientError
from .project import Project, Root
from .scenes import SceneSpec
from .settings import Settings

FINGERPRINTS = ".fingerprints.json"


@dataclass(frozen=True)
class Job:
    """What a stage gets: where to read and write, the settings in force, the scene if any."""

    root: Root
    project: Project
    run: int
    settings: Settings  # in force here: the film's, with a scene's own `settings:` on top
    film: Settings  # the film's, which the film-wide timeline (transitions, title card) follows
    scene_dir: Path | None = None
    spec: SceneSpec | None = None

    @property
    def out_dir(self) -> Path:
        return self.scene_dir or self.project.path

    @property
    def scene(self) -> SceneSpec:
        assert self.spec is not None, "a film-level stage asked for its scene"
        return self.spec

    def fingerprint_of(self, stage: str, folder: Path | None = None) -> str:
        """The stored fingerprint of another stage's output (an input of this one)."""
        return str(fsutil.read_json((folder or self.out_dir) / FINGERPRINTS, {}).get(stage, ""))


class Stage(Protocol):
    """What a stage module provides (each stage is a module with these names)."""

    NAME: str

    def inputs(self, job: Job) -> dict[str, Any]: ...

    def outputs(self, job: Job) -> list[Path]: ...

    def run(self, job: Job) -> None: ...


def fingerprint(stage: str, inputs: dict[str, Any]) -> str:
    blob = json.dumps({"stage": stage, **inputs}, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def film_settings(project: Project) -> Settings:
    """The project's settings from its project.yaml (written by parse), checked as input."""
    return settings.build([_film_layer(project)])


def _film_layer(project: Project) -> tuple[str, dict[str, Any]]:
    name = str(project.settings_file)
    return name, settings.project_layer(settings.load_yaml(project.settings_file), name)


def make_job(root: Root, project: Project, run: int, scene: str | None) -> Job:
    if scene is None:
        film = film_settings(project) if project.settings_file.exists() else settings.build([])
        return Job(root, project, run, film, film)
    scene_dir = project.scenes_dir / scene
    if not (scene_dir / "scene.yaml").is_file():
        raise InputError("scene.yaml is missing; re-drop the script or restore the file", file=str(scene_dir))
    spec = scenes.read(scene_dir / "scene.yaml")
    layer = _film_layer(project)
    film = settings.build([layer])
    return Job(
        root, project, run, settings.build([layer, ("scene.yaml", spec.settings)]), film, scene_dir, spec
    )


@dataclass(frozen=True)
class Outcome:
    """How a stage run ended; the pipeline decides from it what comes next."""

    kind: str  # "done", "skipped", "failed", "retry", "dropped"
    delay: float = 0.0


def execute(
    stage: Stage,
    root: Root,
    project_name: str,
    run: int,
    scene: str | None,
    attempt: int,
    max_retries: int,
    on_fail: Callable[[dict[str, Any], str], None],
) -> Outcome:
    """Run `stage` once for the project (and scene) and record the outcome in status.json.

    `on_fail(status, message)` lets the pipeline decide, under the status lock, what a failure
    means for the project (a scene failing is not yet the project failing).
    """
    project = root.project(project_name)
    logger = log.get().bind(project=project_name, stage=stage.NAME, **({"scene": scene} if scene else {}))
    if not project.path.is_dir():
        logger.warning("project folder is gone; task dropped")
        return Outcome("dropped")
    current = status.read(project)
    if current.get("run") != run:
        logger.info("task superseded by a newer run; dropped", task_run=run, current_run=current.get("run"))
        return Outcome("dropped")
    if project.is_cancelled() or current.get("state") in ("cancelled", "failed"):
        if project.is_cancelled():
            mark_cancelled(project)
        return Outcome("dropped")

    # Not cancelled now, whatever this process stopped earlier (a resume may come from another process).
    proc.allow_project(project_name)
    token = proc.current_project.set(project_name)
    started = time.monotonic()
    with structlog.contextvars.bound_contextvars(project=project_name, stage=stage.NAME, scene=scene or ""):
        try:
            _mark_running(project, stage.NAME, scene)
            job = make_job(root, project, run, scene)
            fp = fingerprint(stage.NAME, stage.inputs(job))
            stored = fsutil.read_json(job.out_dir / FINGERPRINTS, {})
            if stored.get(stage.NAME) == fp and all(p.exists() for p in stage.outputs(job)):
                logger.info("stage skipped: inputs, settings and backend unchanged", fingerprint=fp)
                kind = "skipped"
            else:
                _drop_temporaries(stage.outputs(job))
                _injected_delay(stage.NAME)
                stage.run(job)
                missing = [str(p) for p in stage.outputs(job) if not p.exists()]
                if missing:
                    raise StageError(f"{stage.NAME} finished without writing {', '.join(missing)}")
                stored = fsutil.read_json(job.out_dir / FINGERPRINTS, {})
                stored[stage.NAME] = fp
                fsutil.write_json(job.out_dir / FINGERPRINTS, stored)
                logger.info("stage finished", seconds=round(time.monotonic() - started, 2))
                kind = "done"
            _mark_done(project, stage.NAME, scene)
            return Outcome(kind)
        except Cancelled:
            logger.info("stage stopped: project cancelled")
            mark_cancelled(project)
            return Outcome("dropped")
        except (TransientError, sqlite3.OperationalError, OSError) as exc:
            if not _is_transient(exc):
                logger.error("stage crashed", error=repr(exc), traceback=traceback.format_exc())
                _fail(project, stage.NAME, scene, f"{exc}", on_fail, logger)
                return Outcome("failed")
            if project.is_cancelled():
                mark_cancelled(project)
                return Outcome("dropped")
            if attempt < max_retries:
                delay = min(2.0 * 2**attempt, 60.0)
                logger.warning(
                    "transient failure; will retry", error=str(exc), attempt=attempt + 1, delay=delay
                )
                _record_attempt(project, stage.NAME, scene, attempt + 1, str(exc))
                return Outcome("retry", delay)
            _fail(project, stage.NAME, scene, f"{exc} (after {attempt + 1} attempts)", on_fail, logger)
            return Outcome("failed")
        except (InputError, StageError) as exc:
            _fail(project, stage.NAME, scene, str(exc), on_fail, logger)
            return Outcome("failed")
        except Exception as exc:  # a bug in a stage or backend: fail this stage, keep the daemon
            logger.error("stage crashed", error=repr(exc), traceback=traceback.format_exc())
            _fail(project, stage.NAME, scene, f"internal error: {exc!r}", on_fail, logger)
            return Outcome("failed")
        finally:
            proc.current_project.reset(token)


def _drop_temporaries(outputs: list[Path]) -> None:
    """Half-written temporaries of these outputs (fsutil.atomic_path names them `.NAME.*.tmp*`), left
    by an earlier attempt that was killed: this stage, for this scene, is the only one writing them."""
    for output in outputs:
        for stale in output.parent.glob(f".{glob.escape(output.name)}.*.tmp*"):
            stale.unlink(missing_ok=True)


def _injected_delay(stage: str) -> None:
    """`SCRIPTVID_TEST_DELAY=parse:2,publish:1.5` holds a stage before it runs: the crash tests use it
    to kill the daemon at a known moment. Nothing sets it in production."""
    for item in os.environ.get("SCRIPTVID_TEST_DELAY", "").split(","):
        name, _, seconds = item.partition(":")
        if name == stage and seconds:
            time.sleep(float(seconds))


# A full disk may be freed, a busy device may calm down, a locked database unlocks.
_TRANSIENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EAGAIN, errno.EBUSY, errno.EIO, errno.ETIMEDOUT}


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    return isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS


def _mark_running(project: Project, stage: str, scene: str | None) -> None:
    def change(st: dict[str, Any]) -> None:
        if st.get("state") == "queued":
            st["state"] = "running"
            st["started"] = status.now_iso()
            st["started_ts"] = time.time()
        st["stage"] = stage
        if scene:
            entry = status.scene_entry(st, scene)
            entry.update(state="running", stage=stage)

    status.update(project, change)


def _mark_done(project: Project, stage: str, scene: str | None) -> None:
    def change(st: dict[str, Any]) -> None:
        entry = status.scene_entry(st, scene) if scene else st
        done = entry.setdefault("done", [])
        if stage not in done:
            done.append(stage)
        if scene and set(done) >= set(status.SCENE_STAGES):
            entry.update(state="completed", stage=None)

    status.update(project, change)


def _record_attempt(project: Project, stage: str, scene: str | None, attempt: int, message: str) -> None:
    def change(st: dict[str, Any]) -> None:
        key = f"{scene}/{stage}" if scene else stage
        st.setdefault("attempts", {})[key] = {"attempts": attempt, "last_error": message}

    status.update(project, change)


def _fail(
    project: Project,
    stage: str,
    scene: str | None,
    message: str,
    on_fail: Callable[[dict[str, Any], str], None],
    logger: Any,
) -> None:
    logger.error("stage failed", error=message)

    def change(st: dict[str, Any]) -> None:
        st.setdefault("errors", []).append(
            {"stage": stage, "scene": scene, "message": message, "time": status.now_iso()}
        )
        if scene:
            status.scene_entry(st, scene).update(state="failed", stage=stage)
        on_fail(st, message)

    status.update(project, change)


def mark_cancelled(project: Project) -> None:
    def change(st: dict[str, Any]) -> None:
        if st.get("state") not in ("completed", "failed", "cancelled"):
            st["state"] = "cancelled"
            st["finished"] = status.now_iso()

    status.update(project, change)
