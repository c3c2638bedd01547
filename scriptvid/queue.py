"""The queues: one Huey queue per pool (cpu, gpu). On one machine, SQLite in the data folder (one
file, nothing to run); for a cluster (`queue.url: redis://...`), Huey's Redis storage with
priorities, shared by every daemon and worker. The ledger decides what runs; the queues only carry
step numbers to the workers, so a queue that loses what it held (Redis restarted without its
snapshot) loses nothing: the daemon hands out again what the ledger has queued and no queue holds."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from huey import Huey, SqliteHuey
from huey.consumer import Consumer, Worker

from .errors import ConfigError
from .graph import CPU, GPU
from .project import Root
from .settings import QueueSettings

POOLS = (CPU, GPU)


def make_queues(root: Root, settings: QueueSettings | None = None) -> dict[str, Huey]:
    if settings is not None and settings.url:
        return _redis_queues(settings)
    # results=False: steps report to the ledger, not to Huey's result store.
    # timeout: a worker waits this long for a database lock before the task is retried.
    return {
        pool: SqliteHuey(
            name=f"scriptvid-{pool}", filename=str(root.queue_db), results=False, timeout=30, utc=True
        )
        for pool in POOLS
    }


def secret(env: str, file: str, key: str) -> str | None:
    """A password from the environment variable `env`, or else the first line of `file` (named by
    the setting `key`); None when neither is given."""
    if os.environ.get(env):
        return os.environ[env]
    if not file:
        return None
    try:
        lines = Path(file).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file} cannot be read: {exc.__class__.__name__}", key=key) from None
    return lines[0].strip() if lines else ""


def _redis_queues(settings: QueueSettings) -> dict[str, Huey]:
    try:
        from huey import PriorityRedisHuey
        from redis import ConnectionPool
    except ImportError:
        raise ConfigError(
            "the redis package is missing: pip install 'scriptvid[cluster]'", key="queue.url"
        ) from None
    # One pool of connections for both queues; a connection that died with its server is noticed
    # before it is used (health checks) and every call gives up after a few seconds, so that a
    # Redis restart costs a worker a few failed polls, not a hang.
    connections = ConnectionPool.from_url(
        settings.url,
        password=secret("REDIS_PASSWORD", settings.password_file, "queue.password_file"),
        health_check_interval=5,
        socket_connect_timeout=5,
        socket_timeout=10,
        retry_on_timeout=True,
    )
    return {
        pool: PriorityRedisHuey(
            name=f"scriptvid-{pool}", connection_pool=connections, results=False, utc=True, blocking=False
        )
        for pool in POOLS
    }


# Huey's workers poll their queue, sleeping longer each time they find it empty (up to max_delay). A
# step handed out by this process wakes its sleeping workers at once: the first step of a run (a
# drop, an edit) waited up to half a second for one, and so did every step an idle worker could take.
_handed_out = threading.Condition()


def handed_out() -> None:
    """Steps were put on a queue by this process: its idle workers look at once."""
    with _handed_out:
        _handed_out.notify_all()


class _Worker(Worker):
    delay: float  # Huey's: how long an empty queue is slept on, growing by `backoff`

    def sleep(self) -> None:
        self.delay = min(self.delay, self.max_delay)
        with _handed_out:
            _handed_out.wait(self.delay)
        self.delay *= self.backoff


class _Consumer(Consumer):
    worker_class = _Worker


def consumer(huey: Huey, workers: int) -> Any:
    """A consumer of one queue: worker threads, none of Huey's periodic tasks, quick to pick up work
    (at once when this process hands it out, within max_delay when another one does)."""
    return _Consumer(
        huey,
        workers=workers,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,
        max_delay=0.5,
        shutdown_timeout=20,
    )
