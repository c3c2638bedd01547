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
    prompt: str  # the scene's image prompt: what is in the picture
    seed: int  # the scene's: the same request with the same seed gives the same clip
    size: tuple[int, int]
    fps: int
    frames: int
    overlay: Overlay  # drawn on each finished frame (moving mouths, subtitles), told where the figures are
    fade_out: int  # frames of fade to black at the end (the film's last scene)


class Backend(Protocol):
    """A backend that draws its frames (the camera): fast, straight into the encoder's format."""

    def frames(self, req: AnimateRequest) -> Iterator[np.ndarray]:
        """Exactly `req.frames` frames of `req.size` in I420 (a `video.canvas.Canvas` holds one),
        each drawn over by `req.overlay` and faded by `req.fade_out` before it is yielded."""
        ...


class ClipBackend(Protocol):
    """A backend that generates its frames (a video model): RGB, which a lip-sync model may change
    before the overlays are drawn and the frames encoded (see animate/__init__.py)."""

    def clip(self, req: AnimateRequest) -> Iterator[np.ndarray]:
        """Exactly `req.frames` RGB frames (height x width x 3, uint8) of `req.size`, at `req.fps`; the
        overlay and the fade are not the backend's to apply."""
        ...
