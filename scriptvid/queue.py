"""The task queue: Huey on SQLite in the data folder (one file, nothing to run)."""

from __future__ import annotations

from huey import SqliteHuey

from .project import Root


def make_huey(root: Root) -> SqliteHuey:
    # results=False: stages report through status.json, not through Huey's result store.
    # timeout: a worker waits this long for a database lock before the task is retried.
    return SqliteHuey(name="scriptvid", filename=str(root.queue_db), results=False, timeout=30, utc=True)
