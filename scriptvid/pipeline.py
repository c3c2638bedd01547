"""What happens to a script, in order, and how the steps are wired to the queues.

    parse ─► cast ─► per scene: image ─┐
      └────────► per scene: voice ─────┴─► lipsync ─► animate ─► transition ─────┐ (every scene)
                              │                                  ▲               │
                              ├─► (every scene's voice) ─► title ┘               │
                              ├─► (every scene's picture and voice) ─► preview    │
                              └─► (every scene's voice) ─► music ─► mix ──────────┴─► assemble ─► publish

`STEPS` is the table: for each step its stage, whether it runs once per film or once per scene, what
it comes after, and the pool of workers it runs on. The ledger reads it to decide, inside each
transition, which steps became ready; `Pipeline` hands those to the queue of their pool (one Huey
queue per pool), and a worker runs each through the runner. Nothing else knows the order.

`cast` makes a reference picture per character, once per film, where the image backend draws from
them (an IP-Adapter): a character is then the same person in every scene. The voice comes before
the picture is animated because a scene lasts as long as its dialogue;
lipsync turns the voice into mouth movements, and animate renders camera, parallax and mouths in
one pass, so each scene is encoded once. A scene's `transition` is the blend from the scene before
into it (or from the title card), made as soon as both sides are animated, so that assembly only
joins what is there. `music` waits for every scene's voice: the film's length is known then, and
the score and the sound are made while the pictures are still being animated.
"""

from __future__ import annotations

import threading
from typing import Any

from huey import Huey

from . import backends, log, proc, queue, runner
from .graph import CPU, FILM, GPU, SCENE, Step, Table
from .ledger import Ledger, Ready, this_worker
from .project import Root
from .stages import (
    animate,
    assemble,
    cast,
    image,
    lipsync,
    mix,
    music,
    parse,
    preview,
    publish,
    title,
    transition,
    voice,
)

# Higher priority goes first. Film steps finish projects that are nearly done, so they go before
# new scene work; a scene's short steps go before the long animations, so that every voice is
# ready early (the score waits for all of them); animations go longest first (see _priority), so a
# render does not end on one long scene while the other workers have nothing left to do.
# A voice needs only the parsed scene, and the voices go first, longest first, the pictures after
# them: the first look waits for both, and ends sooner on a few short pictures than on a long voice
# spoken alone (each voice after its scene's picture, the last scene's long voice came last).
# The title card waits for every scene's voice (it is needed only by the first transition): ready
# at the parse, it took a worker for its 2.7-4.9 s at 1080p beside the pictures and voices that the
# preview waits for (a lower priority did not stop that: it was the only step ready at the time).
STEPS = Table(
    [
        Step("parse", FILM, pool=CPU, priority=5, share=0.10),
        Step("cast", FILM, after=("parse",), pool=GPU, priority=3, share=0.01),
        Step("image", SCENE, after=("cast",), pool=GPU, priority=1),
        Step("voice", SCENE, after=("parse",), pool=GPU, priority=1),  # + its length: before the images
        Step("title", FILM, after_every=("voice",), pool=CPU, priority=0.5, share=0.01),
        Step("lipsync", SCENE, after=("image", "voice"), pool=GPU, priority=1),
        Step("animate", SCENE, after=("lipsync",), pool=GPU, priority=0),
        Step("transition", SCENE, after=("animate", "title"), after_previous=("animate",), priority=2),
        # The first look: made as soon as every scene has its picture and voice, before the animations.
        Step("preview", FILM, after_every=("image", "voice"), priority=10, share=0.02),
        # After the pictures still to draw (the first look waits for them), before the animations.
        Step("music", FILM, after_every=("voice",), pool=GPU, priority=0.9, share=0.04),
        Step("mix", FILM, after=("music",), priority=10, share=0.04),
        Step("assemble", FILM, after=("mix",), after_every=("transition",), priority=10, share=0.06),
        Step("publish", FILM, after=("assemble",), priority=10, share=0.02),
    ]
)

STAGES: dict[str, runner.Stage] = {
    s.NAME: s
    for s in (
        parse,
        title,
        cast,
        image,
        voice,
        lipsync,
        animate,
        transition,
        preview,
        music,
        mix,
        assemble,
        publish,
    )
}
assert set(STAGES) == set(STEPS.by_stage), "every step has its stage module"
# Scene steps whose priority grows with their scene's length (see Pipeline._priority).
BY_LENGTH = {animate.NAME: animate.priority, voice.NAME: voice.priority}
# Steps that use another stage's backend: the cast's portraits are made by the image backend.
BACKEND_OF = {cast.NAME: image.NAME}

HEARTBEAT = 2.0  # seconds between renewals of this process's leases
BUSY_WAIT = 1.0  # seconds before a step that waits for an older run's copy of itself tries again


class Pipeline:
    """The steps registered as tasks on the queues of their pools, for the projects under one root."""

    def __init__(
        self,
        root: Root,
        ledger: Ledger,
        queues: dict[str, Huey],
        service: runner.Layers = (),
        retries: int = 3,
        stages: dict[str, runner.Stage] = STAGES,
    ) -> None:
        self.root = root
        self.ledger = ledger
        self.queues = queues
        log.copy_project_events_under(root.projects)
        self.service = service
        self.retries = retries
        self.stages = stages
        self.worker = this_worker()
        self.held: set[int] = set()  # steps this process runs now
        self._held_lock = threading.Lock()
        self.tasks: dict[str, dict[str, Any]] = {
            pool: {
                name: huey.task(name=name, priority=STEPS[name].priority)(self._task_for(name))
                for name in stages
            }
            for pool, huey in queues.items()
        }

    # -- handing out steps ----------------------------------------------------------------------------

    def start(self, project: str, reason: str) -> int:
        """A new run of the whole table; finished work is skipped by fingerprint."""
        number, ready = self.ledger.start_run(project, reason)
        self.enqueue(ready)
        return number

    def enqueue(self, steps: list[Ready], delay: float = 0.0) -> None:
        """Hand the steps to their pool's queue. A queue out of reach (a Redis restarting) loses
        nothing: the steps are queued in the ledger, and the daemon hands them out again."""
        for step in steps:
            task = self.tasks[self._pool(step)][step.stage]
            priority = self._priority(step)
            try:
                if delay:
                    task.schedule((step.id,), delay=delay, priority=priority)
                else:
                    task(step.id, priority=priority)
            except Exception as exc:  # redis's and huey's errors of a queue out of reach
                log.get().warning(
                    "step not handed to its queue; it is handed out again later",
                    stage=step.stage,
                    step=step.id,
                    error=str(exc)[:200],
                )
        if steps and not delay:
            queue.handed_out()

    def _pool(self, step: Ready) -> str:
        """The pool of the step's workers: `gpu` only for a gpu step whose backend runs on a GPU."""
        if STEPS[step.stage].pool == CPU or GPU not in self.queues:
            return CPU
        try:
            film = runner.film_settings(self.root.project(step.project), self.service)
            return backends.pool(BACKEND_OF.get(step.stage, step.stage), film)
        except Exception:  # settings that cannot be read: the step fails with the reason, on a cpu worker
            return CPU

    def _priority(self, step: Ready) -> float:
        """The step's priority; an animation's and a voice's grow with their scene's length (0 to
        0.999), so the longest go first."""
        base = STEPS[step.stage].priority
        by_length = BY_LENGTH.get(step.stage)
        if by_length is None or step.scene is None:
            return base
        return base + by_length(self.root.project(step.project), step.scene)

    # -- running a step -------------------------------------------------------------------------------

    def _task_for(self, name: str) -> Any:
        def task(step_id: int) -> None:
            self.run_step(name, step_id)

        task.__name__ = name
        return task

    def run_step(self, name: str, step_id: int) -> None:
        claim = self.ledger.begin(step_id, self.worker)
        step = claim.step
        if step is None:
            if claim.refused == "busy" and (again := self.ledger.step(step_id)) is not None:
                self.enqueue([again], delay=BUSY_WAIT)
            elif claim.refused in ("superseded", "cancelled", "ended"):
                log.get().info("step dropped: its run " + claim.refused, stage=name, step=step_id)
            return
        with self._held_lock:
            self.held.add(step_id)
        try:
            outcome = runner.execute(
                self.stages[name],
                self.root,
                step.project,
                step.run,
                step.scene,
                step.attempt,
                self.retries,
                self.service,
                lambda stage, scene: self.ledger.output(step.project, stage, scene),
            )
        finally:
            with self._held_lock:
                self.held.discard(step_id)
        self._report(step, outcome)

    def _report(self, step: Ready, outcome: runner.Outcome) -> None:
        if outcome.kind in ("done", "skipped"):
            self.enqueue(
                self.ledger.finish(step.id, self.worker, outcome.kind, outcome.fingerprint, outcome.result)
            )
        elif outcome.kind == "retry":
            again = self.ledger.retry(step.id, self.worker, outcome.message)
            if again is not None:
                self.enqueue([again], delay=outcome.delay)
        elif outcome.kind == "failed":
            self.enqueue(self.ledger.fail(step.id, self.worker, outcome.message))
        elif outcome.kind == "cancelled":
            cancel(self.ledger, step.project)
            self.ledger.drop(step.id, self.worker)
        else:  # gone: the project's folder was removed
            self.ledger.drop(step.id, self.worker)

    # -- staying alive --------------------------------------------------------------------------------

    def heartbeat(self, stop: threading.Event) -> threading.Thread:
        """A thread that renews this process's leases until `stop`, and stops the children of any
        project that was cancelled meanwhile (by another process: a person's CANCEL seen by a daemon)."""

        def beat() -> None:
            while not stop.wait(HEARTBEAT):
                with self._held_lock:
                    held = list(self.held)
                try:
                    for project, run in self.ledger.renew(self.worker, held):
                        proc.kill_project(project, run)
                except Exception as exc:  # a ledger out of reach for a moment: try again next beat
                    log.get().warning("leases not renewed", error=str(exc))

        thread = threading.Thread(target=beat, name="scriptvid-heartbeat", daemon=True)
        thread.start()
        return thread

    def recover(self) -> None:
        """Hand out again what no worker has: steps whose worker stopped (taken over), and queued
        steps that are not in their queue (a crash between a transition and its enqueue)."""
        self.enqueue(self.ledger.take_over())
        try:
            waiting = {
                int(t.args[0]) for huey in self.queues.values() for t in (*huey.pending(), *huey.scheduled())
            }
        except Exception as exc:  # a queue out of reach: asked again at the next look
            log.get().warning("the queues cannot be read now", error=str(exc)[:200])
            return
        # (A step a worker took from its queue a moment ago and has not begun yet is queued once more:
        # the ledger gives it to one worker only, the other drops it.)
        self.enqueue([r for r in self.ledger.queued() if r.id not in waiting])


def cancel(ledger: Ledger, project: str) -> None:
    """A person created CANCEL: the run stops, and this process's children working for it are killed
    (other processes' children are killed when their heartbeat hears of it)."""
    run = ledger.active_run(project)
    if run is None:
        return
    killed = proc.kill_project(project, run)
    if ledger.cancel(project):
        log.get().info("project stopped", project=project, children_stopped=killed)
