"""What happens to a script, in order, and how the stages are wired to the queue.

    parse ──► per scene: image ──► voice ──► lipsync ──► animate ──┐
                                    │                              ├──► assemble ──► publish
                   (all scenes' voices) ──► music ──► mix ─────────┘

Each stage is a Huey task with the stage's name. A task runs its stage through the runner
(fingerprints, status.json, errors) and then enqueues what follows. The scenes fan out after parse
and fan in twice, each exactly once per run, decided under the project lock: once every scene has
its voice the film's length is known and the score is composed and mixed with the dialogue, while
the scenes are animated; once every scene is animated and the sound is done, the film is assembled.

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
from .stages import animate, assemble, image, lipsync, mix, music, parse, publish, voice

PARSE = parse
SCENE_STAGES: tuple[runner.Stage, ...] = (image, voice, lipsync, animate)
FILM_STAGES: tuple[runner.Stage, ...] = (music, mix, assemble, publish)
# status.py reports progress by these names without importing the stages.
assert tuple(s.NAME for s in SCENE_STAGES) == status.SCENE_STAGES
assert tuple(s.NAME for s in FILM_STAGES) == status.FILM_STAGES

# Higher goes first. Film stages finish projects that are nearly done, so they go before new scene
# work; a scene's short stages go before the long animations, so that every voice is ready early
# (the score waits for all of them) and no scene's lipsync waits behind the other scenes' pictures.
# Animations go longest first (see _priority), so the render does not end on one long scene while
# the other workers have nothing left to do.
_PRIORITY = {
    PARSE.NAME: 5,
    **{s.NAME: 1 for s in SCENE_STAGES},
    animate.NAME: 0,
    **{s.NAME: 10 for s in FILM_STAGES},
}


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
            st["music_queued"] = False
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
        priority = self._priority(stage, project, scene)
        if delay:
            task.schedule((project, scene, run, attempt), delay=delay, priority=priority)
        else:
            task(project, scene, run, attempt, priority=priority)

    def _priority(self, stage: str, project: str, scene: str | None) -> float:
        """The stage's priority; an animation's grows with its scene's length (0 to 0.999)."""
        if stage != animate.NAME or scene is None:
            return _PRIORITY[stage]
        try:
            cues = fsutil.read_json(self.root.project(project).scenes_dir / scene / "voice" / "cues.json", {})
            return min(float(cues.get("duration", 0.0)), 999.0) / 1000
        except (OSError, ValueError, TypeError, AttributeError):  # the task itself will say what is wrong
            return 0.0

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
                self._fan_in(project, run)

        task.__name__ = stage.NAME
        return task

    def _after(self, stage: str, project: str, scene: str | None, run: int, ran: bool) -> None:
        if stage == PARSE.NAME:
            parsed = fsutil.read_json(self.root.project(project).path / "script.json", {})
            for name in parsed.get("scenes", []):
                self._enqueue(SCENE_STAGES[0].NAME, project, name, run)
        elif scene is not None:
            names = [s.NAME for s in SCENE_STAGES]
            position = names.index(stage)
            if position + 1 < len(names):
                self._enqueue(names[position + 1], project, scene, run)
            if stage == voice.NAME or position + 1 == len(names):
                self._fan_in(project, run)
        elif stage == music.NAME:
            self._enqueue(mix.NAME, project, None, run)
        elif stage == mix.NAME:
            self._fan_in(project, run)
        elif stage == assemble.NAME:
            self._enqueue(publish.NAME, project, None, run)
        else:
            self._finish(project, published=ran)

    def _fan_in(self, project_name: str, run: int) -> None:
        """Where the scenes meet the film, decided once per run under the project lock:

        - every scene has its voice: the film's length is known, so the score is composed while
          the scenes are still being animated;
        - every scene has ended and the sound is mixed: the film is assembled;
        - every scene has ended and one failed: the project fails with every error listed.
        """
        project = self.root.project(project_name)
        decisions: list[str] = []

        def change(st: dict[str, Any]) -> None:
            if st.get("run") != run or st.get("state") not in ("queued", "running"):
                return
            entries = st.get("scenes", [])
            failed = any(e["state"] == "failed" for e in entries)
            ended = all(e["state"] == "failed" or set(e["done"]) >= set(status.SCENE_STAGES) for e in entries)
            if not failed and not st.get("music_queued") and all(voice.NAME in e["done"] for e in entries):
                st["music_queued"] = True
                decisions.append(music.NAME)
            if ended and failed:
                st["state"] = "failed"
                st["finished"] = status.now_iso()
                decisions.append("failed")
            elif ended and mix.NAME in st.get("done", []) and not st.get("fanned_in"):
                st["fanned_in"] = True
                decisions.append(assemble.NAME)

        status.update(project, change)
        for decision in decisions:
            if decision == "failed":
                log.get().error(
                    "project failed", project=project_name, errors=status.read(project).get("errors")
                )
            else:
                self._enqueue(decision, project_name, None, run)

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
