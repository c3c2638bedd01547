"""image: a still per scene, plus the layers that animate and lipsync work with.

Every backend writes `image.png`; the drawn `storyboard` backend also writes `background.png`,
`figures.png` (the people, on transparency) and `figures.json` (where each mouth is), which give
the camera its parallax and the lipsync its mouths.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from ... import backends, fsutil
from ...runner import Job
from .interface import LAYER_FILES, ImageRequest
from .storyboard import StoryboardBackend

NAME = "image"


class Backend(Protocol):
    NAME: str
    VERSION: str

    def render(self, req: ImageRequest, out_dir: Path) -> None:
        """Write `image.png` (req.width × req.height) into the empty folder `out_dir`, and, where the
        backend knows them, the layers: background.png, figures.png and figures.json."""
        ...


BACKENDS: dict[str, type[Backend]] = {StoryboardBackend.NAME: StoryboardBackend}


def _looks(job: Job) -> dict[str, dict[str, Any]]:
    chars = job.settings.characters
    return {name: chars[name] for name in job.scene.scene.characters if name in chars}


def inputs(job: Job) -> dict[str, Any]:
    spec = job.scene
    scene = spec.scene
    return {
        **backends.identity(backends.get(NAME, job.settings.backends.image, BACKENDS)),
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
    }


def outputs(job: Job) -> list[Path]:
    return [job.out_dir / "image.png"]


def run(job: Job) -> None:
    backend = backends.get(NAME, job.settings.backends.image, BACKENDS)
    request = ImageRequest(
        scene=job.scene.scene,
        prompt=job.scene.image_prompt,
        seed=job.scene.seed,
        width=job.settings.video.width,
        height=job.settings.video.height,
        looks=_looks(job),
        title=str(fsutil.read_json(job.project.path / "script.json", {}).get("title", "")),
    )
    # Draw into a private folder, then move each file in with one rename: a reader of the scene
    # folder never sees a half-written picture.
    with tempfile.TemporaryDirectory(prefix=".image-", dir=job.out_dir) as tmp:
        backend.render(request, Path(tmp))
        for name in LAYER_FILES:  # layers of an earlier backend must not outlive its picture
            (job.out_dir / name).unlink(missing_ok=True)
        for name in ("image.png", *LAYER_FILES):
            if (Path(tmp) / name).exists():
                os.replace(Path(tmp) / name, job.out_dir / name)
