"""What happens to a script, in order, and how the stages are wired to the queue.

    parse ──► per scene: image ──► voice ──► lipsync ──► animate ──┐
                                                                   ├──► music ──► assemble ──► publish
                                                    (all scenes) ──┘

Each stage is a Huey task with the stage's name. A task runs its stage through the runner
(fingerprints, status.json, errors) and then enqueues what follows. The scenes fan out after parse;
the last scene to finish fans in to music, exactly once per run, decided under the project lock.

The voice comes before the picture is animated because the scene's length is the length of its
dialogue; lipsync turns the voice into mouth movements, and animate renders camera, parallax and
mouths in one pass, so each scene is encoded once.
"""

from __future__ import annotations

import time
from typing import Any

from huey import Huey

from . import fsutil, log, runner, status
from .project import Project, Root
from .stages import animate, assemble, image, lipsync, music, parse, publish, voice

PARSE = parse
SCENE_STAGES: tuple[runner.Stage, ...] = (image, voice, lipsync, animate)
FILM_STAGES: tuple[runner.Stage, ...] = (music, assemble, publish)
# status.py reports progress by these names without importing the stages.
assert tuple(s.NAME for s in SCENE_STAGES) == status.SCENE_STAGES
assert tuple(s.NAME for s in FILM_STAGES) == status.FILM_STAGES

# Film stages finish projects that are nearly done, so they go before new scene work.
_PRIORITY = {PARSE.NAME: 5, **{s.NAME: 0 for s in SCENE_STAGES}, **{s.NAME: 10 for s in FILM_STAGES}}


class Pipeline:
    """The stages registered as tasks on one Huey instance, for the projects under one root."""

    def __init__(self, huey: Huey, root: Root, retries: int = 3) -> None:
        self.huey = huey
        self.root = root
        self.retries = retries
        log.copy_project_events_under(root.projects)
        self.tasks: dict[str, Any] = {}
        for stage in (PARSE, *SCENE_STAGES, *FILM_STAGES):
            self.tasks[stage.NAME] = huey.task(name=stage.NAME, priority=_PRIORITY[stage.NAME])(
                self._task_for(stage)
            )

    # -- starting ----------------------------------------------------------------------------

    def start(self, project: Project, reason: str) -> int:
        """Begin a new run of the whole pipeline; finished stages are skipped by fingerprint.

        Tasks of an earlier run still in the queue see the new run number and drop themselves.
        """

        def change(st: dict[str, Any]) -> None:
            st["run"] = int(st.get("run", 0)) + 1
            st["state"] = "queued"
            st["stage"] = None
            st["reason"] = reason
            st["queued"] = status.now_iso()
            st["errors"] = []
            st["attempts"] = {}
            st["done"] = []
            st["fanned_in"] = False
            for entry in st.get("scenes", []):
                entry.update(state="queued", stage=None, done=[])
            for key in ("started", "started_ts", "finished"):
                st.pop(key, None)

        st = status.update(project, change)
        log.get().info("project queued", project=project.name, run=st["run"], reason=reason)
        self._enqueue(PARSE.NAME, project.name, None, st["run"])
        return int(st["run"])

    def _enqueue(
        self, stage: str, project: str, scene: str | None, run: int, attempt: int = 0, delay: float = 0.0
    ) -> None:
        task = self.tasks[stage]
        if delay:
            task.schedule((project, scene, run, attempt), delay=delay)
        else:
            task(project, scene, run, attempt)

    # -- what follows each stage -------------------------------------------------------------

    def _task_for(self, stage: runner.Stage) -> Any:
        def task(project: str, scene: str | None, run: int, attempt: int = 0) -> None:
            outcome = runner.execute(
                stage,
                self.root,
                project,
                run,
                scene,
                attempt,
                self.retries,
                on_fail=lambda st, msg: self._on_fail(st, scene),
            )
            if outcome.kind == "retry":
                self._enqueue(stage.NAME, project, scene, run, attempt + 1, outcome.delay)
            elif outcome.kind in ("done", "skipped"):
                self._after(stage.NAME, project, scene, run, ran=outcome.kind == "done")
            elif outcome.kind == "failed" and scene is not None:
                self._scene_ended(project, run)

        task.__name__ = stage.NAME
        return task

    def _after(self, stage: str, project: str, scene: str | None, run: int, ran: bool) -> None:
        if stage == PARSE.NAME:
            parsed = fsutil.read_json(self.root.project(project).path / "script.json", {})
            for name in parsed.get("scenes", []):
                self._enqueue(SCENE_STAGES[0].NAME, project, name, run)
            return
        names = [s.NAME for s in SCENE_STAGES] if scene else [s.NAME for s in FILM_STAGES]
        position = names.index(stage)
        if position + 1 < len(names):
            self._enqueue(names[position + 1], project, scene, run)
        elif scene:
            self._scene_ended(project, run)
        else:
            self._finish(project, published=ran)

    def _scene_ended(self, project_name: str, run: int) -> None:
        """Fan-in: the last scene of this run to end (done or failed) moves the film on, once."""
        project = self.root.project(project_name)
        decision: dict[str, str] = {}

        def change(st: dict[str, Any]) -> None:
            if st.get("run") != run or st.get("fanned_in"):
                return
            entries = st.get("scenes", [])
            ended = [
                e
                for e in entries
                if e["state"] == "failed" or set(e["done"]) >= {s.NAME for s in SCENE_STAGES}
            ]
            if len(ended) < len(entries):
                return
            st["fanned_in"] = True
            if any(e["state"] == "failed" for e in entries):
                st["state"] = "failed"
                st["finished"] = status.now_iso()
                decision["next"] = "failed"
            else:
                decision["next"] = FILM_STAGES[0].NAME

        status.update(project, change)
        if decision.get("next") == FILM_STAGES[0].NAME:
            self._enqueue(FILM_STAGES[0].NAME, project_name, None, run)
        elif decision.get("next") == "failed":
            log.get().error("project failed", project=project_name, errors=status.read(project).get("errors"))

    def _on_fail(self, st: dict[str, Any], scene: str | None) -> None:
        """A failed scene waits for the fan-in; a failed film-level stage fails the project now."""
        if scene is None:
            st["state"] = "failed"
            st["finished"] = status.now_iso()

    def _finish(self, project_name: str, published: bool) -> None:
        """The film is in the outbox; `published` is false when it was already there, unchanged."""
        project = self.root.project(project_name)

        def change(st: dict[str, Any]) -> None:
            st["state"] = "completed"
            st["stage"] = None
            st["finished"] = status.now_iso()
            st["renders"] = int(st.get("renders", 0)) + int(published)
            if st.get("started_ts"):
                st["render_seconds"] = round(time.time() - st["started_ts"], 2)

        st = status.update(project, change)
        log.get().info(
            "project completed",
            project=project_name,
            video=st.get("outputs", {}).get("video"),
            seconds=st.get("render_seconds"),
        )
