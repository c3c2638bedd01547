"""image: a still per scene, plus the layers that animate and lipsync work with.

Every backend writes `image.png`; the drawn `storyboard` backend also writes `background.png`,
`figures.png` (the people, on transparency) and `figures.json` (where each mouth is), which give
the camera its parallax and the lipsync its mouths.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

from ... import backends, fsutil
from ...runner import Job
from ...settings import CharacterSettings
from .. import cast
from .interface import LAYER_FILES, ImageRequest

NAME = "image"


def _characters(job: Job) -> dict[str, CharacterSettings]:
    """The settings of the characters in this scene."""
    chosen = job.settings.characters
    return {name: chosen[name] for name in job.scene.scene.characters if name in chosen}


def _looks(job: Job) -> dict[str, Any]:
    """What of the characters' settings the picture depends on: not their voices."""
    return {
        name: {k: v for k, v in dataclasses.asdict(c).items() if k != "voice"}
        for name, c in _characters(job).items()
    }


def _references(job: Job) -> dict[str, Path]:
    """The cast's pictures of the scene's characters, where the backend draws from them."""
    if not cast.wanted(job.settings):
        return {}
    found = {name: cast.reference(job.project, name) for name in job.scene.scene.characters}
    return {name: path for name, path in found.items() if path.exists()}


def inputs(job: Job) -> dict[str, Any]:
    spec = job.scene
    scene = spec.scene
    return {
        **backends.identity(NAME, job.settings),
        "scene": [
            scene.heading,
            scene.location,
            scene.time_of_day,
            scene.interior,
            scene.characters,
            scene.action,
        ],
        "prompt": spec.image_prompt,
        "seed": spec.seed,
        "size": [job.settings.video.width, job.settings.video.height],
        "looks": _looks(job),
        # The characters' reference pictures, where the backend draws from them.
        **({"cast": job.fingerprint_of("cast", None)} if cast.wanted(job.settings) else {}),
    }


def outputs(job: Job) -> list[Path]:
    return [job.out_dir / "image.png"]


def run(job: Job) -> None:
    request = ImageRequest(
        scene=job.scene.scene,
        prompt=job.scene.image_prompt,
        seed=job.scene.seed,
        width=job.settings.video.width,
        height=job.settings.video.height,
        characters=_characters(job),
        title=str(fsutil.read_json(job.project.path / "script.json", {}).get("title", "")),
        references=_references(job),
    )
    # Draw into a private folder, then move each file in with one rename: a reader of the scene
    # folder never sees a half-written picture.
    with tempfile.TemporaryDirectory(prefix=".image-", dir=job.out_dir) as tmp:
        with backends.use(NAME, job.settings) as backend:
            backend.render(request, Path(tmp))
        for name in LAYER_FILES:  # layers of an earlier backend must not outlive its picture
            (job.out_dir / name).unlink(missing_ok=True)
        for name in ("image.png", *LAYER_FILES):
            if (Path(tmp) / name).exists():
                os.replace(Path(tmp) / name, job.out_dir / name)
