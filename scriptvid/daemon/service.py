"""`scriptvid daemon`: the watcher and the Huey workers in one service.

The main loop does the service's bookkeeping, a few times a second: it takes complete files from
the inbox, notices CANCEL files, and pings systemd's watchdog. Signal handlers only set a flag;
the loop shuts down: the watcher stops, children are killed, the workers finish.
"""

from __future__ import annotations

import hashlib
import signal
import threading
from pathlib import Path
from typing import Any

from .. import intake, log, proc, status
from ..pipeline import Pipeline
from ..project import SCRIPT_SUFFIXES, SIDECAR_SUFFIXES, Project, Root
from ..queue import make_huey
from ..settings import Settings
from . import systemd
from .watcher import InboxWatcher, ProjectsWatcher

TICK = 0.25
SETTLE_SECONDS = 0.3  # an editor's save is often several writes; act on the last
ACTIVE = ("queued", "running")


class Service:
    def __init__(
        self, root: Root, service_layers: list[tuple[str, dict[str, Any]]], settings: Settings
    ) -> None:
        self.root = root
        self.layers = service_layers
        self.settings = settings
        root.ensure()
        self.huey = make_huey(root)
        self.pipeline = Pipeline(self.huey, root, retries=settings.daemon.retries)
        self.watcher = InboxWatcher(
            root.inbox, settings.watch.stable_seconds, settings.watch.poll, settings.watch.poll_interval
        )
        self.projects_watcher = ProjectsWatcher(
            root.projects, SETTLE_SECONDS, settings.watch.poll, settings.watch.poll_interval
        )
        self.stop_requested = threading.Event()
        self._reported: set[Path] = set()  # lone sidecars already reported
        self._acted_on: dict[Path, str] = {}  # digest of each edited file when its run was started

    # -- life cycle ----------------------------------------------------------------------------

    def run(self) -> None:
        logger = log.get()
        consumer = self.huey.create_consumer(
            workers=self.settings.daemon.workers,
            worker_type="thread",
            periodic=False,
            initial_delay=0.05,
            max_delay=0.5,
            shutdown_timeout=20,
        )
        consumer.start()
        # Huey installs its own handlers in start(); ours replace them and only set a flag.
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        self.recover()
        self.projects_watcher.start()
        self.watcher.start()
        systemd.notify("READY=1", "STATUS=watching " + str(self.root.inbox))
        logger.info(
            "daemon ready",
            root=str(self.root.path),
            workers=self.settings.daemon.workers,
            poll=self.settings.watch.poll,
        )
        try:
            while not self.stop_requested.wait(TICK):
                self.tick()
                systemd.notify("WATCHDOG=1")
        finally:
            systemd.notify("STOPPING=1")
            logger.info("daemon stopping")
            self.watcher.stop()
            self.projects_watcher.stop()
            proc.kill_all()
            consumer.stop(graceful=True)
            logger.info("daemon stopped")

    def _on_signal(self, signum: int, _: Any) -> None:
        self.stop_requested.set()

    def recover(self) -> None:
        """Projects that were queued or running when the daemon last stopped start a new run.

        Huey loses a task that was running when its worker died, and fingerprints make a new run
        skip everything that was finished, so starting over is both safe and cheap. A project whose
        intake was cut short (its script moved, its status not yet written) is finished first.
        """
        for folder in sorted(self.root.projects.iterdir()) if self.root.projects.is_dir() else []:
            project = Project(folder)
            if (
                not project.status_file.exists()
                and project.source_dir.is_dir()
                and any(project.source_dir.iterdir())
            ):
                intake.adopt_sidecar(self.root, project)
                intake.register(project, self.layers)
            st = status.read(project)
            if project.is_cancelled():
                if st.get("state") in ACTIVE:
                    cancel(project)
            elif st.get("state") in ACTIVE:
                self.pipeline.start(project, reason="daemon restarted")

    # -- the loop --------------------------------------------------------------------------------

    def tick(self) -> None:
        for path in self.watcher.ready():
            self.take(path)
        for name, paths in self.projects_watcher.settled().items():
            self.steer(self.root.project(name), paths)

    def steer(self, project: Project, paths: list[Path]) -> None:
        """A person created CANCEL or saved a scene.yaml / project.yaml in `project`."""
        st = status.read(project)
        if not st:
            return
        if project.is_cancelled():
            if st.get("state") in ACTIVE:
                cancel(project)
            return
        edits = [p for p in paths if p.name != "CANCEL" and self._changed_by_person(project, p)]
        if edits:
            changed = ", ".join(sorted(str(p.relative_to(project.path)) for p in edits))
            self.pipeline.start(project, reason=f"edited {changed}")

    def _changed_by_person(self, project: Project, path: Path) -> bool:
        """A save whose content is neither what scriptvid wrote nor what the last edit run saw."""
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except FileNotFoundError:
            return False
        if project.written_by_us(path) or self._acted_on.get(path) == digest:
            return False
        self._acted_on[path] = digest
        return True

    def take(self, path: Path) -> None:
        """Turn one stable inbox file into a project, or explain why not."""
        logger = log.get()
        if path.is_symlink():
            self._refuse(path, "links are not taken from the inbox; copy the file itself")
            return
        if path.suffix.lower() in SIDECAR_SUFFIXES:
            # Taken with its script. A sidecar alone waits for it, and says so after a while.
            orphan = not any(path.with_suffix(sfx).exists() for sfx in SCRIPT_SUFFIXES)
            if (
                orphan
                and path not in self._reported
                and self.watcher.quiet_for(path) >= self.settings.watch.orphan_seconds
            ):
                self._reported.add(path)
                intake.report_failure(
                    self.root,
                    path,
                    f"no script named {path.stem}.fountain, .txt or .md came with "
                    "this sidecar; it is taken when one does",
                )
            return
        if not intake.is_script(path):
            self._refuse(path, "not a script: scriptvid takes .fountain, .txt and .md files")
            return
        sidecar = intake.sidecar_for(path)
        if sidecar is not None and self.watcher.touched(sidecar):
            return  # its sidecar is still being written; wait for both
        self.watcher.forget(path)
        if sidecar is not None:
            self.watcher.forget(sidecar)
        project = intake.claim(self.root, path, self.layers)
        if project is None:
            logger.info("inbox file taken by another daemon", file=path.name)
        elif status.read(project).get("state") == "queued":
            self.pipeline.start(project, reason="new script")

    def _refuse(self, path: Path, message: str) -> None:
        self.watcher.forget(path)
        intake.report_failure(self.root, path, message)


def cancel(project: Project) -> None:
    killed = proc.kill_project(project.name)

    def change(st: dict[str, Any]) -> None:
        st["state"] = "cancelled"
        st["finished"] = status.now_iso()

    status.update(project, change)
    log.get().info("project cancelled", project=project.name, children_stopped=killed)
