"""Running one stage for one project (and scene): the part every stage shares.

A stage declares what its output depends on (`inputs`) and what it writes (`outputs`); the runner
hashes the inputs into a fingerprint and skips the stage when the ledger says its outputs were made
with that fingerprint and they are still there. Beside the outputs it keeps a record of what they
were made from (`Project.made_record`): marked "making" before the stage writes, and given the
fingerprint once every output is there, so that the work of a worker that died between its last
rename and the ledger's commit is recorded rather than redone, and outputs half overwritten by a killed
attempt are never taken for the old ones. It binds the log context, and turns errors into the outcome
their type asks for. What the outcome means for the run is the ledger's to decide.
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import peewee
import structlog

from . import backends, fsutil, log, proc, scenes, settings, tree
from .errors import Cancelled, ConfigError, InputError, StageError, TransientError
from .project import Project, Root
from .scenes import SceneSpec
from .settings import Settings

RECORD_LIMIT = 16 * 1024 * 1024  # bytes of a step's record (parse's result lists every scene)
Layers = Sequence[tuple[str, Mapping[str, Any]]]
# (stage, scene or None) -> the fingerprint of what that stage last made for this project, or ""
Made = Callable[[str, str | None], str]


@dataclass(frozen=True)
class Job:
    """What a stage gets: where to read and write, the settings in force, the scene if any."""

    root: Root
    project: Project
    run: int
    settings: Settings  # in force here: the film's, with a scene's own `settings:` on top
    film: Settings  # the film's, which the film-wide timeline (transitions, title card) follows
    made: Made = field(repr=False)
    scene_dir: Path | None = None
    spec: SceneSpec | None = None
    service: Layers = field(default=(), repr=False)  # the service's own settings, under the film's

    @property
    def out_dir(self) -> Path:
        return self.scene_dir or self.project.path

    @property
    def scene(self) -> SceneSpec:
        assert self.spec is not None, "a film-level stage asked for its scene"
        return self.spec

    @property
    def scene_name(self) -> str:
        assert self.scene_dir is not None, "a film-level stage asked for its scene"
        return self.scene_dir.name

    def fingerprint_of(self, stage: str, scene: str | None) -> str:
        """The fingerprint of what `stage` made for `scene` (None: the film), an input of this stage."""
        return self.made(stage, scene)

    def of_scene(self, scene: str) -> Job:
        """The job of another scene of the film, as its own steps see it (a blend draws both sides)."""
        return make_job(self.root, self.project, self.run, scene, self.service, self.made)


class Stage(Protocol):
    """What a stage module provides (each stage is a module with these names)."""

    NAME: str

    def inputs(self, job: Job) -> dict[str, Any]: ...

    def outputs(self, job: Job) -> list[Path]: ...

    def run(self, job: Job) -> dict[str, Any] | None:
        """Make the outputs; return what the ledger should know (parse: the scenes; publish: the files)."""
        ...


def fingerprint(stage: str, inputs: dict[str, Any]) -> str:
    blob = json.dumps({"stage": stage, **inputs}, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def film_layer(project: Project) -> tuple[str, dict[str, Any]]:
    """The project's project.yaml (written at intake, edited by people), checked as input."""
    name = str(project.settings_file)
    data = settings.load_yaml(project.settings_file, base=project.data_folder)
    return name, settings.project_layer(data, name)


def film_settings(project: Project, service: Layers = ()) -> Settings:
    """The film's settings: the service's own (where models lie) under the film's project.yaml."""
    return settings.build([*service, film_layer(project)])


def make_job(root: Root, project: Project, run: int, scene: str | None, service: Layers, made: Made) -> Job:
    film = film_settings(project, service)
    if scene is None:
        return Job(root, project, run, film, film, made, service=service)
    scene_dir = project.scenes_dir / scene
    if not tree.lexists(scene_dir / "scene.yaml"):
        raise InputError("scene.yaml is missing; re-drop the script or restore the file", file=str(scene_dir))
    spec = scenes.read(scene_dir / "scene.yaml", base=root.path)
    own = settings.build([*service, film_layer(project), (f"{scene_dir}/scene.yaml", spec.settings)])
    _check_backends(own, film, f"{scene_dir / 'scene.yaml'} (settings)")
    return Job(root, project, run, own, film, made, scene_dir, spec, service)


def _check_backends(own: Settings, film: Settings, file: str) -> None:
    """A scene that names backends of its own: each must be usable here."""
    if own.backends == film.backends:
        return
    for key, missing in backends.problems(own).items():
        raise InputError(f"cannot be used here: {missing}", file=file, key=key)


@dataclass(frozen=True)
class Outcome:
    """How a stage run ended; the ledger decides from it what comes next."""

    kind: str  # done, skipped, failed, retry, cancelled, gone
    fingerprint: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    delay: float = 0.0


def execute(
    stage: Stage,
    root: Root,
    project_name: str,
    run: int,
    scene: str | None,
    attempt: int,
    max_retries: int,
    service: Layers,
    output_of: Callable[[str, str | None], tuple[str, dict[str, Any]] | None],
) -> Outcome:
    """Run `stage` once for the project (and scene). `output_of(stage, scene)` is the ledger's
    record of what a stage last made: its fingerprint and its result."""
    project = root.project(project_name)
    logger = log.get().bind(project=project_name, stage=stage.NAME, **({"scene": scene} if scene else {}))
    if not project.path.is_dir():
        logger.warning("project folder is gone; step dropped")
        return Outcome("gone")
    if project.is_cancelled():
        return Outcome("cancelled")

    def made(name: str, of: str | None) -> str:
        found = output_of(name, of)
        return found[0] if found else ""

    token = proc.current_work.set(proc.work(project_name, run))
    started = time.monotonic()
    with structlog.contextvars.bound_contextvars(project=project_name, stage=stage.NAME, scene=scene or ""):
        try:
            job = make_job(root, project, run, scene, service, made)
            fp = fingerprint(stage.NAME, stage.inputs(job))
            stored = output_of(stage.NAME, scene)
            record = project.made_record(stage.NAME, scene)
            on_disk = _read_record(project, record)
            if all(p.exists() for p in stage.outputs(job)):
                # (No record: outputs made before records were kept, which the ledger vouches for alone.)
                made_from_fp = on_disk is None or on_disk.get("fingerprint") == fp
                if stored is not None and stored[0] == fp and made_from_fp:
                    logger.info("stage skipped: inputs, settings and backend unchanged", fingerprint=fp)
                    return Outcome("skipped", fp, stored[1])
                if on_disk is not None and on_disk.get("fingerprint") == fp:
                    # Made by a worker that stopped before the ledger heard of it: recorded, not redone.
                    logger.info("stage made before its worker stopped; recorded now", fingerprint=fp)
                    return Outcome("done", fp, on_disk.get("result", {}))
            confine(job, [*stage.outputs(job), record])
            _drop_temporaries(stage.outputs(job))
            fsutil.write_json(record, {"making": fp})  # from here on the outputs may be half new
            _injected_delay(stage.NAME)
            result = stage.run(job) or {}
            missing = [str(p) for p in stage.outputs(job) if not p.exists()]
            if missing:
                raise StageError(f"{stage.NAME} finished without writing {', '.join(missing)}")
            fsutil.write_json(record, {"fingerprint": fp, "result": result})
            logger.info("stage finished", seconds=round(time.monotonic() - started, 2))
            return Outcome("done", fp, result)
        except Cancelled:
            logger.info("stage stopped: project cancelled")
            return Outcome("cancelled")
        except (TransientError, sqlite3.OperationalError, peewee.OperationalError, OSError) as exc:
            if not _is_transient(exc):
                logger.error("stage crashed", error=repr(exc), traceback=traceback.format_exc())
                return _failed(logger, f"{exc}")
            if project.is_cancelled():
                return Outcome("cancelled")
            if attempt < max_retries:
                delay = min(2.0 * 2**attempt, 60.0)
                logger.warning(
                    "transient failure; will retry", error=str(exc), attempt=attempt + 1, delay=delay
                )
                return Outcome("retry", message=str(exc), delay=delay)
            return _failed(logger, f"{exc} (after {attempt + 1} attempts)")
        except (InputError, StageError, ConfigError) as exc:
            return _failed(logger, str(exc))
        except Exception as exc:  # a bug in a stage or backend: fail this stage, keep the daemon
            logger.error("stage crashed", error=repr(exc), traceback=traceback.format_exc())
            return _failed(logger, f"internal error: {exc!r}")
        finally:
            proc.current_work.reset(token)


def confine(job: Job, outputs: list[Path]) -> None:
    """Before a stage gives paths to its tools (which follow links and block on pipes): the folders
    it writes into are real folders of the data folder, and nothing the project's stages read is a
    link or a special file. A person's script and sidecar in source/ are read link-safely anyway,
    and CANCEL may be anything."""
    base = job.root.path
    for folder in dict.fromkeys([job.project.path, *(p.parent for p in outputs)]):
        tree.check_folder(base, folder)
    project = job.project
    tree.check_entries([project.path], skip=(project.source_dir.name, project.cancel_file.name))
    tree.check_entries(
        [project.scenes_dir, project.music_dir, project.render_dir, project.cast_dir], recursive=True
    )


def _read_record(project: Project, record: Path) -> dict[str, Any] | None:
    """The step's record of what its outputs were made from: {"fingerprint", "result"} once they are
    complete, {"making"} while a worker writes them (what the ledger remembers may then be half
    overwritten); None where there is none. A spoiled record counts as one being made: the step runs
    again."""
    if not tree.lexists(record):
        return None
    try:
        data = json.loads(project.read(record, limit=RECORD_LIMIT))
    except (OSError, ValueError, tree.Refused):
        return {"making": "?"}
    return data if isinstance(data, dict) else {"making": "?"}


def _failed(logger: Any, message: str) -> Outcome:
    logger.error("stage failed", error=message)
    return Outcome("failed", message=message)


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
    if isinstance(exc, sqlite3.OperationalError | peewee.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc) or "connection" in str(exc)
    return isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS
