"""What an animate backend is asked for and what it gives back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ...video.camera import Overlay


@dataclass(frozen=True)
class AnimateRequest:
    folder: Path  # the scene folder: image.png, and the layers where the image backend made them
    motion: str  # the scene's motion prompt
    size: tuple[int, int]
    frames: int
    overlay: Overlay  # drawn on each finished frame (moving mouths, subtitles), told where the figures are
    fade_out: int  # frames of fade to black at the end (the film's last scene)


class Backend(Protocol):
    def frames(self, req: AnimateRequest) -> Iterator[np.ndarray]:
        """Exactly `req.frames` frames of `req.size` in I420 (a `video.canvas.Canvas` holds one),
        each drawn over by `req.overlay` before it is yielded."""
        ...
