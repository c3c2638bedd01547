"""The command line: `scriptvid daemon | worker | render | parse | status | resume | backends`."""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import __version__, backends, heap, log, settings
from .errors import ConfigError, InputError
from .project import Root


def _root(args: argparse.Namespace) -> Root:
    path = args.root or os.environ.get("SCRIPTVID_ROOT") or "."
    return Root(Path(path).resolve())


def _service_settings(args: argparse.Namespace, root: Root) -> tuple[list[tuple[str, dict[str, Any]]], Any]:
    layers = settings.service_layers(root.path, Path(args.config) if args.config else None)
    return layers, settings.build(layers)


def _check_backends(effective: settings.Settings) -> None:
    """Every configured backend can be used here (cheaply checked, nothing loaded), or the service
    refuses to start, saying what is missing."""
    problems = backends.problems(effective)
    if problems:
        key, missing = next(iter(problems.items()))
        raise ConfigError(missing, key=key)


# -- commands ----------------------------------------------------------------------------------


def cmd_daemon(args: argparse.Namespace) -> int:
    from .daemon.service import Service

    root = _root(args)
    layers, effective = _service_settings(args, root)
    _check_backends(effective)
    heap.return_freed_memory()
    Service(root, layers, effective, workers=not args.no_workers).run()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Workers of one pool, no watcher: where the stages of that pool run on another machine (or
    beside the daemon)."""
    from .daemon import systemd
    from .daemon.service import open_ledger, wait_for_queues
    from .pipeline import Pipeline
    from .queue import consumer, make_queues

    root = _root(args)
    layers, effective = _service_settings(args, root)
    _check_backends(effective)
    heap.return_freed_memory()
    root.ensure()
    ledger = open_ledger(root, effective)
    queues = make_queues(root, effective.queue)
    wait_for_queues(queues, effective)
    pipeline = Pipeline(root, ledger, queues, layers, effective.daemon.retries)
    # (daemon.gpu_workers 0 is the daemon's own machine leaving the gpu pool to this one.)
    workers = args.workers or max(
        1, effective.daemon.gpu_workers if args.pool == "gpu" else effective.daemon.workers
    )
    worker = consumer(queues[args.pool], workers)
    worker.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())
    pipeline.heartbeat(stop)
    systemd.notify("READY=1", f"STATUS=serving the {args.pool} pool")
    log.get().info("worker ready", root=str(root.path), pool=args.pool, workers=workers)
    try:
        while not stop.wait(0.5):
            systemd.notify("WATCHDOG=1")
    finally:
        systemd.notify("STOPPING=1")
        from . import proc

        proc.kill_all()
        worker.stop(graceful=True)
        log.get().info("worker stopped", pool=args.pool)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """The daemon's stages in the foreground for one script, with a progress bar."""
    from . import intake
    from .daemon.service import open_ledger
    from .graph import CPU, GPU
    from .pipeline import Pipeline, cancel
    from .project import create_project
    from .queue import consumer, make_queues

    source = Path(args.file)
    if not source.is_file():
        print(f"scriptvid: {source}: no such file", file=sys.stderr)
        return 2
    root = _root(args)
    root.ensure()
    layers, effective = _service_settings(args, root)
    _check_backends(effective)
    heap.return_freed_memory()
    ledger = open_ledger(root, effective)
    # Copy, not move: the file is the user's, outside the inbox.
    project = create_project(root, source.stem)
    shutil.copy2(source, project.source_dir / source.name)
    sidecar = intake.sidecar_for(source)
    if sidecar is not None:
        shutil.copy2(sidecar, project.source_dir / sidecar.name)
    intake.register(project, layers, ledger)
    if ledger.status(project.name)["state"] == "failed":
        return _report(ledger.status(project.name))
    queues = make_queues(root)
    pipeline = Pipeline(root, ledger, queues, layers, retries=effective.daemon.retries)
    consumers: list[Any] = [
        consumer(queues[CPU], effective.daemon.workers),
        consumer(queues[GPU], max(1, effective.daemon.gpu_workers)),  # (no other machine serves it here)
    ]
    for c in consumers:
        c.start()
    stop = threading.Event()
    pipeline.heartbeat(stop)
    pipeline.start(project.name, reason="scriptvid render")
    try:
        final = _follow(ledger, project.name, quiet=args.quiet)
    except KeyboardInterrupt:
        project.cancel_file.touch()
        cancel(ledger, project.name)
        final = ledger.status(project.name)
    finally:
        stop.set()
        for c in consumers:
            c.stop(graceful=True)
    return _report(final)


def _follow(ledger: Any, name: str, quiet: bool) -> dict[str, Any]:
    """Draw a progress bar from the ledger until the project ends."""
    tty = sys.stderr.isatty() and not quiet
    last = ""
    while True:
        st = ledger.status(name)
        state = st.get("state", "queued")
        if state in ("completed", "failed", "cancelled"):
            if tty:
                sys.stderr.write("\n")
            return st
        progress = float(st.get("progress", 0.0))
        bar = "#" * int(progress * 30)
        line = f"{name}: [{bar:<30}] {progress * 100:5.1f}%  {st.get('stage') or state}"
        if tty:
            sys.stderr.write("\r" + line.ljust(90))
            sys.stderr.flush()
        elif line != last and not quiet:
            print(line, file=sys.stderr)
        last = line
        time.sleep(0.3)


def _report(st: dict[str, Any]) -> int:
    if st.get("state") == "completed":
        print(st.get("outputs", {}).get("video", ""))
        return 0
    for error in st.get("errors", []):
        where = "/".join(x for x in (error.get("scene"), error.get("stage")) if x)
        print(f"scriptvid: {where}: {error['message']}", file=sys.stderr)
    print(f"scriptvid: {st.get('project')}: {st.get('state')}", file=sys.stderr)
    return 1 if st.get("state") == "failed" else 130


def cmd_parse(args: argparse.Namespace) -> int:
    from .stages.parse.reader import read_script

    path = Path(args.file)
    script = read_script(path.read_bytes(), path.name, max_scenes=args.max_scenes)
    data = {
        "title": script.title,
        "format": script.format,
        "title_page": script.title_page,
        "scenes": [scene.to_dict() for scene in script.scenes],
    }
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from .daemon.service import open_ledger

    root = _root(args)
    _, effective = _service_settings(args, root)
    if not effective.ledger.url and not (root.path / "ledger.db").exists():
        rows: list[dict[str, Any]] = []
    else:
        ledger = open_ledger(root, effective)
        rows = [ledger.status(name) for name in ledger.project_names()]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print(f"no projects under {root.projects}")
        return 0
    header = ("PROJECT", "STATE", "STAGE", "PROGRESS", "SCENES", "RENDERS", "UPDATED", "OUTPUT")
    table = [header] + [
        (
            r["project"],
            r.get("state", "?"),
            r.get("stage") or "-",
            f"{float(r.get('progress', 0)) * 100:.0f}%",
            str(len(r.get("scenes", []))),
            str(r.get("renders", 0)),
            str(r.get("updated", ""))[:19],
            r.get("outputs", {}).get("video", "")
            or (r["errors"][0]["message"][:60] if r.get("errors") else ""),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from .daemon.service import open_ledger
    from .pipeline import Pipeline
    from .queue import make_queues

    root = _root(args)
    layers, effective = _service_settings(args, root)
    project = root.project(args.name)
    ledger = open_ledger(root, effective)
    if not ledger.known(args.name):
        print(f"scriptvid: no project {args.name!r} under {root.projects}", file=sys.stderr)
        return 2
    removed = project.uncancel()
    if removed:
        print(f"{args.name}: CANCEL ({removed}) taken away")
    queues = make_queues(root, effective.queue)
    run = Pipeline(root, ledger, queues, layers).start(args.name, reason="scriptvid resume")
    print(f"{args.name}: queued (run {run}); a running daemon picks it up")
    return 0


def cmd_backends(args: argparse.Namespace) -> int:
    """Every stage's backends: which is configured, and whether each can be used here."""
    root = _root(args)
    _, effective = _service_settings(args, root)
    rows = []
    for stage, names in backends.CATALOGUE.items():
        for name in names:
            cls = backends.backend_class(stage, name)
            section = getattr(effective, cls.SECTION or cls.NAME)
            missing = cls.check(section)
            rows.append(
                {
                    "stage": stage,
                    "backend": name,
                    "configured": getattr(effective.backends, stage) == name,
                    "usable": not missing,
                    "missing": missing,
                    "pool": cls.pool(section),
                }
            )
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    header = ("STAGE", "BACKEND", "CONFIGURED", "POOL", "USABLE HERE")
    table = [header] + [
        (
            r["stage"],
            r["backend"],
            "yes" if r["configured"] else "",
            r["pool"],
            "yes" if r["usable"] else f"no: {r['missing']}",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0 if all(r["usable"] for r in rows if r["configured"]) else 1


# -- entry point --------------------------------------------------------------------------------


def _common(default: Any) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        default=default,
        help="data folder with inbox/, outbox/, projects/ (default: $SCRIPTVID_ROOT or .)",
    )
    common.add_argument(
        "--config",
        default=default,
        help="config file (default: config/scriptvid.yaml, /etc/scriptvid/scriptvid.yaml)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    # --root and --config go before or after the command. The command's copies have no default, so
    # that `scriptvid --root X render F` keeps X (argparse would set the command's None over it).
    common = _common(argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="scriptvid", description="Turn scripts into finished videos.", parents=[_common(None)]
    )
    parser.add_argument("--version", action="version", version=f"scriptvid {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("daemon", parents=[common], help="watch the inbox and render what arrives")
    p.add_argument(
        "--no-workers",
        action="store_true",
        help="only the watcher and the bookkeeping: the steps run on `scriptvid worker` processes",
    )
    p.set_defaults(func=cmd_daemon)
    p = sub.add_parser("worker", parents=[common], help="run the steps of one pool (no watcher)")
    p.add_argument("--pool", choices=("cpu", "gpu"), required=True)
    p.add_argument("--workers", type=int, default=0, help="threads (default: daemon.workers / gpu_workers)")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("render", parents=[common], help="render one script in the foreground")
    p.add_argument("file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_render)
    p = sub.add_parser("parse", parents=[common], help="print the scene breakdown of a script as JSON")
    p.add_argument("file")
    p.add_argument("--max-scenes", type=int, default=100_000)
    p.set_defaults(func=cmd_parse)
    p = sub.add_parser("status", parents=[common], help="a table of projects")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("resume", parents=[common], help="resume a cancelled or failed project")
    p.add_argument("name")
    p.set_defaults(func=cmd_resume)
    p = sub.add_parser("backends", parents=[common], help="every stage's backends and whether each is usable")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backends)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if argv is None and args.func in (cmd_daemon, cmd_worker, cmd_render):
        heap.with_huge_pages()  # the commands that render: may start this program again, as itself
    log.setup()
    # A crash in native code (a codec, a voice's runtime) ends the process; the Python stack of every
    # thread goes to stderr first (the journal), so that what crashed can be told.
    faulthandler.enable()
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"scriptvid: configuration error: {exc}", file=sys.stderr)
        return 78  # EX_CONFIG: systemd's RestartPreventExitStatus keeps a bad config from looping
    except InputError as exc:
        print(f"scriptvid: {exc}", file=sys.stderr)
        return 65  # EX_DATAERR


if __name__ == "__main__":
    sys.exit(main())
