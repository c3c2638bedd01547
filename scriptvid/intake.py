"""Turning a complete file in the inbox into a project: claim it, record settings, queue parse.

This is the only code that touches people's files in the inbox. It moves them (never deletes,
never overwrites) and writes reports beside them when they cannot be used.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from . import backends, fsutil, log, settings
from .errors import InputError
from .ledger import Ledger, this_worker
from .project import (
    PROJECT_FOLDERS,
    SCRIPT_SUFFIXES,
    SIDECAR_SUFFIXES,
    Project,
    Root,
    claim_file,
    project_folders,
    slugify,
)
from .settings import Settings

PROJECT_HEADER = """\
# The settings of this film. Edit and save: scriptvid redoes what the change affects.
# Every key is explained in config/scriptvid.yaml; a scene can override any of them in its
# scene.yaml under `settings:`.
"""


def sidecar_for(script: Path) -> Path | None:
    for suffix in SIDECAR_SUFFIXES:
        candidate = script.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def report_failure(root: Root, src: Path, message: str) -> Path:
    """A readable report in inbox/failed/ for a file that could not become a project.

    The file itself stays where the person put it; the report says why and what to do.
    """
    root.failed.mkdir(parents=True, exist_ok=True)
    report = root.failed / f"{src.name}.error.txt"
    fsutil.write_text(
        report,
        f"{src.name} was not taken: {message}\n"
        "Fix it and save it again (or remove it); this report is rewritten each time.\n",
    )
    log.get().error("inbox file refused", file=str(src), error=message)
    return report


def claim(
    root: Root, script: Path, service: list[tuple[str, dict[str, Any]]], ledger: Ledger
) -> Project | None:
    """Make a project of `script` (and its sidecar). None when another daemon took it first.

    A bad sidecar still makes a project, a failed one whose status.json names the file and the key,
    so the person finds the script and the reason in one place.
    """
    try:
        st = script.lstat()
    except FileNotFoundError:
        return None
    name = ledger.claim(
        script.name,
        f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}",
        slugify(script.stem) or "script",
        lambda n: (root.projects / n).exists(),
        this_worker(),
    )
    if name is None:
        return None  # another daemon is taking it
    try:
        project = project_folders(root, name)
        moved = claim_file(script, project.source_dir)
        if moved is None:  # a person removed it meanwhile: nothing to make a project of
            for sub in reversed((".", *PROJECT_FOLDERS)):
                with contextlib.suppress(OSError):
                    (project.path / sub).rmdir()
            return None
        sidecar = sidecar_for(script)
        if sidecar is not None:
            claim_file(sidecar, project.source_dir)
        register(project, service, ledger)
    finally:
        ledger.release(script.name)
    log.get().info(
        "script taken from the inbox",
        project=project.name,
        file=script.name,
        sidecar=sidecar.name if sidecar else None,
    )
    return project


def adopt_sidecar(root: Root, project: Project) -> None:
    """After a crash between moving a script and its sidecar, the sidecar follows its script."""
    left = sidecar_for(root.inbox / project.script_file.name)
    if left is not None and project.sidecar_file is None:
        claim_file(left, project.source_dir)


def register(
    project: Project,
    service: list[tuple[str, dict[str, Any]]],
    ledger: Ledger,
    earlier: dict[str, Any] | None = None,
) -> None:
    """Record in the ledger a project whose script is in source/, with its project.yaml: ready to
    start, or failed with the reason when its sidecar cannot be used. A project.yaml already there
    (a project found again after a crash) is the person's and is kept. `earlier`: see
    `Ledger.register`."""
    error = "" if project.settings_file.exists() else write_project_settings(project, service)
    script = project.script_file
    ledger.register(project.name, title=script.stem, source=str(script), error=error, earlier=earlier)
    if error:
        log.get().error("project settings refused", project=project.name, error=error)


def effective_settings(project: Project, service: list[tuple[str, dict[str, Any]]]) -> Settings:
    layers = list(service)
    sidecar = project.sidecar_file
    if sidecar is not None:
        data = settings.load_yaml(sidecar)
        layers.append((str(sidecar), settings.project_layer(data, sidecar.name)))
    return settings.build(layers)


def write_project_settings(project: Project, service: list[tuple[str, dict[str, Any]]]) -> str:
    """project.yaml from config < environment < sidecar; an error message instead when one is bad."""
    try:
        film = effective_settings(project, service)
    except InputError as exc:
        return str(exc)
    where = str(project.sidecar_file or "the settings")
    for key, missing in backends.problems(film).items():
        return str(InputError(f"cannot be used here: {missing}", file=where, key=key))
    text = fsutil.yaml_text(settings.film_settings_dict(film), header=PROJECT_HEADER).encode("utf-8")
    project.note_written({project.settings_file: text})
    fsutil.write_bytes(project.settings_file, text)
    return ""


def is_script(path: Path) -> bool:
    return path.suffix.lower() in SCRIPT_SUFFIXES
