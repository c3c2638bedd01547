"""Child processes (FFmpeg, FluidSynth, ...), always started through here.

Every child is started with an argument list, never a shell string, and is registered under the
run of the project it works for, so that a CANCEL can stop that run's children within a second
(and a resumed run's children are not mistaken for them) and a daemon shutdown can stop them all.
"""

from __future__ import annotations

import contextvars
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from . import heap
from .errors import Cancelled, StageError, TransientError

# The run the current task works for (`work`: project and run); set by the stage runner, read when
# a child starts.
current_work: contextvars.ContextVar[str] = contextvars.ContextVar("current_work", default="")


def work(project: str, run: int) -> str:
    """The key a run's children are registered under."""
    return f"{project}#{run}"


def _frame_pipe_size() -> int:
    """The size of a pipe that carries frames: 1 MiB, or the most an unprivileged process may ask
    for here. Through Linux's default 64 KiB pipe, a 1080p frame costs the kernel about a millisecond
    on each side in wakeups and copies (measured: a third of the encoder's CPU beside the frames'
    own encode, half of it gone with 1 MiB)."""
    try:
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    except (OSError, ValueError):  # not Linux: the system's default
        return -1
    return min(1 << 20, limit)


FRAME_PIPE_SIZE = _frame_pipe_size()

_lock = threading.Lock()
_children: dict[str, set[subprocess.Popen[bytes]]] = {}
_cancelled: set[str] = set()


@contextmanager
def _registered(proc: subprocess.Popen[bytes]) -> Iterator[None]:
    key = current_work.get()
    with _lock:
        _children.setdefault(key, set()).add(proc)
    try:
        yield
    finally:
        with _lock:
            _children.get(key, set()).discard(proc)


def kill_project(project: str, run: int) -> int:
    """Stop every child working for the project's `run`; later children of that run are refused (a
    step of it still under way must not start any). Returns the count."""
    key = work(project, run)
    with _lock:
        _cancelled.add(key)
        procs = list(_children.get(key, ()))
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
    return len(procs)


def kill_all() -> None:
    with _lock:
        procs = [p for ps in _children.values() for p in ps]
    for proc in procs:
        if proc.poll() is None:
            proc.kill()


def run(
    args: Sequence[str | Path],
    *,
    input: bytes | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    capture_stderr: bool = False,
    background: bool = False,
) -> bytes:
    """Run a child to completion and return its stdout (its stderr with `capture_stderr`).

    A child killed by a signal is a transient failure (it may be retried); one that exits non-zero
    is a stage error carrying the end of its stderr; one killed because its project was cancelled
    raises `Cancelled`. A `background` child runs at a lower CPU priority (see `popen_stdin`).
    """
    key = current_work.get()
    with _lock:
        if key in _cancelled:
            raise Cancelled(key)
    argv = [str(a) for a in _niced(args, background)]
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=heap.child_environment(),
    )
    with _registered(proc):
        try:
            out, err = proc.communicate(input=input, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise TransientError(f"{argv[0]} took longer than {timeout:.0f} s") from None
    with _lock:
        if key in _cancelled:
            raise Cancelled(key)
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        raise TransientError(f"{argv[0]} was killed by {name}")
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-8:]
        raise StageError(f"{Path(argv[0]).name} failed (exit {proc.returncode}): " + " | ".join(tail))
    return err if capture_stderr else out


# How much lower a background child's CPU priority is (its `nice` value): see `popen_stdin`.
BACKGROUND_NICE = 10


@contextmanager
def popen_stdin(
    args: Sequence[str | Path], *, cwd: Path | None = None, background: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """A child that we feed through its stdin (raw frames into FFmpeg); checked like `run` on exit.

    A `background` child (a scene's encode, tens of seconds of x264 on every core) runs at a lower
    CPU priority, so the short steps beside it that someone waits for (the preview, a voice, the
    mix of an edit) get their core at once; the encode takes the rest, so a machine's work takes
    as long as before."""
    with _popen(_niced(args, background), cwd, feed=True) as child:
        yield child


def _niced(args: Sequence[str | Path], background: bool) -> Sequence[str | Path]:
    return ["nice", "-n", str(BACKGROUND_NICE), *args] if background else args


@contextmanager
def popen_stdout(args: Sequence[str | Path], *, cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A child whose stdout we read as it comes (raw frames out of FFmpeg); checked like `run`."""
    with _popen(args, cwd, feed=False) as child:
        yield child


@contextmanager
def _popen(args: Sequence[str | Path], cwd: Path | None, feed: bool) -> Iterator[subprocess.Popen[bytes]]:
    key = current_work.get()
    with _lock:
        if key in _cancelled:
            raise Cancelled(key)
    argv = [str(a) for a in args]
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL if feed else subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        pipesize=FRAME_PIPE_SIZE,
        env=heap.child_environment(),
    )
    pipe = proc.stdin if feed else proc.stdout
    with _registered(proc):
        try:
            yield proc
        except BrokenPipeError:
            pass  # the child died; its exit status below says why
        finally:
            if pipe and not pipe.closed:
                with suppress(BrokenPipeError):  # the child died; its exit status says why
                    pipe.close()
            err = proc.stderr.read() if proc.stderr else b""
            proc.wait()
    with _lock:
        if key in _cancelled:
            raise Cancelled(key)
    if proc.returncode < 0:
        raise TransientError(f"{argv[0]} was killed by {signal.Signals(-proc.returncode).name}")
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-8:]
        raise StageError(f"{Path(argv[0]).name} failed (exit {proc.returncode}): " + " | ".join(tail))
