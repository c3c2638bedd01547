"""The data folder as a closed tree: what scriptvid reads or writes under it is reached without
following a symbolic link, and is a plain file or folder.

The inbox and the projects folder are shared: anyone who can write there can put a link where
scriptvid expects a file (scene.yaml -> /home/someone/.ssh/config) or a folder (scenes/001 -> /etc),
or a named pipe where a script should be. Reading through such a link would publish whatever the
daemon can read; writing through one would write outside the share; opening a pipe would block a
worker forever. So:

- `read_bytes(base, path)` opens every component below `base` with O_NOFOLLOW (relative to the
  folder before it, so a component swapped meanwhile cannot lead elsewhere), opens the file without
  blocking, and reads it only if it is a regular file;
- `check_folder(base, path)` and `check_entries(...)` look (lstat) at what a step is about to read
  and write, so that a link or a pipe there fails the step with a message naming it, before any
  tool (FFmpeg, Piper) is given the path.

`base` is the data folder itself, which the operator chose and which may lie behind links of its own.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError

# How much a settings or script file may be read at most is decided by its reader; this only
# protects against a file that grows without end while it is read (/dev/zero behind a bind mount).
_CHUNK = 1 << 20


class Refused(InputError):
    """A path under the data folder that scriptvid will not follow or open: a link, a pipe, a folder
    where a file should be. The message names the path and says what to do."""


def what_is(mode: int) -> str:
    """What a person would call the file kind of `mode` (from lstat)."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a file"


def lstat(path: Path) -> os.stat_result | None:
    """lstat, or None where there is nothing usable by that name (missing, too long, not a folder
    on the way)."""
    try:
        return os.lstat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL):
            return None
        raise


def lexists(path: Path) -> bool:
    """Whether anything at all (a dangling link too) has this name."""
    return lstat(path) is not None


def is_folder(path: Path) -> bool:
    """A real folder (not a link to one)."""
    st = lstat(path)
    return st is not None and stat.S_ISDIR(st.st_mode)


def _below(base: Path, path: Path) -> tuple[str, ...] | None:
    """The components of `path` below `base`, or None when it is not below it."""
    try:
        parts = Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).parts
    except ValueError:
        return None
    return None if ".." in parts else parts


def _refuse(path: Path, mode: int, wanted: str) -> Refused:
    kind = what_is(mode)
    if stat.S_ISLNK(mode):
        return Refused(
            "is a symbolic link; scriptvid does not follow links inside its folders, so that nothing "
            f"outside them is read or written: put the {wanted} itself there",
            file=str(path),
        )
    return Refused(f"is {kind}, not a {wanted}", file=str(path))


def open_file(base: Path | None, path: Path, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
    """A file descriptor on `path`, a regular file reached from `base` without a link (`flags`:
    O_RDONLY, or O_WRONLY | O_APPEND | O_CREAT for a log). Without `base`, or for a path not below it,
    see `_open_outside`."""
    parts = _below(base, path) if base is not None else None
    if not parts:
        return _open_outside(path)
    assert base is not None
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        here = Path(base)
        for i, part in enumerate(parts):
            here = here / part
            last = i == len(parts) - 1
            how = os.O_NOFOLLOW | os.O_CLOEXEC
            how |= (flags | os.O_NONBLOCK) if last else (os.O_RDONLY | os.O_DIRECTORY)
            try:
                nfd = os.open(part, how, mode, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENXIO, errno.EISDIR):
                    st = os.lstat(part, dir_fd=fd)
                    raise _refuse(here, st.st_mode, "file" if last else "folder") from None
                raise
            os.close(fd)
            fd = nfd
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(path, mode, "file")
        os.set_blocking(fd, True)
        result, fd = fd, -1
        return result
    finally:
        if fd >= 0:
            os.close(fd)


def _open_outside(path: Path) -> int:
    """A file outside the data folder (a person's own file given on the command line, the config):
    links are theirs to use, but it must still be a regular file (no pipe that blocks for ever)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise Refused(f"is {what_is(mode)}, not a file", file=str(path))
    os.set_blocking(fd, True)
    return fd


def read_bytes(base: Path | None, path: Path, limit: int | None = None) -> bytes:
    """The contents of `path` (see `open_file`); at most `limit` bytes plus one, so that the caller can
    tell a file over its limit without reading all of it."""
    fd = open_file(base, path)
    with os.fdopen(fd, "rb") as fh:
        if limit is None:
            return fh.read()
        chunks, left = [], limit + 1
        while left > 0 and (chunk := fh.read(min(_CHUNK, left))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


def check_folder(base: Path, path: Path, make: bool = True) -> bool:
    """Whether `path` is there, a real folder with only real folders between `base` and it (made
    where missing, with `make`), so that what is written into it stays in the tree. Anything else in
    the way (a link, a file) is refused. A path not below `base` is not looked at."""
    parts = _below(base, path)
    if parts is None:
        return True
    here = Path(base)
    for part in parts:
        here = here / part
        st = lstat(here)
        if st is None:
            if not make:
                return False
            here.mkdir(exist_ok=True)
            st = os.lstat(here)
        if not stat.S_ISDIR(st.st_mode):
            raise _refuse(here, st.st_mode, "folder")
    return True


def check_entries(folders: Iterable[Path], recursive: bool = False, skip: Iterable[str] = ()) -> None:
    """Nothing in `folders` (and below them, with `recursive`) is a link or a special file, but the
    names in `skip`: a step is about to give these paths to tools that would follow or block on them."""
    skipped = frozenset(skip)
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.name in skipped:
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except FileNotFoundError:  # a temporary another step removed meanwhile
                continue
            if stat.S_ISDIR(mode):
                if recursive:
                    check_entries([Path(entry.path)], recursive=True)
            elif not stat.S_ISREG(mode):
                raise _refuse(Path(entry.path), mode, "file")
