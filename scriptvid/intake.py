"""Turning a complete file in the inbox into a project: claim it, record settings, queue parse.

This is the only code that touches people's files in the inbox. It moves them (never deletes,
never overwrites) and writes reports beside them when they cannot be used.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from . import backends, fsutil, log, settings, tree
from .errors import InputError
from .ledger import Ledger, this_worker
from .project import (
    CHARACTER_FILE_LIMIT,
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
    """The settings file that came with `script`. Anything of that name counts (a link or a pipe
    too): it goes with its script, and its project fails saying what it is, when it is read."""
    for suffix in SIDECAR_SUFFIXES:
        candidate = script.with_suffix(suffix)
        if tree.lexists(candidate) and not tree.is_folder(candidate):
            return candidate
    return None


REPORT_SUFFIX = ".error.txt"


def report_failure(root: Root, src: Path, message: str) -> Path | None:
    """A readable report in inbox/failed/ for a file that could not become a project.

    The file itself stays where the person put it; the report says why and what to do. The report
    is named after the file (shortened, with a digest, where that name would be too long). When
    inbox/failed is not a folder of ours (a person put a file or a link by that name), the reason
    goes to the log only: nothing is written through a link.
    """
    name = fsutil.printable(src.name)
    log.get().error("inbox file refused", file=fsutil.printable(str(src)), error=message)
    try:
        tree.check_folder(root.path, root.failed)
        report = root.failed / (fsutil.fit_name(src.name, room=len(REPORT_SUFFIX) + 24) + REPORT_SUFFIX)
        fsutil.write_text(
            report,
            f"{name} was not taken: {message}\n"
            "Fix it and save it again (or remove it); this report is rewritten each time.\n",
        )
    except (OSError, tree.Refused) as exc:
        log.get().error("report not written", file=name, folder=str(root.failed), error=str(exc))
        return None
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
    file = fsutil.printable(script.name)
    name = ledger.claim(
        file,
        f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}",
        slugify(script.stem) or "script",
        lambda n: tree.lexists(root.projects / n),
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
        ledger.release(file)
    log.get().info(
        "script taken from the inbox",
        project=project.name,
        file=file,
        sidecar=fsutil.printable(sidecar.name) if sidecar else None,
    )
    return project


def _character_files(film: Settings) -> list[tuple[str, str]]:
    """(key, file name) of each file beside the script the characters' settings name: a picture
    (`image`) and a recording to clone a voice from (`voice.clip`). A path (voices/ana.wav) is a file
    inside the project folder, not beside the script: it is not brought."""
    return [
        (f"characters.{name}.{key}", value)
        for name, c in film.characters.items()
        for key, value in (("image", c.image), ("voice.clip", c.voice.clip))
        if value and "/" not in value
    ]


def bring_character_files(project: Project, film: Settings) -> InputError | None:
    """Copy into source/ the files the characters' settings name, from beside the script; the first
    that is not there (or is refused) as an error. Copied, not moved: one picture may serve several
    films. Read without following links, and only regular files."""
    inbox = Root(project.data_folder).inbox
    for key, name in _character_files(film):
        target = project.source_dir / name
        if tree.lexists(target):
            continue
        where = str(project.sidecar_file or "the settings")
        try:
            content = tree.read_bytes(project.data_folder, inbox / name, limit=CHARACTER_FILE_LIMIT)
        except FileNotFoundError:
            return InputError(
                f"{name} is not beside the script (put it in the inbox with the script, then drop the"
                " script again)",
                file=where,
                key=key,
            )
        except (OSError, tree.Refused) as exc:
            return InputError(f"{name} cannot be taken: {exc}", file=where, key=key)
        if len(content) > CHARACTER_FILE_LIMIT:
            return InputError(f"{name} is over {CHARACTER_FILE_LIMIT >> 20} MB", file=where, key=key)
        fsutil.write_bytes(target, content)
    return None


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
    error = "" if tree.lexists(project.settings_file) else write_project_settings(project, service)
    script = project.script_file
    ledger.register(
        project.name,
        title=fsutil.printable(script.stem),
        source=fsutil.printable(str(script)),
        error=fsutil.printable(error),
        earlier=earlier,
    )
    if error:
        log.get().error("project settings refused", project=project.name, error=error)


def effective_settings(project: Project, service: list[tuple[str, dict[str, Any]]]) -> Settings:
    layers = list(service)
    sidecar = project.sidecar_file
    if sidecar is not None:
        data = settings.load_yaml(sidecar, base=project.data_folder)
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
    absent = bring_character_files(project, film)
    if absent is not None:
        return str(absent)
    text = fsutil.yaml_text(settings.film_settings_dict(film), header=PROJECT_HEADER).encode("utf-8")
    project.note_written({project.settings_file: text})
    fsutil.write_bytes(project.settings_file, text)
    return ""


def is_script(path: Path) -> bool:
    return path.suffix.lower() in SCRIPT_SUFFIXES
