"""`scriptvid daemon`: the watcher and the workers of both pools in one service.

The main loop does the service's bookkeeping, a few times a second: it takes complete files from
the inbox, notices CANCEL files and edits, and pings systemd's watchdog; every few seconds it hands
out again the steps of workers that stopped. Signal handlers only set a flag; the loop shuts down:
the watchers stop, children are killed, the workers finish.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import signal
import stat
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import backends, fsutil, intake, log, proc, tree
from ..errors import ConfigError
from ..graph import CPU, GPU
from ..ledger import Ledger
from ..outbox_page import OutboxPage
from ..pipeline import STEPS, Pipeline, cancel
from ..project import SCRIPT_SUFFIXES, SIDECAR_SUFFIXES, Project, Root
from ..queue import consumer, make_queues
from ..settings import Settings
from . import systemd
from .watcher import InboxWatcher, ProjectsWatcher, filesystem_of, should_poll

TICK = 0.25
LOOK = 5.0  # seconds between looks for steps whose worker stopped
SETTLE_SECONDS = 0.3  # an editor's save is often several writes; act on the last
# A step's start or finish reaches status.json within this many seconds (the ledger's view_delay): a
# re-render's skipped steps share a few writes instead of taking one each inside their transaction.
VIEW_DELAY = 0.25
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")  # the names `slugify` gives project folders


def open_ledger(root: Root, settings: Settings) -> Ledger:
    """The ledger; a server out of reach at start is waited for (saying so once a minute, and telling
    systemd to wait rather than restart the service in a loop)."""
    s = settings.ledger
    return _waiting_for(
        f"the ledger at {s.url}",
        lambda: Ledger.open(root.path, s.url, STEPS, s.lease_seconds, s.password_file),
        bool(s.url),
    )


def wait_for_queues(queues: dict[str, Any], settings: Settings) -> None:
    """A Redis server out of reach at start is waited for, as the ledger's is."""
    if settings.queue.url:
        # (The URL holds no password: the settings refuse one.)
        _waiting_for(f"the queues at {settings.queue.url}", lambda: queues[CPU].storage.conn.ping(), True)


def _waiting_for(what: str, connect: Callable[[], Any], server: bool) -> Any:
    said = -math.inf
    while True:
        try:
            return connect()
        except Exception as exc:  # peewee's and redis's errors of a server out of reach
            if not server or isinstance(exc, ConfigError):
                raise
            if time.monotonic() - said >= 60:
                log.get().error(f"{what} is out of reach; trying again", error=str(exc).strip()[:300])
                said = time.monotonic()
            systemd.notify("EXTEND_TIMEOUT_USEC=30000000", f"STATUS=waiting for {what}")
            time.sleep(2)


class Service:
    def __init__(
        self,
        root: Root,
        service_layers: list[tuple[str, dict[str, Any]]],
        settings: Settings,
        workers: bool = True,
    ) -> None:
        self.root = root
        self.layers = service_layers
        self.settings = settings
        root.ensure()
        self.ledger = open_ledger(root, settings)
        self.ledger.view_delay = VIEW_DELAY
        self.queues = make_queues(root, settings.queue)
        wait_for_queues(self.queues, settings)
        self.workers = workers  # False: the watcher and the bookkeeping only (the workers run elsewhere)
        self.pipeline = Pipeline(root, self.ledger, self.queues, service_layers, settings.daemon.retries)
        self.page = OutboxPage(root, self.ledger.status, self.ledger.project_names)
        self.ledger.on_change = self.page.changed
        watch = settings.watch
        self.polls = should_poll(root.inbox, watch.poll), should_poll(root.projects, watch.poll)
        # Set by the watchers when a person did something, and when the daemon is asked to stop: the
        # loop looks at once instead of at its next tick.
        self.wake = threading.Event()
        self.watcher = InboxWatcher(
            root.inbox,
            watch.stable_seconds,
            self.polls[0],
            watch.poll_interval,
            watch.renamed_seconds,
            self.wake,
        )
        self.projects_watcher = ProjectsWatcher(
            root.projects, SETTLE_SECONDS, self.polls[1], watch.poll_interval, self.wake
        )
        self.stop_requested = threading.Event()
        self._reported: set[Path] = set()  # lone sidecars already reported
        self._acted_on: dict[Path, str] = {}  # digest of each edited file when its run was started

    # -- life cycle ----------------------------------------------------------------------------

    def run(self) -> None:
        logger = log.get()
        pools = {CPU: self.settings.daemon.workers, GPU: self.settings.daemon.gpu_workers}
        consumers: list[Any] = (
            [consumer(self.queues[pool], n) for pool, n in pools.items() if n] if self.workers else []
        )
        for c in consumers:
            c.start()
        if consumers:
            # The voice model is the one a first film waits for (the storyboard, camera and score load
            # in no time); loaded beside the start-up, not by the first voice.
            threading.Thread(
                target=backends.preload, args=("voice", self.settings), name="scriptvid-preload", daemon=True
            ).start()
        # Huey installs its own handlers in start(); ours replace them and only set a flag.
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        self.pipeline.heartbeat(self.stop_requested)
        self.recover()
        self.projects_watcher.start()
        self.watcher.start()
        systemd.notify("READY=1", "STATUS=watching " + str(self.root.inbox))
        logger.info(
            "daemon ready",
            root=str(self.root.path),
            workers=self.settings.daemon.workers,
            poll=self.polls[0],
            filesystem=filesystem_of(self.root.inbox) or "unknown",
        )
        looked = time.monotonic()
        try:
            while not self.stop_requested.is_set():
                self.wake.wait(TICK)
                self.wake.clear()
                if self.stop_requested.is_set():
                    break
                try:
                    self.tick()
                    self.page.tick()
                    if time.monotonic() - looked >= LOOK:
                        # Steps of workers that stopped, and queued steps no queue holds (a Redis
                        # restarted without its snapshot, or out of reach when they were queued).
                        looked = time.monotonic()
                        self.pipeline.recover()
                except Exception as exc:  # one file or one look gone wrong must not stop the service
                    logger.error(
                        "daemon loop failed; going on", error=repr(exc), traceback=traceback.format_exc()
                    )
                systemd.notify("WATCHDOG=1")
        finally:
            systemd.notify("STOPPING=1")
            logger.info("daemon stopping")
            self.watcher.stop()
            self.projects_watcher.stop()
            proc.kill_all()
            for c in consumers:
                c.stop(graceful=True)
            self.ledger.show_due()
            logger.info("daemon stopped")

    def _on_signal(self, signum: int, _: Any) -> None:
        self.stop_requested.set()
        self.wake.set()

    def recover(self) -> None:
        """What the ledger holds that no live worker has is handed out again: the steps of workers
        that stopped (this daemon, killed; or any whose lease ran out), and queued steps their queue
        lost. Steps held by live workers (another daemon on this root) are left alone. A project
        folder the ledger does not know is registered first: an intake cut short by a crash (it
        starts), or a project made before there was a ledger (it keeps its state, and starts only
        if it was being made)."""
        for folder in sorted(self.root.projects.iterdir()) if self.root.projects.is_dir() else []:
            project = Project(folder)
            try:
                self._recover_folder(project)
            except Exception as exc:  # a folder a person made or spoiled must not stop the start
                log.get().error(
                    "project folder not recovered", folder=fsutil.printable(str(folder)), error=str(exc)
                )
        self.pipeline.recover()

    def _recover_folder(self, project: Project) -> None:
        if not SLUG.fullmatch(project.name):
            return  # a folder a person made: not a project of ours, then or now
        if self.ledger.known(project.name):
            if project.is_cancelled():
                cancel(self.ledger, project.name)
            if not _readable(project):  # deleted or spoiled while the daemon was down
                self.ledger.refresh_view(project.name)
            edited = self._edited_while_down(project)
            if edited:
                self.pipeline.start(project.name, reason=f"edited while the daemon was down: {edited}")
        elif (
            tree.is_folder(project.path)
            and tree.is_folder(project.source_dir)
            and any(project.source_dir.iterdir())
            and not self.ledger.claimed(project.name)  # another daemon is taking it in now
        ):
            earlier = _earlier_status(project)
            intake.adopt_sidecar(self.root, project)
            intake.register(project, self.layers, self.ledger, earlier)
            if self.ledger.status(project.name)["state"] == "queued":
                self.pipeline.start(project.name, reason="daemon restarted")

    def _edited_while_down(self, project: Project) -> str:
        """The YAML files a person saved after the project's last run was queued, when no run is
        going (a running daemon would have heard of them): what to name in the run's reason."""
        since = self.ledger.last_queued(project.name)
        if since is None or self.ledger.active(project.name) or project.is_cancelled():
            return ""
        candidates = [project.settings_file, *project.scenes_dir.glob("*/scene.yaml")]
        edited = []
        for path in candidates:
            st = tree.lstat(path)
            if st is not None and st.st_mtime > since and not project.written_by_us(path):
                edited.append(fsutil.printable(str(path.relative_to(project.path))))
                self._changed_by_person(project, path)  # remembered, so its next event is no news
        return ", ".join(sorted(edited))

    # -- the loop --------------------------------------------------------------------------------

    def tick(self) -> None:
        for watcher in (self.watcher, self.projects_watcher):
            watcher.check_folder()
        for path in self.watcher.ready():
            self.page.changed()  # a refused file's report is on the page too
            try:
                self.take(path)
            except Exception as exc:  # one file gone wrong: say so, forget it, serve the others
                self.watcher.forget(path)
                log.get().error(
                    "inbox file not taken",
                    file=fsutil.printable(str(path)),
                    error=repr(exc),
                    traceback=traceback.format_exc(),
                )
        for name, paths in self.projects_watcher.settled().items():
            try:
                self.steer(self.root.project(name), paths)
            except Exception as exc:
                log.get().error(
                    "project change not acted on",
                    project=fsutil.printable(name),
                    error=repr(exc),
                    traceback=traceback.format_exc(),
                )

    def steer(self, project: Project, paths: list[Path]) -> None:
        """A person created CANCEL or saved a scene.yaml / project.yaml in `project` (or spoiled its
        status.json, which is written again)."""
        if not SLUG.fullmatch(project.name) or not self.ledger.known(project.name):
            return  # not a project folder of ours
        paths = [p for p in paths if _is_control_file(project, p)]
        if any(p.name == "status.json" for p in paths) and not _readable(project):
            self.ledger.refresh_view(project.name)
        if project.is_cancelled():
            if self.ledger.active(project.name):
                cancel(self.ledger, project.name)
            return
        edits = [
            p
            for p in paths
            if p.name not in ("CANCEL", "status.json") and self._changed_by_person(project, p)
        ]
        if edits:
            changed = ", ".join(sorted(fsutil.printable(str(p.relative_to(project.path))) for p in edits))
            self.pipeline.start(project.name, reason=f"edited {changed}")

    def _changed_by_person(self, project: Project, path: Path) -> bool:
        """A save whose content is neither what scriptvid wrote nor what the last edit run saw."""
        try:
            digest = hashlib.sha256(project.read(path)).hexdigest()
        except FileNotFoundError:
            return False
        except (OSError, tree.Refused) as exc:
            # A link, a pipe or a folder in a YAML file's place: a run starts, and the step that
            # reads the file fails naming it.
            digest = f"unreadable: {exc}"
        if project.written_by_us(path) or self._acted_on.get(path) == digest:
            return False
        self._acted_on[path] = digest
        return True

    def take(self, path: Path) -> None:
        """Turn one stable inbox file into a project, or explain why not."""
        logger = log.get()
        st = tree.lstat(path)
        if st is None:
            self.watcher.forget(path)
            return
        if stat.S_ISLNK(st.st_mode):
            self._refuse(path, "links are not taken from the inbox; copy the file itself")
            return
        if stat.S_ISDIR(st.st_mode):
            self.watcher.forget(path)  # folders in the inbox are people's own (and failed/ is ours)
            return
        if path.suffix.lower() in SIDECAR_SUFFIXES:
            # Taken with its script. A sidecar alone waits for it, and says so after a while.
            orphan = not any(tree.lexists(path.with_suffix(sfx)) for sfx in SCRIPT_SUFFIXES)
            if (
                orphan
                and path not in self._reported
                and self.watcher.quiet_for(path) >= self.settings.watch.orphan_seconds
            ):
                self._reported.add(path)
                intake.report_failure(
                    self.root,
                    path,
                    f"no script named {path.stem} ({', '.join(SCRIPT_SUFFIXES)}) came with "
                    "this sidecar; it is taken when one does",
                )
            return
        if not intake.is_script(path):
            self._refuse(path, f"not a script: scriptvid takes {', '.join(SCRIPT_SUFFIXES)} files")
            return
        if not stat.S_ISREG(st.st_mode):
            self._refuse(path, f"is {tree.what_is(st.st_mode)}, not a file; save the script as a file")
            return
        sidecar = intake.sidecar_for(path)
        if sidecar is not None and self.watcher.touched(sidecar):
            return  # its sidecar is still being written; wait for both
        self.watcher.forget(path)
        if sidecar is not None:
            self.watcher.forget(sidecar)
        project = intake.claim(self.root, path, self.layers, self.ledger)
        if project is None:
            logger.info("inbox file taken by another daemon", file=fsutil.printable(path.name))
        elif self.ledger.status(project.name)["state"] == "queued":
            self.pipeline.start(project.name, reason="new script")

    def _refuse(self, path: Path, message: str) -> None:
        self.watcher.forget(path)
        intake.report_failure(self.root, path, message)


def _earlier_status(project: Project) -> dict[str, Any] | None:
    """The status.json of a project that an earlier version of scriptvid made, when it says how the
    project ended (one that was still being made is started again like any other)."""
    try:
        data = json.loads(project.read(project.status_file))
    except (OSError, ValueError, tree.Refused):
        return None
    if not isinstance(data, dict) or data.get("state") not in ("completed", "failed", "cancelled"):
        return None
    return data


def _readable(project: Project) -> bool:
    try:
        return isinstance(json.loads(project.read(project.status_file)), dict)
    except (OSError, ValueError, tree.Refused):
        return False


def _is_control_file(project: Project, path: Path) -> bool:
    """project.yaml, CANCEL and status.json of the project, or the scene.yaml of one of its scenes
    (a file of one of those names anywhere else in the folder means nothing)."""
    if path.parent == project.path:
        return path.name in ("project.yaml", "CANCEL", "status.json")
    return path.name == "scene.yaml" and path.parent.parent == project.scenes_dir
