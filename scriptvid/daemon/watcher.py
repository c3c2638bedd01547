"""The inbox watcher: file events in, complete files out. Nothing else happens on its thread.

watchdog's observer (inotify on a local disk, polling on a network share where no events come)
only notes which names changed. The service's main loop asks `ready()` for the files whose size
and mtime have stayed the same for `stable_seconds`: a file still being copied is never taken. A
file renamed into the inbox (a copy tool's last step: it wrote a temporary name) is whole when it
arrives, and waits only `renamed_seconds`, time for a sidecar copied right after it to come too.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .. import log
from ..project import is_ignored_name

# Filesystems whose changes made on another machine raise no inotify event here.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "9p",
        "afs",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "beegfs",
        "ncpfs",
        "davfs",
        "fuse.sshfs",
        "fuse.glusterfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.cephfs",
        "fuse.davfs2",
        "fuse.gcsfuse",
    }
)


def filesystem_of(folder: Path, mounts: str = "/proc/self/mounts") -> str:
    """The type of the filesystem that holds `folder` (the mount table's longest matching mount
    point), or "" when the table cannot be read."""
    try:
        table = Path(mounts).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    real = str(folder.resolve())
    best, kind = "", ""
    for line in table:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")  # the table escapes spaces
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def should_poll(folder: Path, setting: bool | None) -> bool:
    """Poll where the setting says so, or, left to the daemon, where the folder is on a network
    filesystem: a file written there by another machine raises no event on this one."""
    return setting if setting is not None else filesystem_of(folder) in NETWORK_FILESYSTEMS


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    stable_since: float


# Reading a file is not changing it (inotify also reports opens and read-only closes).
_READ_ONLY_EVENTS = ("opened", "closed_no_write")


class _FolderWatcher(FileSystemEventHandler):
    """A watchdog observer on one folder that survives the folder: removed and made again, or
    replaced by a mount, it is watched again (inotify's watch dies with the folder it was on)."""

    recursive = False
    # The kinds of event inotify is to report (None: all); a polled folder reports every change.
    events: ClassVar[tuple[type[FileSystemEvent], ...] | None] = None

    def __init__(
        self, folder: Path, poll: bool, poll_interval: float, wake: threading.Event | None = None
    ) -> None:
        self.folder = folder
        self._observer: Any = PollingObserver(timeout=poll_interval) if poll else Observer()
        self._events = None if poll or self.events is None else list(self.events)
        self._identity: tuple[int, int] | None = None  # (device, inode) of the folder being watched
        # Set when something a person did arrives, so that the main loop looks at once rather than
        # at its next tick.
        self.wake = wake or threading.Event()

    def start(self) -> None:
        self._observer.start()
        self._watch()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def _watch(self) -> bool:
        try:
            st = os.stat(self.folder)
            self._observer.unschedule_all()
            self._observer.schedule(
                self, str(self.folder), recursive=self.recursive, event_filter=self._events
            )
        except OSError:
            self._identity = None
            return False
        self._identity = (st.st_dev, st.st_ino)
        return True

    def check_folder(self) -> None:
        """Called from the main loop: watch the folder again if it is not the one being watched."""
        try:
            st = os.stat(self.folder)
            now: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except OSError:
            now = None
        if now == self._identity and now is not None:
            return
        if now is None:
            if self._identity is not None:
                self._identity = None
                log.get().error(
                    "watched folder is gone; waiting for it to come back", folder=str(self.folder)
                )
            return
        was_lost = self._identity is None
        if self._watch():
            log.get().warning(
                "watched folder is back; watching it again"
                if was_lost
                else "watched folder was replaced (removed and made again, or a mount); watching the new one",
                folder=str(self.folder),
            )
            self.rescan()

    def rescan(self) -> None:
        """What the folder holds that events may have missed."""


class InboxWatcher(_FolderWatcher):
    def __init__(
        self,
        inbox: Path,
        stable_seconds: float,
        poll: bool,
        poll_interval: float,
        renamed_seconds: float | None = None,
        wake: threading.Event | None = None,
    ) -> None:
        super().__init__(inbox, poll, poll_interval, wake)
        self.inbox = inbox
        self.stable_seconds = stable_seconds
        renamed = stable_seconds if renamed_seconds is None else renamed_seconds
        self.renamed_seconds = min(renamed, stable_seconds)
        self._lock = threading.Lock()
        self._candidates: set[Path] = set()
        self._renamed: set[Path] = set()  # candidates that came by a rename and were not written since
        self._seen: dict[Path, _Seen] = {}

    # -- observer thread: note names only ----------------------------------------------------

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in _READ_ONLY_EVENTS:
            return
        dest = getattr(event, "dest_path", "")
        for raw in (event.src_path, dest):
            if not raw:
                continue
            path = Path(os.fsdecode(raw))
            if path.parent == self.inbox and not is_ignored_name(path.name):
                with self._lock:
                    self._candidates.add(path)
                    if event.event_type == "moved" and raw == dest:
                        self._renamed.add(path)
                    else:  # written (or renamed away) since: it waits as any file does
                        self._renamed.discard(path)
                self.wake.set()

    # -- main loop -------------------------------------------------------------------------

    def start(self) -> None:
        super().start()
        self.rescan()

    def rescan(self) -> None:
        """Everything in the inbox is a candidate: at start-up, for what arrived while we were down,
        and when the inbox came back."""
        try:
            entries = list(os.scandir(self.inbox))
        except OSError:
            return  # gone again: check_folder says so
        with self._lock:
            for entry in entries:
                if not is_ignored_name(entry.name) and not entry.is_dir(follow_symlinks=False):
                    self._candidates.add(Path(entry.path))

    def ready(self, now: float | None = None) -> list[Path]:
        """Candidates whose size and mtime have not changed for `stable_seconds`, oldest first."""
        now = time.monotonic() if now is None else now
        with self._lock:
            candidates = list(self._candidates)
            renamed = set(self._renamed)
        out = []
        for path in candidates:
            try:
                st = path.lstat()
            except FileNotFoundError:
                self.forget(path)
                continue
            wait = self.renamed_seconds if path in renamed else self.stable_seconds
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, now)
                if wait > 0:
                    continue
                seen = self._seen[path]
            if now - seen.stable_since >= wait:
                out.append((st.st_mtime_ns, path))
        return [p for _, p in sorted(out)]

    def quiet_for(self, path: Path, now: float | None = None) -> float:
        """Seconds since `path` last changed, as far as `ready()` has seen."""
        seen = self._seen.get(path)
        return 0.0 if seen is None else (time.monotonic() if now is None else now) - seen.stable_since

    def touched(self, path: Path) -> bool:
        """Whether `path` changed since `ready()` last looked (a sidecar still being written)."""
        seen = self._seen.get(path)
        try:
            st = path.lstat()
        except FileNotFoundError:
            return False
        return seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns)

    def forget(self, path: Path) -> None:
        with self._lock:
            self._candidates.discard(path)
            self._renamed.discard(path)
        self._seen.pop(path, None)


# The files in a project folder that a person changes to steer it, and the status file, which is
# written again when a person deletes or spoils it.
CONTROL_FILES = ("scene.yaml", "project.yaml", "CANCEL", "status.json")


class ProjectsWatcher(_FolderWatcher):
    """Edits of scene.yaml / project.yaml, CANCEL files and status.json under projects/, by project.

    Like the inbox watcher it only notes what changed; the main loop decides, once a file has been
    quiet for `settle_seconds` (an editor's save is often several writes), what the change means.
    A file renamed into place (an editor's atomic save: it wrote a temporary name) and a CANCEL
    (whatever it holds) need no settling: they are acted on at once.
    """

    recursive = True
    # A file written and closed, renamed, made or removed: not every write of every file the renders
    # make under projects/, nor every read. Left out by the kernel, these are not even read: at the
    # thousands of events a second of a render, reading them took the daemon a tenth of a core.
    events = (
        FileClosedEvent,
        FileMovedEvent,
        DirMovedEvent,
        FileCreatedEvent,
        DirCreatedEvent,
        FileDeletedEvent,
        DirDeletedEvent,
    )

    def __init__(
        self,
        projects: Path,
        settle_seconds: float,
        poll: bool,
        poll_interval: float,
        wake: threading.Event | None = None,
    ) -> None:
        super().__init__(projects, poll, poll_interval, wake)
        self.projects = projects
        self.settle_seconds = settle_seconds
        self._lock = threading.Lock()
        self._changed: dict[Path, tuple[float, bool]] = {}  # when, and whether it is whole then

    def on_any_event(self, event: FileSystemEvent) -> None:
        # Folder events count too: a CANCEL may be a folder, and so may be what a person put in a
        # YAML file's place.
        if event.event_type in _READ_ONLY_EVENTS:
            return
        dest = getattr(event, "dest_path", "")
        for raw in (event.src_path, dest):
            path = Path(os.fsdecode(raw)) if raw else None
            if path is None or path.name not in CONTROL_FILES:
                continue
            whole = (event.event_type == "moved" and raw == dest) or path.name == "CANCEL"
            with self._lock:
                self._changed[path] = (time.monotonic(), whole)
            if path.name != "status.json":  # ours, written all the time; a person's change to it can wait
                self.wake.set()

    def start(self) -> None:
        self.projects.mkdir(parents=True, exist_ok=True)
        super().start()

    def settled(self, now: float | None = None) -> dict[str, list[Path]]:
        """Changed control files quiet for `settle_seconds`, by project; each is returned once."""
        now = time.monotonic() if now is None else now
        out: dict[str, list[Path]] = {}
        with self._lock:
            for path, (when, whole) in list(self._changed.items()):
                if now - when < self.settle_seconds and not whole:
                    continue
                del self._changed[path]
                try:
                    name = path.relative_to(self.projects).parts[0]
                except (ValueError, IndexError):
                    continue
                out.setdefault(name, []).append(path)
        return out
