"""The ledger: the one owner of every run. What is done, what runs next, who holds a step.

Every transition is one transaction: start a run, begin a step (refused when its run was
superseded, cancelled or has ended), finish a step and get back the steps that became ready (the
joins are decided inside the transaction, so exactly once however many workers finish together),
fail, retry, cancel, take over the steps of a worker that stopped. After each, the project's
status.json is written again from the ledger (view.py): a file for people to read, never read back.
Where `view_delay` is set (the daemon), a step's start and a finish that leaves its run going are
shown within that many seconds rather than at once, one write for all that happened meanwhile; a
run's start and end, and every failure, are shown at once.

The order of the stages is not known here: the step table (pipeline.py, graph.py) says it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from .. import fsutil, log, tree
from ..graph import Table
from . import view
from .claims import InboxClaims
from .leases import Leases
from .models import (
    ACTIVE,
    FINISHED,
    OutputRow,
    ProjectRow,
    RunRow,
    StepRow,
    database,
    open_database,
    step_with_run,
)
from .patience import patient
from .views import DelayedViews
from .workers import this_worker, worker_gone

__all__ = ["Claim", "Ledger", "Ready", "this_worker", "worker_gone"]


@dataclass
class _View:
    """What a transition says of its view: `soon` lets status.json wait up to `view_delay`."""

    soon: bool = False


@dataclass(frozen=True)
class Ready:
    """A step to hand to a worker."""

    id: int
    project: str
    run: int
    stage: str
    scene: str | None  # the scene's folder, None for a film step
    attempt: int  # tries before this one that failed transiently


@dataclass(frozen=True)
class Claim:
    """The answer to `begin`: the step is this worker's now, or why not (`refused`)."""

    step: Ready | None
    refused: str = ""  # superseded, cancelled, ended, taken, gone, or busy (try again shortly)


def _refusal(run: RunRow) -> str:
    """Why a step of `run` may not begin (a step of a run that goes on: another worker took it)."""
    if run.state in ("superseded", "cancelled"):
        return str(run.state)
    return "ended" if run.state not in ACTIVE else "taken"


@patient
class Ledger(InboxClaims, Leases, DelayedViews):
    def __init__(
        self, db: peewee.DatabaseProxy, table: Table, projects: Path, lease_seconds: float = 30.0
    ) -> None:
        self.db = db
        self.table = table
        self.projects = projects
        self.lease = lease_seconds
        self.out_of_reach_at = 0.0  # when this process last found the server out of reach (patience)
        # Told the name of each project whose status.json was written (the daemon's outbox page).
        self.on_change: Callable[[str], None] | None = None
        # Seconds a step's start or finish may wait to be shown (0: at once). Writing status.json in
        # every transaction made a re-render's sixty skipped steps take a second: the view is read and
        # written inside the transaction, which the workers then wait for one after the other.
        self.view_delay = 0.0
        self._due: dict[str, float] = {}  # project -> when its status.json is to be written
        self._due_cond = threading.Condition()
        self._shower: threading.Thread | None = None

    @classmethod
    def open(
        cls, root_path: Path, url: str, table: Table, lease_seconds: float = 30.0, passfile: str = ""
    ) -> Ledger:
        """The ledger of the data folder at `root_path` (one per process: the tables are bound to it)."""
        open_database(url, root_path / "ledger.db", passfile)
        return cls(database, table, root_path / "projects", lease_seconds)

    # -- transactions and the view ------------------------------------------------------------

    @contextmanager
    def _transition(self, project: str) -> Iterator[_View]:
        """One transaction; on PostgreSQL the project's row is locked, so that the transitions of one
        project happen one after the other (SQLite's IMMEDIATE transactions already do that). The view
        is written inside it, so that status.json never shows an older state over a newer one, from
        any process; unless the transition says it may wait (`soon`)."""
        shown = _View()
        with self.db.atomic():
            if self.db.for_update:
                list(ProjectRow.select().where(ProjectRow.name == project).for_update())
            yield shown
            if not (shown.soon and self.view_delay > 0):
                self._write_view(project)
        if shown.soon and self.view_delay > 0:
            self._show_soon(project)

    def _write_view(self, project: str) -> None:
        try:
            view.write(self.projects / project, self.status(project))
        except (OSError, tree.Refused) as exc:  # a status file that cannot be written must not stop the film
            log.get().warning("status.json not written", project=project, error=str(exc))
        if self.on_change is not None:
            self.on_change(project)

    def status(self, project: str) -> dict[str, Any]:
        """The project as status.json shows it."""
        row = ProjectRow.get(ProjectRow.name == project)
        run = self._latest(project)
        # Plain tuples, not model rows: this runs after every transition.
        steps = list(StepRow.select().where(StepRow.run == run).namedtuples()) if run is not None else []
        parsed = OutputRow.get_or_none(
            (OutputRow.project == project)
            & (OutputRow.stage == self.table.first().stage)
            & (OutputRow.scene == "")
        )
        notes = json.loads(parsed.result).get("notes", []) if parsed is not None else []
        return view.status(row, run, steps, self.table, notes)

    def _latest(self, project: str) -> RunRow | None:
        return RunRow.select().where(RunRow.project == project).order_by(RunRow.number.desc()).first()

    # -- projects ---------------------------------------------------------------------------------

    def known(self, project: str) -> bool:
        return ProjectRow.get_or_none(ProjectRow.name == project) is not None

    def project_names(self) -> list[str]:
        return [p.name for p in ProjectRow.select(ProjectRow.name).order_by(ProjectRow.name)]

    def register(
        self, project: str, title: str, source: str, error: str = "", earlier: dict[str, Any] | None = None
    ) -> None:
        """A new project, whose script lies at `source`. With `error` (its sidecar cannot be used) it
        is failed at once, the reason in its first step; otherwise it waits for `start_run`.
        `earlier` is the status.json of a project made before there was a ledger: its title, films
        and last run's outcome are kept, so that it is not made again."""
        now = time.time()
        with self.db.atomic():
            ProjectRow.create(name=project, title=title, source=source, created=now)
        with self._transition(project):
            if earlier:
                row = ProjectRow.get_by_id(project)
                row.title = str(earlier.get("title") or title)
                row.renders = int(earlier.get("renders") or 0)
                row.outputs = json.dumps(earlier.get("outputs") or {})
                row.save()
                RunRow.create(
                    project=project,
                    number=int(earlier.get("run") or 0),
                    reason=str(earlier.get("reason") or ""),
                    state=str(earlier["state"]),
                    queued=now,
                    finished=now,
                )
            elif error:
                run = RunRow.create(
                    project=project, number=0, reason="new script", state="failed", queued=now, finished=now
                )
                StepRow.create(
                    run=run, stage=self.table.first().stage, state="failed", error=error, finished=now
                )

    # -- runs -------------------------------------------------------------------------------------

    def start_run(self, project: str, reason: str) -> tuple[int, list[Ready]]:
        """A new run of the whole table; a run still going is superseded (its queued steps drop
        themselves when a worker takes them). Returns the run's number and its first step."""
        now = time.time()
        with self._transition(project):
            last = self._latest(project)
            if last is not None and last.state in ACTIVE:
                last.state, last.finished = "superseded", now
                last.save()
                self._drop_waiting(last)
            run = RunRow.create(
                project=project,
                number=(last.number if last else 0) + 1,
                reason=reason,
                scenes=last.scenes if last else "[]",
                queued=now,
            )
            first = self.table.first().stage
            for step in self.table.film_steps:
                queued = step.stage == first
                StepRow.create(
                    run=run,
                    stage=step.stage,
                    state="queued" if queued else "waiting",
                    queued=now if queued else None,
                )
            ready = self._ready_of(run, [s for s in run.steps if s.state == "queued"])
        log.get().info("project queued", project=project, run=run.number, reason=reason)
        return run.number, ready

    def last_queued(self, project: str) -> float | None:
        """When the project's latest run was queued (its files were read after that)."""
        run = self._latest(project)
        return float(run.queued) if run is not None and run.queued else None

    def active(self, project: str) -> bool:
        """Whether the project's latest run is queued or running."""
        return self.active_run(project) is not None

    def active_run(self, project: str) -> int | None:
        """The number of the project's latest run while it is queued or running."""
        run = self._latest(project)
        return run.number if run is not None and run.state in ACTIVE else None

    def cancel(self, project: str) -> bool:
        """The project's run stops: its queued steps drop themselves; whoever runs one is told
        (`renew`). False when there was nothing running to cancel."""
        if not self.active(project):
            return False
        with self._transition(project):
            run = self._latest(project)
            if run is None or run.state not in ACTIVE:
                return False
            run.state, run.finished = "cancelled", time.time()
            run.save()
            self._drop_waiting(run)
        log.get().info("project cancelled", project=project)
        return True

    def _drop_waiting(self, run: RunRow) -> None:
        """A run that stopped: its steps not yet begun never will be (their tasks find them dropped)."""
        StepRow.update(state="dropped").where(
            StepRow.run == run.id, StepRow.state.in_(("queued", "waiting"))
        ).execute()

    # -- steps ------------------------------------------------------------------------------------

    def _step(self, step_id: int) -> tuple[StepRow, RunRow, str] | None:
        """A step with its run (read in one query), and the run's project."""
        step = step_with_run(step_id)
        if step is None:
            return None
        return step, step.run, step.run.project_id

    def _ready_of(self, run: RunRow, steps: list[StepRow]) -> list[Ready]:
        return [Ready(s.id, run.project_id, run.number, s.stage, s.scene or None, s.attempts) for s in steps]

    def begin(self, step_id: int, worker: str) -> Claim:
        """The step is `worker`'s to run, under a lease it renews; or why not."""
        found = self._step(step_id)
        if found is None:
            return Claim(None, "gone")
        step, run, project = found
        if run.state not in ACTIVE or step.state != "queued":
            return Claim(None, _refusal(run))  # nothing changes: no transaction, no new view
        now = time.time()
        with self._transition(project) as shown:
            shown.soon = True  # a step that is skipped finishes a few milliseconds later
            step = step_with_run(step_id)
            run = step.run
            if run.state not in ACTIVE or step.state != "queued":
                return Claim(None, _refusal(run))
            if self._busy_elsewhere(step, run, now):
                return Claim(None, "busy")
            step.state, step.worker, step.lease_until = "running", worker, now + self.lease
            step.started = step.started or now
            step.save()
            if run.state == "queued":
                run.state, run.started = "running", now
                run.save()
                shown.soon = False  # the film has started: shown at once
            (ready,) = self._ready_of(run, [step])
        return Claim(ready)

    def _busy_elsewhere(self, step: StepRow, run: RunRow, now: float) -> bool:
        """The same stage of the same scene is still running for an older run of the project (an edit
        saved while it ran): this one waits for it, then finds its output made, or makes it anew."""
        return (
            StepRow.select()
            .join(RunRow)
            .where(
                RunRow.project == run.project_id,
                RunRow.id != run.id,
                StepRow.stage == step.stage,
                StepRow.scene == step.scene,
                StepRow.state == "running",
                StepRow.lease_until > now,
            )
            .exists()
        )

    def finish(
        self, step_id: int, worker: str, kind: str, fingerprint: str, result: dict[str, Any]
    ) -> list[Ready]:
        """The step is `kind` ("done": its outputs were made; "skipped": they were there already).
        Returns the steps that became ready, each handed out once."""
        found = self._step(step_id)
        if found is None:
            return []
        _, _, project = found
        now = time.time()
        with self._transition(project) as shown:
            step = step_with_run(step_id)
            run = step.run
            if kind == "done":
                # The files are made, whoever now holds the step: record what they were made from.
                OutputRow.insert(
                    project=project,
                    stage=step.stage,
                    scene=step.scene,
                    fingerprint=fingerprint,
                    result=json.dumps(result),
                    made=now,
                ).on_conflict(  # (an upsert both SQLite and PostgreSQL speak; REPLACE is SQLite's own)
                    conflict_target=[OutputRow.project, OutputRow.stage, OutputRow.scene],
                    update={
                        OutputRow.fingerprint: fingerprint,
                        OutputRow.result: json.dumps(result),
                        OutputRow.made: now,
                    },
                ).execute()
            if step.state != "running" or step.worker != worker:
                return []  # taken over meanwhile (its lease ran out): the new holder reports
            step.state, step.fingerprint, step.finished, step.lease_until = kind, fingerprint, now, None
            step.save()
            self._apply(run, step, kind, result)
            if run.state not in ACTIVE:
                return []
            ready = self._advance(run, now)
            shown.soon = run.state in ACTIVE  # the end of a run is shown at once
        return ready

    def _apply(self, run: RunRow, step: StepRow, kind: str, result: dict[str, Any]) -> None:
        """What a step's result tells the ledger: the scenes of the film, its title, the published files."""
        project = ProjectRow.get_by_id(run.project_id)
        if "title" in result:
            project.title = result["title"]
        if "outputs" in result:  # the film and its subtitles, the preview: each kept until made again
            project.outputs = json.dumps({**json.loads(project.outputs or "{}"), **result["outputs"]})
            project.renders += int(kind == "done" and "video" in result["outputs"])
        project.save()
        if "scenes" in result and run.state in ACTIVE:
            names = list(result["scenes"])
            run.scenes = json.dumps(names)
            run.save()
            for position, name in enumerate(names):
                for s in self.table.scene_steps:
                    StepRow.create(run=run, stage=s.stage, scene=name, position=position)

    def _advance(self, run: RunRow, now: float) -> list[Ready]:
        """Queue the waiting steps whose prerequisites are done; end the run when nothing is left to run."""
        steps = list(run.steps)
        state = {(s.stage, s.position if s.scene else None): s.state for s in steps}
        scenes = len(run.scene_names())

        def done(stage: str, position: int | None) -> bool:
            return state.get((stage, position)) in FINISHED

        newly = []
        for s in steps:
            if s.state == "waiting" and self.table.ready(
                self.table[s.stage], s.position if s.scene else None, scenes, done
            ):
                s.state, s.queued = "queued", now
                s.save()
                newly.append(s)
        if not any(s.state in ("queued", "running") for s in steps):
            failed = any(s.state == "failed" for s in steps)
            stuck = [s for s in steps if s.state == "waiting"]
            run.state = "failed" if failed or stuck else "completed"
            run.finished = now
            run.save()
            if stuck and not failed:  # a step table that cannot finish: a bug, said plainly
                stuck[0].state, stuck[0].error = "failed", f"internal error: {stuck[0].stage} can never run"
                stuck[0].save()
            self._log_end(run)
        return self._ready_of(run, newly)

    def _log_end(self, run: RunRow) -> None:
        if run.state == "completed":
            outputs = json.loads(ProjectRow.get_by_id(run.project_id).outputs)
            log.get().info(
                "project completed",
                project=run.project_id,
                video=outputs.get("video"),
                seconds=round((run.finished or time.time()) - (run.started or run.queued), 2),
            )
        else:
            errors = [
                {"stage": s.stage, "scene": s.scene or None, "message": s.error}
                for s in run.steps
                if s.state == "failed"
            ]
            log.get().error("project failed", project=run.project_id, errors=errors)

    def fail(self, step_id: int, worker: str, message: str) -> list[Ready]:
        """The step failed for good. The rest of the run goes on as far as it can, so that every
        error is listed and what could be made is kept; then the run fails."""
        found = self._step(step_id)
        if found is None:
            return []
        _, _, project = found
        now = time.time()
        with self._transition(project):
            step = step_with_run(step_id)
            if step.state != "running" or step.worker != worker:
                return []
            step.state, step.finished, step.lease_until = "failed", now, None
            step.error = fsutil.printable(message)  # it may name a file whose name is not UTF-8
            step.save()
            return self._advance(step.run, now) if step.run.state in ACTIVE else []

    def retry(self, step_id: int, worker: str, message: str) -> Ready | None:
        """A transient failure: the step is queued again (the caller hands it out after a pause)."""
        found = self._step(step_id)
        if found is None:
            return None
        _, _, project = found
        with self._transition(project):
            step = step_with_run(step_id)
            if step.state != "running" or step.worker != worker:
                return None
            step.attempts += 1
            step.last_error = fsutil.printable(message)
            step.state, step.worker, step.lease_until, step.queued = "queued", "", None, time.time()
            step.save()
            if step.run.state not in ACTIVE:
                step.state = "dropped"
                step.save()
                return None
            (ready,) = self._ready_of(step.run, [step])
        return ready

    def drop(self, step_id: int, worker: str) -> None:
        """The step stopped because its project was cancelled; what it made so far is not recorded."""
        found = self._step(step_id)
        if found is None:
            return
        with self._transition(found[2]):
            step = step_with_run(step_id)
            if step.state == "running" and step.worker == worker:
                step.state, step.lease_until = "dropped", None
                step.save()

    def output(self, project: str, stage: str, scene: str | None) -> tuple[str, dict[str, Any]] | None:
        """The fingerprint of what `stage` last made for the project (and scene), and its result."""
        row = OutputRow.get_or_none(
            (OutputRow.project == project) & (OutputRow.stage == stage) & (OutputRow.scene == (scene or ""))
        )
        return None if row is None else (row.fingerprint, json.loads(row.result))

    def step(self, step_id: int) -> Ready | None:
        """A queued step, to hand out again."""
        step = StepRow.get_or_none(StepRow.id == step_id)
        if step is None or step.state != "queued":
            return None
        (ready,) = self._ready_of(step.run, [step])
        return ready

    def queued(self) -> list[Ready]:
        """Every step waiting for a worker in a run that goes on (to hand out again what a queue lost)."""
        steps = (
            StepRow.select(StepRow, RunRow)
            .join(RunRow)
            .where(StepRow.state == "queued", RunRow.state.in_(ACTIVE))
            .order_by(StepRow.id)
        )
        return [
            Ready(s.id, s.run.project_id, s.run.number, s.stage, s.scene or None, s.attempts) for s in steps
        ]

    def active_projects(self) -> list[str]:
        """Projects whose latest run is queued or running."""
        return [name for name in self.project_names() if (run := self._latest(name)) and run.state in ACTIVE]

    def refresh_view(self, project: str) -> None:
        """Write status.json again (a person deleted or spoiled it)."""
        self._write_view(project)
