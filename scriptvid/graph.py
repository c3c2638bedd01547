"""The step table's vocabulary: what a step is, and when one is ready to run.

pipeline.py writes the table; the ledger reads it to decide, inside each transition, which steps
became ready. Nothing else knows the order of the stages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

FILM, SCENE = "film", "scene"
CPU, GPU = "cpu", "gpu"
PARSE_SHARE, SCENES_SHARE = 0.1, 0.7  # of the progress bar: parse, then the scenes, then the film's steps


@dataclass(frozen=True)
class Step:
    """One row of the table.

    `after` names the steps that must be done first: for a scene step, a scene stage means the same
    scene's step and a film stage the film's; for a film step, film stages. `after_every` names scene
    stages that every scene must have done; `after_previous` scene stages that the scene before this
    one must have done (the first scene has none before it). `pool` is where the step runs: `gpu`
    means on the gpu pool's workers when the stage's backend runs on a GPU, else on the cpu pool's.
    Higher `priority` goes first. `share` is a film step's part of the progress bar.
    """

    stage: str
    per: str
    after: tuple[str, ...] = ()
    after_every: tuple[str, ...] = ()
    after_previous: tuple[str, ...] = ()
    pool: str = CPU
    priority: float = 0.0
    share: float = 0.0


# (stage, scene position or None) -> whether that step is done in the run
Done = Callable[[str, int | None], bool]


class Table:
    """The steps in order, checked once: every name is a step, and no step waits for itself."""

    def __init__(self, steps: Iterable[Step]) -> None:
        self.steps = tuple(steps)
        self.by_stage = {s.stage: s for s in self.steps}
        if len(self.by_stage) != len(self.steps):
            raise ValueError("a stage is listed twice in the step table")
        for s in self.steps:
            for name in (*s.after, *s.after_every, *s.after_previous):
                if name not in self.by_stage:
                    raise ValueError(f"step {s.stage} comes after {name!r}, which is not a step")
            for name in (*s.after_every, *s.after_previous):
                if self.by_stage[name].per != SCENE:
                    raise ValueError(f"step {s.stage} waits for scenes' {name}, a film step")
            if s.per == FILM and any(self.by_stage[n].per == SCENE for n in s.after):
                raise ValueError(f"film step {s.stage} names scene steps in `after`; use after_every")
        self._check_order()

    def _check_order(self) -> None:
        """Every step's prerequisites are listed before it: the table reads in the order things happen."""
        seen: set[str] = set()
        for s in self.steps:
            missing = [n for n in (*s.after, *s.after_every, *s.after_previous) if n not in seen]
            if missing:
                raise ValueError(
                    f"step {s.stage} is listed before {', '.join(missing)}, which it comes after"
                )
            seen.add(s.stage)

    def __getitem__(self, stage: str) -> Step:
        return self.by_stage[stage]

    @property
    def film_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.per == FILM)

    @property
    def scene_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.per == SCENE)

    def first(self) -> Step:
        """The step a run starts with: the one that comes after nothing."""
        (start,) = [s for s in self.steps if not (s.after or s.after_every or s.after_previous)]
        return start

    def ready(self, step: Step, position: int | None, scenes: int, done: Done) -> bool:
        """Whether `step` (for the scene at `position`, None for a film step) may run now, in a film
        of `scenes` scenes (known once the first step is done), given what is done."""
        for name in step.after:
            dep = self.by_stage[name]
            if not done(name, position if dep.per == SCENE else None):
                return False
        if step.after_every and not done(self.first().stage, None):
            return False  # the scenes are not known yet
        for name in step.after_every:
            if not all(done(name, k) for k in range(scenes)):
                return False
        if position:
            for name in step.after_previous:
                if not done(name, position - 1):
                    return False
        return True

    def progress(self, scenes: int, done: Done) -> float:
        """0..1: the first step's share, the scenes' share split evenly, the film steps' shares."""
        total = PARSE_SHARE if done(self.first().stage, None) else 0.0
        per_scene = self.scene_steps
        if scenes and per_scene:
            part = SCENES_SHARE / scenes / len(per_scene)
            total += part * sum(1 for s in per_scene for k in range(scenes) if done(s.stage, k))
        total += sum(s.share for s in self.film_steps if s is not self.first() and done(s.stage, None))
        return round(min(total, 1.0), 4)
