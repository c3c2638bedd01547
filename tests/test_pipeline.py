"""The whole graph driven through the step table and the ledger, with stages that render nothing:
a film from parse to publish, a failing scene, a superseded run, a cancel, joins decided once
however many workers finish together, and steps of a stopped worker taken over."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from huey import MemoryHuey, SqliteHuey

from scriptvid import graph, intake, scenes
from scriptvid.errors import StageError
from scriptvid.graph import FILM, SCENE, Step, Table
from scriptvid.ledger import Ledger
from scriptvid.ledger.models import StepRow
from scriptvid.model import Scene
from scriptvid.pipeline import STEPS, Pipeline
from scriptvid.project import Root, create_project
from scriptvid.runner import Job

SCENES = ["001-a", "002-b", "003-c", "004-d"]


@dataclass
class Journal:
    """What the fake stages did, in order, across threads."""

    ran: list[tuple[str, str]] = field(default_factory=list)
    fail: set[tuple[str, str]] = field(default_factory=set)
    pause: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeStage:
    """A stage that makes nothing: it notes that it ran, and fails where the journal says."""

    def __init__(self, name: str, journal: Journal) -> None:
        self.NAME = name
        self.journal = journal

    def inputs(self, job: Job) -> dict[str, Any]:
        return {"version": 1}

    def outputs(self, job: Job) -> list[Path]:
        return []

    def run(self, job: Job) -> dict[str, Any] | None:
        scene = job.scene_dir.name if job.scene_dir else ""
        time.sleep(self.journal.pause)
        with self.journal.lock:
            self.journal.ran.append((self.NAME, scene))
        if (self.NAME, scene) in self.journal.fail:
            raise StageError(f"{self.NAME} could not be made for {scene}")
        if self.NAME == "parse":
            for number, name in enumerate(SCENES, start=1):
                folder = job.project.scenes_dir / name
                folder.mkdir(parents=True, exist_ok=True)
                spec = scenes.SceneSpec(Scene(number, f"INT. ROOM {number} - DAY"), "", "static", number)
                (folder / "scene.yaml").write_bytes(scenes.to_yaml(spec))
            return {"title": "Fake", "scenes": SCENES}
        return None


@dataclass
class World:
    root: Root
    ledger: Ledger
    journal: Journal
    queues: dict[str, Any]
    pipeline: Pipeline

    def status(self) -> dict[str, Any]:
        return json.loads((self.root.projects / "film" / "status.json").read_text())

    def drain(self, limit: int = 10_000) -> int:
        """Run queued tasks one at a time, as one worker would, until none is left (or `limit`).
        A task to run later (a retry, a step waiting for an older run's) runs at once."""
        done = 0
        while done < limit:
            found = []
            for huey in self.queues.values():
                task = huey.dequeue()
                if task is not None:
                    found.append((huey, task))
                    break
            if not found:
                return done
            huey, task = found[0]
            huey.execute(task, timestamp=task.eta)
            done += 1
        return done


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    root = Root(tmp_path)
    root.ensure()
    journal = Journal()
    ledger = Ledger.open(tmp_path, "", STEPS, lease_seconds=30)
    queues: dict[str, Any] = {
        "cpu": MemoryHuey("t-cpu", results=False),
        "gpu": MemoryHuey("t-gpu", results=False),
    }
    stages = {s.stage: FakeStage(s.stage, journal) for s in STEPS.steps}
    pipeline = Pipeline(root, ledger, queues, retries=1, stages=stages)  # type: ignore[arg-type]
    project = create_project(root, "film")
    (project.source_dir / "film.fountain").write_text("INT. ROOM - DAY\n")
    intake.register(project, [], ledger)
    yield World(root, ledger, journal, queues, pipeline)


def ran_after(ran: list[tuple[str, str]], table: Table) -> None:
    """Every step ran after each step it comes after."""
    when = {step: i for i, step in enumerate(ran)}
    for (stage, scene), i in when.items():
        row = table[stage]
        position = SCENES.index(scene) if scene else None
        for name in row.after:
            dep_scene = scene if table[name].per == SCENE else ""
            assert when[(name, dep_scene)] < i, (stage, scene, name)
        for name in row.after_every:
            assert all(when[(name, s)] < i for s in SCENES), (stage, name)
        for name in row.after_previous:
            if position:
                assert when[(name, SCENES[position - 1])] < i, (stage, scene, name)


def test_a_film_runs_from_parse_to_publish_in_the_order_of_the_table(world: World) -> None:
    world.pipeline.start("film", "new script")
    assert world.status()["state"] == "queued"
    world.drain()
    ran = world.journal.ran
    per_scene = [s for s in STEPS.steps if s.per == SCENE]
    assert len(ran) == len(set(ran)) == len(STEPS.film_steps) + len(per_scene) * len(SCENES)
    ran_after(ran, STEPS)
    assert ran[0] == ("parse", "") and ran[-1] == ("publish", "")
    st = world.status()
    assert (st["state"], st["progress"], st["run"], st["title"]) == ("completed", 1.0, 1, "Fake")
    assert set(st["done"]) == {s.stage for s in STEPS.film_steps}
    assert [e["name"] for e in st["scenes"]] == SCENES
    assert all(e["state"] == "completed" and e["done"] == [s.stage for s in per_scene] for e in st["scenes"])
    assert st["music_queued"] and st["fanned_in"] and st["errors"] == []

    # The same run again finds every output made with the same fingerprint: nothing runs.
    world.journal.ran.clear()
    world.pipeline.start("film", "again")
    world.drain()
    assert world.journal.ran == [] and world.status()["state"] == "completed"


def test_a_script_that_cannot_be_parsed_fails_the_film_and_nothing_else_runs(world: World) -> None:
    world.journal.fail = {("parse", "")}
    world.pipeline.start("film", "new script")
    world.drain()
    assert world.journal.ran == [("parse", "")]
    st = world.status()
    assert st["state"] == "failed" and [e["stage"] for e in st["errors"]] == ["parse"]
    assert not st["music_queued"] and world.ledger.queued() == []


def blocked_by(failed: tuple[str, str], table: Table) -> set[tuple[str, str]]:
    """Every step that waits, directly or not, for the failed one, as the table says."""
    steps = [(s.stage, "") for s in table.film_steps] + [
        (s.stage, n) for s in table.scene_steps for n in SCENES
    ]
    blocked = {failed}
    grew = True
    while grew:
        grew = False
        for stage, scene in steps:
            row = table[stage]
            position = SCENES.index(scene) if scene else None
            needs = {(n, scene if table[n].per == SCENE else "") for n in row.after}
            needs |= {(n, s) for n in row.after_every for s in SCENES}
            if position:
                needs |= {(n, SCENES[position - 1]) for n in row.after_previous}
            if (stage, scene) not in blocked and needs & blocked:
                blocked.add((stage, scene))
                grew = True
    return blocked - {failed}


def test_a_failing_scene_fails_the_film_after_the_rest_has_run_and_lists_the_error(world: World) -> None:
    world.journal.fail = {("image", "002-b")}
    world.pipeline.start("film", "new script")
    world.drain()
    ran = set(world.journal.ran)
    # What waits for the failed picture never ran; everything else, even what cannot lead to a film
    # now, did: its work is kept for the next run, and its errors would be listed too.
    every = {(s.stage, "") for s in STEPS.film_steps} | {
        (s.stage, n) for s in STEPS.scene_steps for n in SCENES
    }
    blocked = blocked_by(("image", "002-b"), STEPS)
    assert ("transition", "003-c") in blocked and ("publish", "") in blocked
    assert ran == every - blocked
    st = world.status()
    assert st["state"] == "failed"
    assert [(e["stage"], e["scene"]) for e in st["errors"]] == [("image", "002-b")]
    assert "image could not be made for 002-b" in st["errors"][0]["message"]
    states = {e["name"]: e["state"] for e in st["scenes"]}
    assert states["002-b"] == "failed" and states["001-a"] == "completed"

    # Fixed, a new run redoes only what failed and what follows it.
    world.journal.fail.clear()
    world.journal.ran.clear()
    world.pipeline.start("film", "edited scenes/002-b/scene.yaml")
    world.drain()
    assert set(world.journal.ran) == blocked | {("image", "002-b")}
    assert world.status()["state"] == "completed"


def test_a_superseded_run_drops_its_queued_steps_and_the_new_run_finishes(world: World) -> None:
    world.pipeline.start("film", "new script")
    world.drain(limit=6)
    before = list(world.journal.ran)
    assert 0 < len(before) < 20
    run = world.pipeline.start("film", "edited project.yaml")
    assert run == 2
    world.drain()
    st = world.status()
    assert (st["state"], st["run"], st["reason"]) == ("completed", 2, "edited project.yaml")
    # Whatever the first run had made was kept (same fingerprint): each step ran exactly once.
    assert len(world.journal.ran) == len(set(world.journal.ran))
    assert ("publish", "") in world.journal.ran


def test_cancel_stops_the_run_and_resume_carries_on_from_what_was_done(world: World) -> None:
    world.pipeline.start("film", "new script")
    world.drain(limit=5)
    assert world.ledger.cancel("film")
    done_before = list(world.journal.ran)
    world.drain()
    assert world.journal.ran == done_before, "a cancelled run ran more steps"
    assert world.status()["state"] == "cancelled"
    assert not world.ledger.cancel("film")  # nothing left to cancel
    world.pipeline.start("film", "scriptvid resume")
    world.drain()
    assert world.status()["state"] == "completed"
    assert len(world.journal.ran) == len(set(world.journal.ran))


def test_joins_happen_once_however_many_workers_finish_together(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.ensure()
    journal = Journal(pause=0.01)
    ledger = Ledger.open(tmp_path, "", STEPS)
    queues: dict[str, Any] = {
        pool: SqliteHuey(f"t-{pool}", filename=str(tmp_path / "q.db"), results=False)
        for pool in ("cpu", "gpu")
    }
    stages = {s.stage: FakeStage(s.stage, journal) for s in STEPS.steps}
    pipeline = Pipeline(root, ledger, queues, stages=stages)  # type: ignore[arg-type]
    project = create_project(root, "film")
    (project.source_dir / "film.fountain").write_text("INT. ROOM - DAY\n")
    intake.register(project, [], ledger)
    consumers = [
        q.create_consumer(workers=6, worker_type="thread", periodic=False, initial_delay=0.01, max_delay=0.05)
        for q in queues.values()
    ]
    for c in consumers:
        c.start()
    try:
        pipeline.start("film", "new script")
        deadline = time.monotonic() + 60
        while ledger.status("film")["state"] not in ("completed", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for c in consumers:
            c.stop(graceful=True)
    assert ledger.status("film")["state"] == "completed"
    for film_step in ("music", "mix", "assemble", "publish"):
        assert journal.ran.count((film_step, "")) == 1
    ran_after(journal.ran, STEPS)


OPEN_AT = """
import sys, time
from pathlib import Path
from scriptvid.ledger.models import open_database
at = float(sys.argv[2])
while time.time() < at:  # spun, not slept: waking from a sleep spreads the openers apart
    pass
db = open_database("", Path(sys.argv[1]))
print(db.execute_sql("pragma journal_mode").fetchone()[0])
"""


def test_daemons_starting_together_on_a_new_ledger_all_open_it(tmp_path: Path) -> None:
    # Switching a new SQLite file to WAL is refused at once while another connection holds it: before
    # this was handled, about one opener in six of four starting together died ("database is locked").
    for round_ in range(5):
        path, at = tmp_path / f"ledger-{round_}.db", time.time() + 1.5
        openers = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_AT, str(path), str(at)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for opener in openers:
            out, err = opener.communicate(timeout=120)
            assert opener.returncode == 0, err[-2000:]
            assert out.strip() == "wal"


def test_steps_of_a_stopped_worker_are_taken_over_and_live_ones_are_not(world: World) -> None:
    world.pipeline.start("film", "new script")
    (first,) = world.ledger.queued()
    assert world.ledger.begin(first.id, "elsewhere/1/1").step is not None
    assert world.ledger.take_over(gone=lambda w: False) == []  # alive, lease valid: left alone
    assert world.ledger.begin(first.id, "another/2/2").refused == "taken"
    (again,) = world.ledger.take_over(gone=lambda w: w == "elsewhere/1/1")
    assert again.id == first.id and again.attempt == 1
    st = world.status()
    assert "taken over" in st["attempts"]["parse"]["last_error"]
    # The stopped worker's late report changes nothing; the new holder's counts.
    claim = world.ledger.begin(first.id, "another/2/2")
    assert claim.step is not None
    assert world.ledger.finish(first.id, "elsewhere/1/1", "done", "x", {"scenes": SCENES}) == []
    assert world.ledger.finish(first.id, "another/2/2", "done", "x", {"scenes": SCENES})


def test_a_lease_that_ran_out_while_the_server_was_out_of_reach_is_left_to_its_worker_a_while(
    world: World,
) -> None:
    world.pipeline.start("film", "new script")
    (first,) = world.ledger.queued()
    world.ledger.begin(first.id, "elsewhere/1/1")
    StepRow.update(lease_until=time.time() - 1).where(StepRow.id == first.id).execute()
    world.ledger.out_of_reach_at = time.time()  # as patience marks it when the server answers again
    assert world.ledger.take_over(gone=lambda w: False) == []  # it could not renew: it gets a lease
    assert world.ledger.take_over(gone=lambda w: w == "elsewhere/1/1")  # known gone: taken at once
    world.ledger.begin(first.id, "elsewhere/1/1")
    StepRow.update(lease_until=time.time() - 1).where(StepRow.id == first.id).execute()
    world.ledger.out_of_reach_at = time.time() - world.ledger.lease - 1  # a lease later, still silent
    (again,) = world.ledger.take_over(gone=lambda w: False)
    assert again.id == first.id


def test_a_cancelled_run_is_reported_to_the_worker_that_renews_its_lease(world: World) -> None:
    world.pipeline.start("film", "new script")
    (first,) = world.ledger.queued()
    world.ledger.begin(first.id, "w/1/1")
    assert world.ledger.renew("w/1/1", [first.id]) == []
    world.ledger.cancel("film")
    assert world.ledger.renew("w/1/1", [first.id]) == [("film", 1)]


def test_status_json_deleted_or_spoiled_costs_nothing(world: World) -> None:
    world.pipeline.start("film", "new script")
    world.drain()
    status_file = world.root.projects / "film" / "status.json"
    good = json.loads(status_file.read_text())
    status_file.write_text("{not json")
    world.ledger.refresh_view("film")
    assert json.loads(status_file.read_text()) == good
    status_file.unlink()
    world.ledger.refresh_view("film")
    assert json.loads(status_file.read_text()) == good


def test_the_table_is_checked_when_it_is_made() -> None:
    with pytest.raises(ValueError, match="not a step"):
        Table([Step("parse", FILM), Step("image", SCENE, after=("drawing",))])
    with pytest.raises(ValueError, match="listed before"):
        Table(
            [
                Step("parse", FILM),
                Step("music", FILM, after_every=("voice",)),
                Step("voice", SCENE, after=("parse",)),
            ]
        )
    with pytest.raises(ValueError, match="use after_every"):
        Table(
            [
                Step("parse", FILM),
                Step("voice", SCENE, after=("parse",)),
                Step("music", FILM, after=("voice",)),
            ]
        )
    assert STEPS.first().stage == "parse"
    assert graph.PARSE_SHARE + graph.SCENES_SHARE + sum(
        s.share for s in STEPS.film_steps[1:]
    ) == pytest.approx(1.0)


def test_projects_made_before_the_ledger_keep_their_state_and_unfinished_ones_start(tmp_path: Path) -> None:
    from scriptvid.daemon.service import Service
    from scriptvid.settings import Settings

    root = Root(tmp_path)
    root.ensure()
    for name, state in (("done", "completed"), ("half", "running")):
        project = create_project(root, name)
        (project.source_dir / f"{name}.fountain").write_text("INT. ROOM - DAY\n")
        (project.settings_file).write_text("video: {fps: 12}\n")  # a person's edit, to be kept
        outputs = {"video": str(root.outbox / f"{name}.mp4")} if state == "completed" else {}
        old = {"state": state, "run": 3, "renders": 2, "title": "Old", "reason": "x", "outputs": outputs}
        project.status_file.write_text(json.dumps(old))
    service = Service(root, [], Settings())
    service.recover()
    done = service.ledger.status("done")
    assert (done["state"], done["run"], done["renders"], done["title"]) == ("completed", 3, 2, "Old")
    assert done["outputs"]["video"].endswith("done.mp4")
    half = service.ledger.status("half")
    assert (half["state"], half["reason"]) == ("queued", "daemon restarted")
    assert [r.stage for r in service.ledger.queued()] == ["parse"]
    assert (root.projects / "half" / "project.yaml").read_text() == "video: {fps: 12}\n"


def test_status_json_shows_a_step_within_the_view_delay_and_a_run_s_start_and_end_at_once(
    world: World,
) -> None:
    # The daemon lets a step's start and finish wait to be shown (one write for a burst of skipped steps).
    world.ledger.view_delay = 60.0
    world.pipeline.start("film", "new script")
    assert world.status()["state"] == "queued"
    world.drain(limit=1)  # parse: begun, which starts the film (shown at once), and finished (not yet)
    shown = world.status()
    assert (shown["state"], shown["stage"]) == ("running", "parse")
    world.ledger.show_due()  # what the daemon does when it stops
    now = world.status()
    assert now["stage"] != "parse" and now["progress"] > shown["progress"]

    # With a short delay the ledger's own thread writes it.
    world.ledger.view_delay = 0.2
    world.drain(limit=1)
    deadline = time.monotonic() + 30
    while world.status()["progress"] == now["progress"]:
        assert time.monotonic() < deadline, "the delayed status.json was never written"
        time.sleep(0.02)

    world.drain()  # the rest of the film: its end is shown at once, without waiting for the thread
    assert world.status()["state"] == "completed"
    world.ledger.show_due()
