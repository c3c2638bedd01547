"""status.json written a little later: one writer thread of the ledger shows, within `view_delay`,
the transitions that said they may wait, with one write for all that happened meanwhile (a re-render's
sixty skipped steps took a write each inside their transaction, which the workers waited for)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from .. import log


class DelayedViews:
    """The ledger's writer of the views that wait (a mixin: the transaction is the ledger's)."""

    view_delay: float
    _due: dict[str, float]  # project -> when its status.json is to be written
    _due_cond: threading.Condition
    _shower: threading.Thread | None
    _transition: Callable[[str], AbstractContextManager[Any]]

    def _show_soon(self, project: str) -> None:
        with self._due_cond:
            self._due.setdefault(project, time.monotonic() + self.view_delay)
            if self._shower is None:  # one thread, one connection, for every view that waits
                self._shower = threading.Thread(target=self._show_when_due, name="status.json", daemon=True)
                self._shower.start()
            self._due_cond.notify()

    def _show_when_due(self) -> None:
        while True:
            with self._due_cond:
                while not self._due or (wait := min(self._due.values()) - time.monotonic()) > 0:
                    self._due_cond.wait(None if not self._due else wait)
                # First out of the list: a transition from now on asks for a write of its own.
                project = min(self._due, key=self._due.__getitem__)
                del self._due[project]
            self._show_now(project)

    def _show_now(self, project: str) -> None:
        try:
            self.show(project)
        except Exception as exc:  # a database gone away meanwhile: the next transition shows it
            log.get().warning("status.json not written", project=project, error=repr(exc)[:300])

    def show(self, project: str) -> None:
        """Write status.json in a transaction of its own (in order with every other)."""
        with self._transition(project):
            pass

    def show_due(self) -> None:
        """Write at once every status.json that waits to be written (the daemon, stopping)."""
        with self._due_cond:
            due = list(self._due)
            self._due.clear()
        for project in due:
            self._show_now(project)
