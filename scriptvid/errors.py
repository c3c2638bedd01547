"""The few kinds of failure, each mapped to one action.

- `ConfigError`: refuse to start (bad config file, missing backend library or weights).
- `InputError`: reject the input (bad script or sidecar): no retry, a readable report.
- `TransientError`: retry with backoff (a child killed by a signal, a locked database, a full disk).
- `StageError`: fail the stage and keep what was made (a backend that failed on this input).
- `Cancelled`: a person created CANCEL; stop quietly.
"""

from __future__ import annotations


class ScriptvidError(Exception):
    """Base of every error scriptvid raises on purpose."""


class ConfigError(ScriptvidError):
    """Settings that cannot be used; the message names the file, the key and what is allowed."""

    def __init__(self, message: str, *, file: str = "", key: str = "") -> None:
        self.file = file
        self.key = key
        where = ": ".join(p for p in (file, key) if p)
        super().__init__(f"{where}: {message}" if where else message)


class InputError(ScriptvidError):
    """A script or sidecar that cannot be used as it is. Never retried."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None, key: str = "") -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        where = file + (f", line {line}" if line is not None else "")
        where = ": ".join(p for p in (where, key) if p)
        super().__init__(f"{where}: {message}" if where else message)


class TransientError(ScriptvidError):
    """Worth another try after a pause."""


class StageError(ScriptvidError):
    """A stage failed on this input; the project fails with this message, other scenes go on."""


class Cancelled(ScriptvidError):
    """The project has a CANCEL file."""
