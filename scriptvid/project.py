"""The folder tree: where every file of a project lives, and how a script becomes a project.

root/inbox/          watched; people drop scripts here
root/inbox/failed/   reports for files that could not become a project (the file stays put)
root/outbox/         finished films and subtitles
root/projects/<slug>/source/      the script (and its sidecar), moved here from the inbox
root/projects/<slug>/project.yaml the effective film settings; editable
root/projects/<slug>/status.json  state, stage, progress, errors
root/projects/<slug>/scenes/NNN-<heading>/scene.yaml and its outputs
root/projects/<slug>/music/ render/ logs/ storyboard.png
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import fsutil, tree
from .errors import InputError

SCRIPT_SUFFIXES = (".fountain", ".fdx", ".fadein", ".highland", ".pdf", ".txt", ".md")
SIDECAR_SUFFIXES = (".yaml", ".yml")
_IGNORED_SUFFIXES = ("~", ".part", ".tmp", ".swp", ".crdownload", ".partial")


def is_ignored_name(name: str) -> bool:
    """Hidden and temporary names that editors and copy tools leave while they work."""
    return name.startswith((".", "~$", "#")) or name.lower().endswith(_IGNORED_SUFFIXES)


def slugify(text: str, max_len: int = 60) -> str:
    """A name safe in any filesystem and URL: ASCII letters, digits and dashes."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:max_len].rstrip("-")


@dataclass(frozen=True)
class Root:
    """The data folder that holds inbox/, outbox/, projects/ and the queue database."""

    path: Path

    @property
    def inbox(self) -> Path:
        return self.path / "inbox"

    @property
    def failed(self) -> Path:
        return self.inbox / "failed"

    @property
    def outbox(self) -> Path:
        return self.path / "outbox"

    @property
    def projects(self) -> Path:
        return self.path / "projects"

    @property
    def queue_db(self) -> Path:
        return self.path / "queue.db"

    def ensure(self) -> None:
        for folder in (self.inbox, self.outbox, self.projects):
            folder.mkdir(parents=True, exist_ok=True)

    def project(self, name: str) -> Project:
        return Project(self.projects / name)


CHARACTER_FILE_LIMIT = 200 << 20  # a picture or a voice recording; anything larger is not one


@dataclass(frozen=True)
class Project:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def data_folder(self) -> Path:
        return self.path.parents[1]

    def read(self, path: Path, limit: int | None = None) -> bytes:
        """A file of this project, read without following a link (see `tree.read_bytes`)."""
        return tree.read_bytes(self.data_folder, path, limit)

    @property
    def source_dir(self) -> Path:
        return self.path / "source"

    def character_file(self, name: str) -> Path:
        """A file that a character's settings name (`image`, `voice.clip`): a bare name is one that was
        beside the script, copied into source/ when the script was taken; a path is inside the project
        folder. The settings refuse absolute paths and `..`; read it with `read`, which follows no link."""
        return self.path / name if "/" in name else self.source_dir / name

    @property
    def settings_file(self) -> Path:
        return self.path / "project.yaml"

    @property
    def status_file(self) -> Path:
        return self.path / "status.json"

    @property
    def cancel_file(self) -> Path:
        return self.path / "CANCEL"

    @property
    def scenes_dir(self) -> Path:
        return self.path / "scenes"

    @property
    def music_dir(self) -> Path:
        return self.path / "music"

    @property
    def render_dir(self) -> Path:
        return self.path / "render"

    @property
    def cast_dir(self) -> Path:
        """A reference picture per character (see stages/cast.py)."""
        return self.path / "cast"

    def made_record(self, stage: str, scene: str | None) -> Path:
        """What a step's outputs were made from, written beside them when they are complete (see
        runner.py): a worker that dies before the ledger hears of it leaves its work usable."""
        return self.path / "made" / (f"{stage}.json" if scene is None else f"{stage}--{scene}.json")

    @property
    def storyboard(self) -> Path:
        return self.path / "storyboard.png"

    @property
    def title_card(self) -> Path:
        return self.render_dir / "title.mp4"

    @property
    def title_tail(self) -> Path:
        """The end of the title card, which the transition into the first scene blends away."""
        return self.render_dir / "title-tail.mp4"

    @property
    def sound_file(self) -> Path:
        """The film's encoded sound, made by mix, muxed beside the picture by assemble."""
        return self.render_dir / "sound.m4a"

    def into_file(self, scene: str) -> Path:
        """The transition into a scene from the one before it (or from the title card)."""
        return self.scenes_dir / scene / "into.mp4"

    @property
    def script_file(self) -> Path:
        """The script in source/ (the one file there that is not a sidecar). A link or a pipe put
        here is refused when it is read; a second script is refused here, so that the film is never
        made of whichever name sorts first."""
        found = [
            p
            for p in sorted(self.source_dir.iterdir())
            if p.suffix.lower() in SCRIPT_SUFFIXES and not is_ignored_name(p.name)
        ]
        if len(found) > 1:
            names = ", ".join(fsutil.printable(p.name) for p in found)
            raise InputError(
                f"holds {len(found)} scripts ({names}); leave only the one this project films",
                file=str(self.source_dir),
            )
        if not found:
            raise FileNotFoundError(f"no script in {self.source_dir}")
        return found[0]

    @property
    def sidecar_file(self) -> Path | None:
        for suffix in SIDECAR_SUFFIXES:
            candidate = self.source_dir / (self.script_file.stem + suffix)
            if tree.lexists(candidate):
                return candidate
        return None

    def scene_dirs(self) -> list[Path]:
        """Scene folders in film order (their names start with the zero-padded number)."""
        if not self.scenes_dir.is_dir():
            return []
        return sorted(p for p in self.scenes_dir.iterdir() if p.is_dir() and (p / "scene.yaml").is_file())

    def uncancel(self) -> str:
        """Take CANCEL away, whatever form it has; what it was, for the log. A folder with files in it
        is a person's: it is renamed (CANCEL.kept-<time>), not removed."""
        st = tree.lstat(self.cancel_file)
        if st is None:
            return ""
        kind = tree.what_is(st.st_mode)
        if not stat.S_ISDIR(st.st_mode):
            self.cancel_file.unlink(missing_ok=True)
            return kind
        try:
            self.cancel_file.rmdir()
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            kept = self.path / time.strftime("CANCEL.kept-%Y%m%dT%H%M%S")
            os.rename(self.cancel_file, kept)
            return f"{kind} with files in it, kept as {kept.name}"
        return kind

    def is_cancelled(self) -> bool:
        """CANCEL in any form: a file, a folder, a link (even one that leads nowhere)."""
        return tree.lexists(self.cancel_file)

    # scene.yaml and project.yaml are written by scriptvid and then edited by people. The digests of
    # what scriptvid itself wrote tell the two apart: a change event for a file whose content is
    # what we wrote is our own write; anything else is a person's edit.

    @property
    def _written_file(self) -> Path:
        return self.path / ".written.json"

    def note_written(self, contents: dict[Path, bytes]) -> None:
        """Record what is about to be written, before writing it, so no event can outrun the record."""
        ledger = self._written()
        for path, data in contents.items():
            ledger[str(path.relative_to(self.path))] = hashlib.sha256(data).hexdigest()
        fsutil.write_json(self._written_file, ledger)

    def written_by_us(self, path: Path) -> bool:
        """Whether `path` holds exactly what scriptvid last wrote there."""
        expected = self._written().get(str(path.relative_to(self.path)))
        try:
            return expected == hashlib.sha256(self.read(path)).hexdigest()
        except (OSError, tree.Refused):
            return False

    def _written(self) -> dict[str, str]:
        """The record of what scriptvid wrote; empty when a person removed, spoiled or linked it."""
        try:
            data = json.loads(self.read(self._written_file))
        except (OSError, ValueError, tree.Refused):
            return {}
        return data if isinstance(data, dict) else {}


def scene_dir_name(number: int, heading: str) -> str:
    return f"{number:03d}-{slugify(heading, 40) or 'scene'}"


PROJECT_FOLDERS = ("source", "scenes", "music", "render", "logs")


def create_project(root: Root, stem: str) -> Project:
    """A new, empty project folder named after the script; `-2`, `-3`... when the name is taken.

    `mkdir` is atomic, so two processes creating projects at once never share a folder.
    """
    base = slugify(stem) or "script"
    for n in range(1, 10_000):
        path = root.projects / (base if n == 1 else f"{base}-{n}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        return project_folders(root, path.name)
    raise RuntimeError(f"more than 10000 projects named {base!r}")


def project_folders(root: Root, name: str) -> Project:
    """The project folder `name` and its subfolders (made where missing)."""
    project = root.project(name)
    for sub in PROJECT_FOLDERS:
        tree.check_folder(root.path, project.path / sub)  # made where missing; never through a link
    return project


def claim_file(src: Path, dest_dir: Path) -> Path | None:
    """Move `src` into `dest_dir`. None if it is gone: another daemon or a person took it first.

    A rename is atomic on one filesystem, which is what makes two daemons on one inbox safe. Across
    filesystems (an inbox on another mount) the file is copied first and removed only after the copy
    is complete and synced, so it is never lost.
    """
    dest = dest_dir / src.name
    if tree.lexists(dest):
        raise FileExistsError(dest)
    try:
        os.rename(src, dest)
        return dest
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    tmp = dest_dir / f".{fsutil.fit_name(src.name, room=11)}.claim.tmp"
    # Opened without following a link: what was checked to be a file in the inbox must still be one.
    with os.fdopen(tree.open_file(src.parent, src), "rb") as fin, open(tmp, "wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())
    shutil.copystat(src, tmp, follow_symlinks=False)
    os.replace(tmp, dest)
    src.unlink()
    return dest
