"""outbox/index.html: every film's progress on one page, for the people who drop scripts.

The page is opened straight from the share (file://), so it is one self-contained file: inline
styles, relative links only (the films beside it, the storyboards in ../projects/), no scripts at
all. While anything is queued or running it asks the browser to load it again every few seconds.

It is made from the ledger's status of each project (what status.json shows) and the reports in
inbox/failed/, and written atomically by the daemon whenever a project changes (at most every
second or so) and every few seconds while a film is being made (its ETA, and the progress that
workers on other machines make). An index.html a person put in the outbox is left as it is.
"""

from __future__ import annotations

import html
import stat
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import fsutil, log, tree
from .intake import REPORT_SUFFIX
from .project import Root

NAME = "index.html"
MARK = "<!-- written by scriptvid: every film's progress; rewritten as they change -->"
REFRESH_SECONDS = 5
REPORT_BYTES = 4000  # of each inbox/failed report, shown as it is
REPORTS_SHOWN = 50
ACTIVE = ("queued", "running")

STATE_WORDS = {
    "queued": "Waiting",
    "running": "Being made",
    "completed": "Ready",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _href(*parts: str) -> str:
    return "/".join(quote(p, safe="") for p in parts)


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ""
    return moment.strftime("%Y-%m-%d %H:%M")


def _eta(seconds: Any) -> str:
    if not isinstance(seconds, int | float) or seconds < 0:
        return ""
    if seconds < 60:
        return "less than a minute left"
    minutes = round(seconds / 60)
    return f"about {minutes} minute{'s' if minutes != 1 else ''} left"


def _thumbnail(root: Root, status: dict[str, Any]) -> str:
    """The film's storyboard, or its first scene's picture while the storyboard is not made yet."""
    name = str(status.get("project", ""))
    project = root.project(name)
    candidates = [project.storyboard]
    scenes = [s.get("name", "") for s in status.get("scenes", []) if isinstance(s, dict)]
    if scenes:
        candidates.append(project.scenes_dir / str(scenes[0]) / "image.png")
    for path in candidates:
        st = tree.lstat(path)
        if st is not None and stat.S_ISREG(st.st_mode):
            relative = path.relative_to(root.path).parts
            return f'<img class="thumb" src="../{_href(*relative)}" alt="storyboard of {_e(name)}">'
    return '<div class="thumb none">no picture yet</div>'


def _links(status: dict[str, Any]) -> str:
    outputs = status.get("outputs") or {}
    links = []
    for key, label in (("video", "Film (MP4)"), ("subtitles", "Subtitles (SRT)"), ("preview", "First look")):
        path = outputs.get(key) if isinstance(outputs, dict) else None
        if isinstance(path, str) and path:
            # The outbox's own files, by name: the page lies beside them.
            links.append(f'<a href="{_href(Path(path).name)}">{label}</a>')
    return f'<p class="links">{" · ".join(links)}</p>' if links else ""


def _project(root: Root, status: dict[str, Any]) -> str:
    state = str(status.get("state", "queued"))
    progress = status.get("progress", 0.0)
    percent = round(100 * progress) if isinstance(progress, int | float) else 0
    percent = max(0, min(100, percent))
    title = status.get("title") or status.get("project", "")
    facts = [STATE_WORDS.get(state, state)]
    if state == "running" and status.get("stage"):
        facts.append(f"now: {status['stage']}")
    if state in ACTIVE and (eta := _eta(status.get("eta_seconds"))):
        facts.append(eta)
    if state == "completed" and isinstance(status.get("render_seconds"), int | float):
        facts.append(f"made in {round(status['render_seconds'])} s")
    when = _when(status.get("finished") or status.get("created"))
    errors = [e for e in status.get("errors", []) if isinstance(e, dict)]
    notes = [n for n in status.get("notes", []) if isinstance(n, str)]
    parts = [
        f'<article class="project {_e(state)}" id="{_e(status.get("project", ""))}">',
        _thumbnail(root, status),
        '<div class="about">',
        f"<h2>{_e(title)}</h2>",
        f'<p class="facts"><span class="state">{_e(facts[0])}</span>'
        + "".join(f" · {_e(f)}" for f in facts[1:])
        + (f' <span class="when">{_e(when)}</span>' if when else "")
        + "</p>",
        f'<div class="bar" role="progressbar" aria-valuenow="{percent}" aria-valuemin="0"'
        f' aria-valuemax="100"><span style="width: {percent}%"></span></div>',
        f'<p class="source">from {_e(Path(str(status.get("source", ""))).name)} · project folder'
        f" projects/{_e(status.get('project', ''))}</p>",
    ]
    if errors:
        parts.append('<ul class="errors">')
        for error in errors:
            where = " ".join(str(error[k]) for k in ("stage", "scene") if error.get(k))
            parts.append(f'<li><span class="where">{_e(where)}</span> {_e(error.get("message", ""))}</li>')
        parts.append("</ul>")
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    parts += [_links(status), "</div>", "</article>"]
    return "\n".join(p for p in parts if p)


def _reports(root: Root) -> list[tuple[float, str, str]]:
    """(time, file, reason) of each report in inbox/failed/: scripts that did not become projects."""
    if not tree.is_folder(root.failed):
        return []
    out = []
    try:
        entries = list(root.failed.iterdir())
    except OSError:
        return []
    for path in entries:
        if not path.name.endswith(REPORT_SUFFIX):
            continue
        st = tree.lstat(path)
        if st is None or not stat.S_ISREG(st.st_mode):
            continue
        try:
            text = tree.read_bytes(root.path, path, REPORT_BYTES).decode("utf-8", "replace")
        except (OSError, tree.Refused):
            continue
        out.append((st.st_mtime, path.name.removesuffix(REPORT_SUFFIX), text.strip()))
    return sorted(out, reverse=True)[:REPORTS_SHOWN]


STYLE = """
:root { color-scheme: light dark; --fg: #1d1f24; --bg: #f4f2ee; --card: #ffffff; --muted: #666a73;
  --bar: #d9d6cf; --run: #2f6fdf; --ok: #23884a; --bad: #c0392b; --off: #8a8a8a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e6e1; --bg: #17181b; --card: #222429;
  --muted: #a0a3ab; --bar: #3a3d44; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif;
  color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; margin-bottom: 16px; }
h1 { margin: 0; font-size: 22px; }
header p { margin: 0; color: var(--muted); }
.project { display: flex; gap: 18px; padding: 14px; margin: 0 0 14px; background: var(--card);
  border-radius: 10px; border-left: 6px solid var(--bar); }
.project.running { border-left-color: var(--run); } .project.completed { border-left-color: var(--ok); }
.project.failed { border-left-color: var(--bad); } .project.cancelled { border-left-color: var(--off); }
.thumb { width: 240px; max-height: 180px; object-fit: contain; flex: none; border-radius: 6px;
  background: var(--bar); }
.thumb.none { display: flex; align-items: center; justify-content: center; height: 135px;
  color: var(--muted); font-size: 13px; }
.about { flex: 1; min-width: 0; }
h2 { margin: 0 0 4px; font-size: 18px; overflow-wrap: anywhere; }
p { margin: 4px 0; }
.state { font-weight: 600; } .failed .state { color: var(--bad); } .completed .state { color: var(--ok); }
.when, .source { color: var(--muted); font-size: 13px; } .when { margin-left: 8px; }
.bar { height: 8px; border-radius: 4px; background: var(--bar); overflow: hidden; margin: 8px 0; }
.bar span { display: block; height: 100%; background: var(--run); }
.completed .bar span { background: var(--ok); } .failed .bar span { background: var(--bad); }
.cancelled .bar span { background: var(--off); }
ul { margin: 6px 0; padding-left: 20px; } .errors li { color: var(--bad); overflow-wrap: anywhere; }
.errors .where { font-weight: 600; } .notes li { color: var(--muted); }
.links a { font-weight: 600; color: var(--run); }
section.refused { margin-top: 28px; } section.refused h2 { font-size: 17px; }
.report { background: var(--card); border-left: 6px solid var(--bad); border-radius: 10px;
  padding: 10px 14px; margin: 0 0 10px; }
.report pre { margin: 4px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; }
@media (max-width: 640px) { body { padding: 12px; } .project { flex-direction: column; }
  .thumb { width: 100%; max-height: none; } }
"""


def render(root: Root, statuses: Iterable[dict[str, Any]], now: float | None = None) -> str:
    """The page, from each project's status (as status.json has it) and the inbox's reports."""
    projects = sorted(statuses, key=lambda s: str(s.get("created") or ""), reverse=True)
    active = sum(1 for s in projects if s.get("state") in ACTIVE)
    reports = _reports(root)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() if now is None else now))
    summary = f"{len(projects)} film{'s' if len(projects) != 1 else ''}"
    if active:
        summary += f", {active} being made or waiting; this page reloads itself"
    head = [
        "<!DOCTYPE html>",
        MARK,
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing is loaded from anywhere but this folder and the project folders beside it.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file:;"
        " style-src 'unsafe-inline'\">",
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if active else "",
        "<title>scriptvid: films</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<header><h1>scriptvid films</h1><p>{_e(summary)} · updated {_e(stamp)}</p></header>",
    ]
    body = [_project(root, s) for s in projects]
    if not projects:
        body.append("<p>No films yet: drop a script into the inbox.</p>")
    if reports:
        body.append('<section class="refused"><h2>Files in the inbox that were not taken</h2>')
        for _, name, reason in reports:
            body.append(f'<div class="report"><strong>{_e(name)}</strong><pre>{_e(reason)}</pre></div>')
        body.append("</section>")
    return "\n".join(p for p in [*head, *body, "</body>", "</html>"] if p) + "\n"


def ours(root: Root, path: Path) -> bool:
    """Whether the index.html at `path` is absent or one scriptvid wrote (a person's own is kept)."""
    st = tree.lstat(path)
    if st is None:
        return True
    if not stat.S_ISREG(st.st_mode):
        return False
    try:
        return MARK.encode() in tree.read_bytes(root.path, path, 512)
    except (OSError, tree.Refused):
        return False


class OutboxPage:
    """Keeps outbox/index.html up to date from the ledger: the statuses of the projects that changed
    are read again, those of the others kept, and the page written when anything is new. `changed`
    may be called from any thread (the workers' transitions); `tick` from the daemon's loop."""

    MIN_GAP = 1.0  # seconds between two writes while projects change
    LOOK = 5.0  # seconds between looks at the active projects (ETA; workers elsewhere)

    def __init__(
        self, root: Root, status: Callable[[str], dict[str, Any]], names: Callable[[], list[str]]
    ) -> None:
        self.root = root
        self._status = status
        self._names = names
        self.known: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stale: set[str] = set()
        self._everything = True  # every project to be read (at the start)
        self._due = False  # written again without reading any status (a refused file's report)
        self.written = -float("inf")
        self.looked = -float("inf")
        self._refused_said = False

    def changed(self, project: str | None = None) -> None:
        """A project's status changed; None: something else the page shows (a refused file's
        report, which every write reads anyway)."""
        with self._lock:
            if project is None:
                self._due = True
            else:
                self._stale.add(project)

    def tick(self, now: float | None = None) -> bool:
        """Write the page if something changed (and the last write is a second old), or every few
        seconds while a film is being made. True when it was written."""
        now = time.monotonic() if now is None else now
        if now - self.looked >= self.LOOK:
            self.looked = now
            for name, status in list(self.known.items()):
                if status.get("state") in ACTIVE:
                    self.changed(name)
        with self._lock:
            due = self._everything or self._due or bool(self._stale)
        if not due or now - self.written < self.MIN_GAP:
            return False
        self.write()
        self.written = now
        return True

    def write(self) -> None:
        with self._lock:
            everything, stale = self._everything, self._stale
            self._everything, self._stale, self._due = False, set(), False
        if everything:
            names = set(self._names())
            self.known = {n: s for n, s in self.known.items() if n in names}
            stale = names
        for name in sorted(stale):
            try:
                self.known[name] = self._status(name)
            except Exception as exc:  # a project the ledger lost: left off the page, and said
                self.known.pop(name, None)
                log.get().warning("project left off outbox/index.html", project=name, error=str(exc))
        page = self.root.outbox / NAME
        try:
            tree.check_folder(self.root.path, self.root.outbox)
            if not ours(self.root, page):
                if not self._refused_said:
                    log.get().warning(
                        "outbox/index.html is not scriptvid's (a person's own file or a link): left as it is"
                    )
                    self._refused_said = True
                return
            fsutil.write_text(page, render(self.root, self.known.values()))
        except (OSError, tree.Refused) as exc:  # the page is for people; the films go on without it
            log.get().warning("outbox/index.html not written", error=str(exc))
