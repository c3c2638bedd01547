"""The stage runner: fingerprints skip unchanged work, transient failures are retried with backoff,
bad input is not retried; and through the ledger, the attempts show in status.json."""

from __future__ import annotations

import errno
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from huey import MemoryHuey

from scriptvid import intake, runner
from scriptvid.errors import InputError, TransientError
from scriptvid.ledger import Ledger
from scriptvid.pipeline import STEPS, Pipeline
from scriptvid.project import Root, create_project


class FlakyStage:
    """A film-level stage that fails with the given errors, then works."""

    NAME = "music"

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.runs = 0
        self.setting = 1

    def inputs(self, job: runner.Job) -> dict[str, Any]:
        return {"setting": self.setting}

    def outputs(self, job: runner.Job) -> list[Path]:
        return [job.project.music_dir / "out.txt"]

    def run(self, job: runner.Job) -> None:
        self.runs += 1
        if self.failures:
            raise self.failures.pop(0)
        (job.project.music_dir / "out.txt").write_text("made")


class ResultStage(FlakyStage):
    """A stage whose result the ledger keeps (as parse's scenes)."""

    def run(self, job: runner.Job) -> dict[str, Any]:
        super().run(job)
        return {"scenes": ["a", "b"]}


class Nothing:
    """A stage that makes nothing."""

    def __init__(self, name: str) -> None:
        self.NAME = name

    def inputs(self, job: runner.Job) -> dict[str, Any]:
        return {}

    def outputs(self, job: runner.Job) -> list[Path]:
        return []

    def run(self, job: runner.Job) -> None:
        return None


class Outputs:
    """What the ledger would remember of the outputs made: (stage, scene) -> (fingerprint, result)."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, str | None], tuple[str, dict[str, Any]]] = {}

    def __call__(self, stage: str, scene: str | None) -> tuple[str, dict[str, Any]] | None:
        return self.made.get((stage, scene))


@pytest.fixture
def project(tmp_path: Path) -> tuple[Root, str]:
    root = Root(tmp_path)
    root.ensure()
    project = create_project(root, "film")
    (project.source_dir / "film.fountain").write_text("INT. ROOM - DAY\n")
    assert intake.write_project_settings(project, []) == ""
    return root, project.name


def execute(
    root: Root, name: str, stage: FlakyStage, outputs: Outputs | None = None, attempt: int = 0
) -> runner.Outcome:
    outputs = outputs or Outputs()
    outcome = runner.execute(stage, root, name, 1, None, attempt, 3, (), outputs)
    if outcome.kind == "done":
        outputs.made[(stage.NAME, None)] = (outcome.fingerprint, outcome.result)
    return outcome


@pytest.mark.parametrize(
    "error",
    [
        TransientError("ffmpeg was killed by SIGKILL"),
        OSError(errno.ENOSPC, "No space left on device"),
        sqlite3.OperationalError("database is locked"),
    ],
)
def test_transient_failures_are_retried_with_backoff(project: tuple[Root, str], error: Exception) -> None:
    root, name = project
    stage = FlakyStage(error, error)
    first = execute(root, name, stage)
    assert (first.kind, first.delay) == ("retry", 2.0)
    second = execute(root, name, stage, attempt=1)
    assert (second.kind, second.delay) == ("retry", 4.0)
    assert execute(root, name, stage, attempt=2).kind == "done"


def test_bad_input_is_not_retried_and_is_reported(project: tuple[Root, str]) -> None:
    root, name = project
    outcome = execute(root, name, FlakyStage(InputError("no scenes", file="x.fountain")))
    assert (outcome.kind, outcome.message) == ("failed", "x.fountain: no scenes")


def test_retries_run_out(project: tuple[Root, str]) -> None:
    root, name = project
    outcome = execute(root, name, FlakyStage(TransientError("killed")), attempt=3)
    assert outcome.kind == "failed" and "after 4 attempts" in outcome.message


def test_unchanged_stage_is_skipped_and_a_changed_one_runs(project: tuple[Root, str]) -> None:
    root, name = project
    stage, outputs = FlakyStage(), Outputs()
    assert execute(root, name, stage, outputs).kind == "done"
    assert execute(root, name, stage, outputs).kind == "skipped"
    stage.setting = 2
    assert execute(root, name, stage, outputs).kind == "done"
    (root.project(name).music_dir / "out.txt").unlink()
    assert execute(root, name, stage, outputs).kind == "done"  # a missing output is made again
    assert stage.runs == 3


def test_outputs_made_by_a_worker_that_died_before_the_ledger_heard_are_recorded_not_redone(
    project: tuple[Root, str],
) -> None:
    root, name = project
    stage = ResultStage()
    first = runner.execute(stage, root, name, 1, None, 0, 3, (), Outputs())  # ... and the ledger never hears
    assert first.kind == "done" and stage.runs == 1
    again = runner.execute(stage, root, name, 1, None, 0, 3, (), Outputs())  # the step taken over
    assert (again.kind, again.fingerprint) == ("done", first.fingerprint)
    assert again.result == {"scenes": ["a", "b"]}
    assert stage.runs == 1
    stage.setting = 2  # other inputs: the record vouches for nothing
    assert runner.execute(stage, root, name, 1, None, 0, 3, (), Outputs()).kind == "done"
    assert stage.runs == 2


def test_outputs_half_overwritten_by_a_killed_attempt_are_not_taken_for_the_old_ones(
    project: tuple[Root, str],
) -> None:
    root, name = project
    stage, outputs = FlakyStage(), Outputs()
    assert execute(root, name, stage, outputs).kind == "done"
    stage.setting = 2  # an edit; the attempt is killed while it writes (a retry leaves the same marks)
    stage.failures.append(TransientError("killed"))
    (root.project(name).music_dir / "out.txt").write_text("half new")
    assert execute(root, name, stage, outputs).kind == "retry"
    stage.setting = 1  # the edit undone: the ledger's record matches, the files do not
    assert execute(root, name, stage, outputs).kind == "done"
    assert (root.project(name).music_dir / "out.txt").read_text() == "made"
    assert execute(root, name, stage, outputs).kind == "skipped"


def test_what_a_killed_attempt_left_half_written_is_removed_when_the_stage_runs_again(
    project: tuple[Root, str],
) -> None:
    root, name = project
    music_dir = root.project(name).music_dir
    music_dir.mkdir(parents=True, exist_ok=True)
    # what fsutil.atomic_path was writing when the process was killed, and a file a person put there
    (music_dir / ".out.txt.k2j4h1.tmp").write_text("half")
    (music_dir / "notes.txt").write_text("mine")
    assert execute(root, name, FlakyStage()).kind == "done"
    assert sorted(p.name for p in music_dir.iterdir()) == ["notes.txt", "out.txt"]


def test_attempts_are_counted_in_status_json_and_the_step_runs_again(project: tuple[Root, str]) -> None:
    root, name = project
    ledger = Ledger.open(root.path, "", STEPS)
    ledger.register(name, "film", str(root.project(name).script_file))
    parse = FlakyStage(TransientError("fluidsynth was killed by SIGKILL"))
    parse.NAME = "parse"
    huey = MemoryHuey("t", results=False)
    stages: dict[str, Any] = {s.stage: Nothing(s.stage) for s in STEPS.steps} | {"parse": parse}
    pipeline = Pipeline(root, ledger, {"cpu": huey}, retries=3, stages=stages)
    pipeline.start(name, "new script")
    huey.execute(huey.dequeue())
    status = json.loads((root.project(name).path / "status.json").read_text())
    assert status["attempts"] == {"parse": {"attempts": 1, "last_error": "fluidsynth was killed by SIGKILL"}}
    assert status["state"] == "running"
    retry = huey.dequeue()  # queued again, to run after a pause of two seconds
    assert (
        retry is not None and 1.5 < (retry.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds() <= 2
    )
    huey.execute(retry, timestamp=retry.eta)
    assert parse.runs == 2
    assert huey.dequeue() is not None  # the run goes on


def test_a_cancelled_runs_stop_does_not_reach_the_run_that_resumed_it() -> None:
    """A step of a cancelled run still under way (its worker's heartbeat keeps hearing of the cancel)
    stops its own children, never those of the run a resume started after it."""
    from scriptvid import proc
    from scriptvid.errors import Cancelled

    proc.kill_project("resumed-film", 1)
    token = proc.current_work.set(proc.work("resumed-film", 2))
    try:
        assert proc.run(["echo", "run 2 goes on"]) == b"run 2 goes on\n"
    finally:
        proc.current_work.reset(token)
    token = proc.current_work.set(proc.work("resumed-film", 1))
    try:
        with pytest.raises(Cancelled):
            proc.run(["echo", "a child of the cancelled run"])
    finally:
        proc.current_work.reset(token)


def test_a_background_child_runs_at_a_lower_cpu_priority_and_is_still_ours(tmp_path: Path) -> None:
    """A scene's encode (`background`) gives way to the short steps beside it: its nice value is
    BACKGROUND_NICE above the daemon's; it is still registered under its run, and a cancel stops it."""
    import os
    import sys
    import threading

    from scriptvid import proc
    from scriptvid.errors import Cancelled

    report = tmp_path / "nice"
    said = f"import os, sys; open({str(report)!r}, 'w').write(str(os.nice(0))); sys.stdin.read()"
    for background, expected in ((False, os.nice(0)), (True, min(os.nice(0) + proc.BACKGROUND_NICE, 19))):
        report.unlink(missing_ok=True)
        with proc.popen_stdin([sys.executable, "-c", said], background=background) as child:
            assert child.stdin is not None
            child.stdin.write(b"frames")
        assert int(report.read_text()) == expected

    report.unlink()
    token = proc.current_work.set(proc.work("niced-film", 1))
    try:
        with pytest.raises(Cancelled), proc.popen_stdin([sys.executable, "-c", said], background=True):
            while not report.exists() or not report.read_text():
                threading.Event().wait(0.02)
            proc.kill_project("niced-film", 1)
    finally:
        proc.current_work.reset(token)
