"""The ledger's tables (peewee): projects, their runs, each run's steps, and what every output on
disk was made from. SQLite in the data folder by default; PostgreSQL for a cluster (`ledger.url`)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import peewee

from ..errors import ConfigError

# Bound to a database by `open_database`; one ledger per process.
database = peewee.DatabaseProxy()


class _Row(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


# Times are seconds since the epoch in DoubleField: FloatField is single precision (REAL) on
# PostgreSQL, which keeps a timestamp only to within 128 seconds: leases would run out at random.


class ProjectRow(_Row):
    name = peewee.CharField(primary_key=True)
    title = peewee.TextField(default="")
    source = peewee.TextField(default="")
    created = peewee.DoubleField()
    renders = peewee.IntegerField(default=0)  # films published
    outputs = peewee.TextField(default="{}")  # JSON: kind -> path in the outbox

    class Meta:
        table_name = "project"


class RunRow(_Row):
    # What peewee adds, named for the type checker: the key, the project's name, the backref.
    id: Any  # int on a row, a column on the class
    project_id: str
    steps: Any

    project = peewee.ForeignKeyField(ProjectRow, backref="runs", on_delete="CASCADE")
    number = peewee.IntegerField()
    reason = peewee.TextField(default="")
    # queued, running, completed, failed, cancelled; superseded when a newer run started
    state = peewee.CharField(default="queued")
    scenes = peewee.TextField(default="[]")  # JSON: the scene folders in order, once parse has said
    queued = peewee.DoubleField()
    started = peewee.DoubleField(null=True)
    finished = peewee.DoubleField(null=True)

    class Meta:
        table_name = "run"
        indexes = ((("project", "number"), True),)

    def scene_names(self) -> list[str]:
        return list(json.loads(self.scenes))


ACTIVE = ("queued", "running")  # the states of a run that goes on
FINISHED = ("done", "skipped")  # the states of a step whose output is there


class StepRow(_Row):
    id: Any  # int on a row, a column on the class
    run_id: int

    run = peewee.ForeignKeyField(RunRow, backref="steps", on_delete="CASCADE")
    stage = peewee.CharField()
    scene = peewee.CharField(default="")  # the scene's folder; "" for a film step
    position = peewee.IntegerField(default=-1)  # the scene's place in the film; -1 for a film step
    # waiting, queued, running, done, skipped, failed, dropped
    state = peewee.CharField(default="waiting")
    attempts = peewee.IntegerField(default=0)  # tries that ended in a transient failure
    last_error = peewee.TextField(default="")  # the latest of those
    error = peewee.TextField(default="")  # why it failed, when it did
    fingerprint = peewee.CharField(default="")
    worker = peewee.CharField(default="")  # who holds it while it runs
    lease_until = peewee.DoubleField(null=True)  # and until when, unless renewed
    queued = peewee.DoubleField(null=True)
    started = peewee.DoubleField(null=True)
    finished = peewee.DoubleField(null=True)

    class Meta:
        table_name = "step"
        indexes = ((("run", "stage", "position"), True), (("state",), False))


def step_with_run(step_id: int) -> Any:
    """The step, its run fetched in the same query; None when there is no such step."""
    return StepRow.select(StepRow, RunRow).join(RunRow).where(StepRow.id == step_id).get_or_none()


class OutputRow(_Row):
    """What the files a stage wrote for a project (and scene) were made from: the fingerprint of
    the step that made them, and what the step returned (parse: the scenes; publish: the outputs)."""

    project = peewee.ForeignKeyField(ProjectRow, on_delete="CASCADE")
    stage = peewee.CharField()
    scene = peewee.CharField(default="")
    fingerprint = peewee.CharField()
    result = peewee.TextField(default="{}")
    made = peewee.DoubleField()

    class Meta:
        table_name = "output"
        primary_key = peewee.CompositeKey("project", "stage", "scene")


class ClaimRow(_Row):
    """An inbox file being made into a project: who takes it, under which project name. A row lives
    only while its file is moved and registered, so that two daemons on one inbox never both take a
    file, nor pick the same name, nor leave a `-2` behind that no other project explains."""

    file = peewee.CharField(primary_key=True)  # the name in the inbox
    identity = peewee.CharField()  # inode, size and mtime: which file of that name
    project = peewee.CharField()
    worker = peewee.CharField()
    at = peewee.DoubleField()

    class Meta:
        table_name = "claim"


TABLES = (ProjectRow, RunRow, StepRow, OutputRow, ClaimRow)


def open_database(url: str, default: Path, passfile: str = "") -> peewee.Database:
    """The ledger's database: `url` (postgresql://..., its password from libpq's usual places or
    `passfile`), or SQLite at `default` when empty."""
    db: Any
    if not url:
        # IMMEDIATE takes the write lock when a transition starts, so two never deadlock upgrading;
        # synchronous=full keeps a committed transition through a power cut. (WAL, which the file
        # keeps once it is set, is set below.)
        db = peewee.SqliteDatabase(
            str(default),
            lock_type="IMMEDIATE",
            pragmas={"busy_timeout": 30_000, "synchronous": "full", "foreign_keys": 1},
        )
    elif url.startswith(("postgresql://", "postgres://")):
        from playhouse.db_url import connect

        try:
            db = connect(url, **({"passfile": passfile} if passfile else {}))
        except ImportError as exc:  # peewee's PostgreSQL driver
            raise ConfigError(
                f"{exc.name or 'psycopg2'} is missing for PostgreSQL: run `pip install psycopg2-binary`",
                key="ledger.url",
            ) from exc
    else:
        raise ConfigError("expected empty (SQLite in the data folder) or postgresql://...", key="ledger.url")
    database.initialize(db)
    with db.connection_context():
        if isinstance(db, peewee.PostgresqlDatabase):
            # Machines of a cluster starting together: CREATE TABLE IF NOT EXISTS is not safe against
            # itself on PostgreSQL (two can both find the table missing); one creates, the others wait.
            db.execute_sql("select pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            try:
                db.create_tables(TABLES, safe=True)
            finally:
                db.execute_sql("select pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
        else:
            _make_sqlite(db)
    return db


def _make_sqlite(db: peewee.SqliteDatabase) -> None:
    """The ledger's tables, in WAL mode (readers, status.json and `scriptvid status`, go on while a
    transition writes). Daemons started together on a new ledger: switching to WAL takes the file
    for itself, and SQLite refuses that at once, without waiting its busy timeout, while another
    connection holds it (found by two daemons started together: one of them died at its start)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            db.execute_sql("pragma journal_mode = wal")
            db.create_tables(TABLES, safe=True)
            return
        except peewee.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.02, 0.2))


SCHEMA_LOCK = 0x5C417  # the advisory lock the ledger's tables are made under (any number of ours)
