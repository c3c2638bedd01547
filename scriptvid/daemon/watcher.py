"""The inbox watcher: file events in, complete files out. Nothing else happens on its thread.

watchdog's observer (inotify on a local disk, polling on a network share where no events come)
only notes which names changed. The service's main loop asks `ready()` for the files whose size
and mtime have stayed the same for `stable_seconds`: a file still being copied is never taken.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ..project import is_ignored_name


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    stable_since: float


# Reading a file is not changing it (inotify also reports opens and read-only closes).
_READ_ONLY_EVENTS = ("opened", "closed_no_write")


class InboxWatcher(FileSystemEventHandler):
    def __init__(self, inbox: Path, stable_seconds: float, poll: bool, poll_interval: float) -> None:
        self.inbox = inbox
        self.stable_seconds = stable_seconds
        self._observer = PollingObserver(timeout=poll_interval) if poll else Observer()
        self._lock = threading.Lock()
        self._candidates: set[Path] = set()
        self._seen: dict[Path, _Seen] = {}

    # -- observer thread: note names only ----------------------------------------------------

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in _READ_ONLY_EVENTS:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(os.fsdecode(raw))
            if path.parent == self.inbox and not is_ignored_name(path.name):
                with self._lock:
                    self._candidates.add(path)

    # -- main loop -------------------------------------------------------------------------

    def start(self) -> None:
        self._observer.schedule(self, str(self.inbox), recursive=False)
        self._observer.start()
        self.rescan()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def rescan(self) -> None:
        """Everything in the inbox is a candidate: at start-up, for what arrived while we were down."""
        with self._lock:
            for entry in os.scandir(self.inbox):
                if not is_ignored_name(entry.name) and not entry.is_dir(follow_symlinks=False):
                    self._candidates.add(Path(entry.path))

    def ready(self, now: float | None = None) -> list[Path]:
        """Candidates whose size and mtime have not changed for `stable_seconds`, oldest first."""
        now = time.monotonic() if now is None else now
        with self._lock:
            candidates = list(self._candidates)
        out = []
        for path in candidates:
            try:
                st = path.lstat()
            except FileNotFoundError:
                self.forget(path)
                continue
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, now)
                if self.stable_seconds > 0:
                    continue
                seen = self._seen[path]
            if now - seen.stable_since >= self.stable_seconds:
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
        self._seen.pop(path, None)


# The files in a project folder that a person changes to steer it, and the status file, which is
# written again when a person deletes or spoils it.
CONTROL_FILES = ("scene.yaml", "project.yaml", "CANCEL", "status.json")


class ProjectsWatcher(FileSystemEventHandler):
    """Edits of scene.yaml / project.yaml, CANCEL files and status.json under projects/, by project.

    Like the inbox watcher it only notes what changed; the main loop decides, once a file has been
    quiet for `settle_seconds` (an editor's save is often several writes), what the change means.
    """

    def __init__(self, projects: Path, settle_seconds: float, poll: bool, poll_interval: float) -> None:
        self.projects = projects
        self.settle_seconds = settle_seconds
        self._observer = PollingObserver(timeout=poll_interval) if poll else Observer()
        self._lock = threading.Lock()
        self._changed: dict[Path, float] = {}

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in _READ_ONLY_EVENTS:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw and Path(os.fsdecode(raw)).name in CONTROL_FILES:
                with self._lock:
                    self._changed[Path(os.fsdecode(raw))] = time.monotonic()

    def start(self) -> None:
        self.projects.mkdir(parents=True, exist_ok=True)
        self._observer.schedule(self, str(self.projects), recursive=True)
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def settled(self, now: float | None = None) -> dict[str, list[Path]]:
        """Changed control files quiet for `settle_seconds`, by project; each is returned once."""
        now = time.monotonic() if now is None else now
        out: dict[str, list[Path]] = {}
        with self._lock:
            for path, when in list(self._changed.items()):
                if now - when < self.settle_seconds:
                    continue
                del self._changed[path]
                try:
                    name = path.relative_to(self.projects).parts[0]
                except (ValueError, IndexError):
                    continue
                out.setdefault(name, []).append(path)
        return out
