"""Claims on inbox files: of two daemons that see one file, one takes it, under the name it would
have had alone. Decided in the ledger before any folder is made."""

from __future__ import annotations

import time
from collections.abc import Callable

import peewee

from .models import ClaimRow, ProjectRow
from .workers import worker_gone


class InboxClaims:
    """The ledger's claims on inbox files (a part of `Ledger`)."""

    db: peewee.DatabaseProxy
    lease: float

    def claim(
        self, file: str, identity: str, base: str, exists: Callable[[str], bool], worker: str
    ) -> str | None:
        """The project name under which `worker` takes the inbox file `file` (`identity` tells one
        file of that name from another), or None when another worker is taking it. The name is
        `base`, or `base-2`, `base-3`... the first that no project, no claim and no folder
        (`exists`) has. A claim whose worker stopped before it finished is taken over."""
        now = time.time()
        with self.db.atomic():
            row = ClaimRow.get_or_none(ClaimRow.file == file)
            if row is not None:
                if not (worker_gone(row.worker) or row.at < now - self.lease):
                    return None
                if row.identity == identity:  # its folder may be made already: finish that intake
                    row.worker, row.at = worker, now
                    row.save()
                    return str(row.project)
                row.delete_instance()
            taken = {p.name for p in ProjectRow.select(ProjectRow.name)} | {
                c.project for c in ClaimRow.select()
            }
            for n in range(1, 10_000):
                name = base if n == 1 else f"{base}-{n}"
                if name not in taken and not exists(name):
                    ClaimRow.create(file=file, identity=identity, project=name, worker=worker, at=now)
                    return name
        raise RuntimeError(f"more than 10000 projects named {base!r}")

    def claimed(self, project: str) -> bool:
        """Whether a live worker is taking an inbox file into the project folder `project`."""
        return any(
            not (worker_gone(c.worker) or c.at < time.time() - self.lease)
            for c in ClaimRow.select().where(ClaimRow.project == project)
        )

    def release(self, file: str) -> None:
        """The inbox file has left the inbox (taken, or removed by a person)."""
        ClaimRow.delete().where(ClaimRow.file == file).execute()
