"""The stage runner: fingerprints skip unchanged work, transient failures are retried with the
attempt in status.json, bad input is not retried."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from scriptvid import runner, status
from scriptvid.errors import InputError, TransientError
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


@pytest.fixture
def project(tmp_path: Path) -> tuple[Root, str]:
    root = Root(tmp_path)
    root.ensure()
    project = create_project(root, "film")
    status.update(project, lambda st: st.update(state="running", run=1, scenes=[]))
    return root, project.name


def execute(root: Root, name: str, stage: FlakyStage, attempt: int = 0) -> runner.Outcome:
    failed: list[str] = []
    return runner.execute(stage, root, name, 1, None, attempt, 3, on_fail=lambda st, msg: failed.append(msg))


@pytest.mark.parametrize(
    "error",
    [
        TransientError("ffmpeg was killed by SIGKILL"),
        OSError(errno.ENOSPC, "No space left on device"),
        __import__("sqlite3").OperationalError("database is locked"),
    ],
)
def test_transient_failures_are_retried_with_backoff_and_counted(
    project: tuple[Root, str], error: Exception
) -> None:
    root, name = project
    stage = FlakyStage(error, error)
    first = execute(root, name, stage)
    assert (first.kind, first.delay) == ("retry", 2.0)
    second = execute(root, name, stage, attempt=1)
    assert (second.kind, second.delay) == ("retry", 4.0)
    assert status.read(root.project(name))["attempts"]["music"]["attempts"] == 2
    assert execute(root, name, stage, attempt=2).kind == "done"


def test_bad_input_is_not_retried_and_is_reported(project: tuple[Root, str]) -> None:
    root, name = project
    outcome = execute(root, name, FlakyStage(InputError("no scenes", file="x.fountain")))
    assert outcome.kind == "failed"
    errors = status.read(root.project(name))["errors"]
    assert errors[0]["stage"] == "music" and errors[0]["message"] == "x.fountain: no scenes"


def test_retries_run_out(project: tuple[Root, str]) -> None:
    root, name = project
    assert execute(root, name, FlakyStage(TransientError("killed")), attempt=3).kind == "failed"
    assert "after 4 attempts" in status.read(root.project(name))["errors"][0]["message"]


def test_unchanged_stage_is_skipped_and_a_changed_one_runs(project: tuple[Root, str]) -> None:
    root, name = project
    stage = FlakyStage()
    assert execute(root, name, stage).kind == "done"
    assert execute(root, name, stage).kind == "skipped"
    stage.setting = 2
    assert execute(root, name, stage).kind == "done"
    (root.project(name).music_dir / "out.txt").unlink()
    assert execute(root, name, stage).kind == "done"  # a missing output is made again
    assert stage.runs == 3


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
