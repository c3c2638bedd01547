"""Leases: a worker holds each step it runs for `lease` seconds and renews the hold while it runs;
the steps of a worker that stopped renewing (a machine that vanished, a process that died) are
queued again for another. A part of `Ledger`."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import peewee

from .. import log
from .models import ACTIVE, RunRow, StepRow, step_with_run
from .workers import worker_gone

if TYPE_CHECKING:
    from . import Ready


class Leases:
    """The ledger's leases on running steps (a part of `Ledger`, whose transitions it uses)."""

    db: peewee.DatabaseProxy
    lease: float
    out_of_reach_at: float
    _transition: Callable[[str], AbstractContextManager[Any]]
    _ready_of: Callable[[RunRow, list[StepRow]], list[Ready]]

    def renew(self, worker: str, step_ids: list[int]) -> list[tuple[str, int]]:
        """Extend `worker`'s lease on the steps it runs; returns (project, run) of those whose run
        was cancelled meanwhile (the worker stops that run's children, not a resumed run's)."""
        if not step_ids:
            return []
        with self.db.atomic():
            StepRow.update(lease_until=time.time() + self.lease).where(
                StepRow.id.in_(step_ids), StepRow.worker == worker, StepRow.state == "running"
            ).execute()
            cancelled = (
                RunRow.select(RunRow.project, RunRow.number)
                .join(StepRow)
                .where(StepRow.id.in_(step_ids), RunRow.state == "cancelled")
                .distinct()
            )
            return [(r.project_id, r.number) for r in cancelled]

    def take_over(self, gone: Callable[[str], bool] = worker_gone) -> list[Ready]:
        """Steps whose worker stopped (its lease ran out, or it is known to be gone): queued again,
        for another worker. A step whose worker is alive is never taken.

        A lease that ran out while the server was out of reach (a PostgreSQL restarted) says nothing
        of its worker, which could not renew it either: for one lease after this process finds the
        server back, only workers known to be gone are taken over; the others renew meanwhile."""
        now = time.time()
        running = (
            StepRow.select(StepRow, RunRow)
            .join(RunRow)
            .where(StepRow.state == "running", RunRow.state.in_(ACTIVE))
        )
        expiry_says = now - self.out_of_reach_at > self.lease
        lost = [s for s in running if gone(s.worker) or (expiry_says and (s.lease_until or 0) < now)]
        ready = []
        for s in lost:
            with self._transition(s.run.project_id):
                step = step_with_run(s.id)
                if step.state != "running" or step.worker != s.worker:
                    continue
                step.attempts += 1
                step.last_error = f"its worker ({step.worker}) stopped; taken over"
                step.state, step.worker, step.lease_until, step.queued = "queued", "", None, now
                step.save()
                ready += self._ready_of(step.run, [step])
            log.get().warning(
                "step taken over: its worker stopped",
                project=s.run.project_id,
                stage=s.stage,
                scene=s.scene or None,
                worker=s.worker,
            )
        return ready
