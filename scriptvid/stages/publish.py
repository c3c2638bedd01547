"""publish: the finished film and its subtitles appear in the outbox, whole or not at all.

Each file is first linked (or copied, across filesystems) to a hidden temporary name in the outbox,
then renamed over the old one: a person or a sync tool never sees half a film.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from .. import fsutil
from ..fsutil import file_digest
from ..runner import Job

NAME = "publish"


def _targets(job: Job) -> dict[str, tuple[Path, Path]]:
    render, outbox, stem = job.project.render_dir, job.root.outbox, job.project.name
    return {
        "video": (render / "final.mp4", outbox / f"{stem}.mp4"),
        "subtitles": (render / "film.srt", outbox / f"{stem}.srt"),
    }


def inputs(job: Job) -> dict[str, Any]:
    return {kind: file_digest(src) for kind, (src, _) in _targets(job).items()}


def outputs(job: Job) -> list[Path]:
    return [dest for _, dest in _targets(job).values()]


def run(job: Job) -> dict[str, Any]:
    job.root.outbox.mkdir(parents=True, exist_ok=True)
    placed: dict[str, str] = {}
    for kind, (src, dest) in _targets(job).items():
        place(src, dest)
        placed[kind] = str(dest)
    return {"outputs": placed}


def place(src: Path, dest: Path) -> None:
    """`src` at `dest`, renamed into place from a hidden name: whole or not at all."""
    with fsutil.atomic_path(dest, src.suffix) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)  # instant, and the outbox copy survives a re-render of render/
        except OSError:
            shutil.copyfile(src, tmp)
