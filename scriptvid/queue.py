"""The queues: one Huey queue per pool (cpu, gpu), on SQLite in the data folder (one file, nothing
to run). The ledger decides what runs; the queues only carry step numbers to the workers."""

from __future__ import annotations

from typing import Any

from huey import Huey, SqliteHuey

from .graph import CPU, GPU
from .project import Root

POOLS = (CPU, GPU)


def make_queues(root: Root) -> dict[str, Huey]:
    # results=False: steps report to the ledger, not to Huey's result store.
    # timeout: a worker waits this long for a database lock before the task is retried.
    return {
        pool: SqliteHuey(
            name=f"scriptvid-{pool}", filename=str(root.queue_db), results=False, timeout=30, utc=True
        )
        for pool in POOLS
    }


def consumer(huey: Huey, workers: int) -> Any:
    """A consumer of one queue: worker threads, none of Huey's periodic tasks, quick to pick up work."""
    return huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,
        max_delay=0.5,
        shutdown_timeout=20,
    )
