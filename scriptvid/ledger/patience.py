"""A ledger on a server (PostgreSQL) outlives its connections: a server restarted mid-render breaks
every connection the workers hold. Each public call of the ledger is then made again on a new
connection, after a pause, until the server answers again or `WAIT` seconds have gone by. A call is
one transaction (or none), so making it again is safe: it either committed or left nothing behind.
On SQLite (one file, no server) nothing changes."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from typing import Any

import peewee

from .. import log

WAIT = 600.0  # seconds a call waits for the server before its error is let through
PAUSE = 1.0


def patient(cls: type) -> type:
    """`cls` with each public method made again when the server's connection breaks."""
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_"):
            setattr(cls, name, _again_on_lost_connection(method))
    return cls


def _again_on_lost_connection(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        db = getattr(self.db, "obj", self.db)  # (the ledger's tables are bound through a proxy)
        deadline = time.monotonic() + WAIT
        said = False
        while True:
            try:
                return method(self, *args, **kwargs)
            except (peewee.OperationalError, peewee.InterfaceError) as exc:
                # Only a server's broken connection, and only by the outermost call: an inner one
                # is part of its caller's transaction, which is made again as a whole.
                if isinstance(db, peewee.SqliteDatabase) or db.in_transaction():
                    raise
                if time.monotonic() > deadline:
                    raise
                self.out_of_reach_at = time.time()  # (leases could not be renewed meanwhile: see take_over)
                if not said:
                    log.get().warning(
                        "ledger: the database is out of reach; waiting for it",
                        call=method.__name__,
                        error=str(exc).strip()[:200],
                    )
                    said = True
                try:
                    db.close()
                except Exception:  # a connection broken beyond closing: dropped, a new one is made
                    db._state.reset()
                time.sleep(PAUSE)

    return call
