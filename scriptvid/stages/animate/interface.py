"""What an animate backend is asked for and what it gives back."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
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
    # Frames where the dialogue moves on (each line; a sentence well into a long speech): where a
    # drawn camera reframes. Empty: the scene has no dialogue.
    beats: tuple[int, ...] = ()


class Backend(Protocol):
    """A backend that draws its frames (the camera): fast, straight into the encoder's format, and
    any stretch of them on its own, so that an edit redraws only the frames it changed."""

    def frames(self, req: AnimateRequest, span: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
        """Frames first..stop-1 of the scene's `req.frames` (`span`; all of them without one), of
        `req.size` in I420 (a `video.canvas.Canvas` holds one), each drawn over by `req.overlay` and
        faded by `req.fade_out` before it is yielded."""
        ...

    def places(self, req: AnimateRequest) -> list[Hashable]:
        """Where each frame's picture is (the camera's pose): two frames of the same place, with the
        same overlays drawn on, are the same frame (see animate's pieces)."""
        ...


class ClipBackend(Protocol):
    """A backend that generates its frames (a video model): RGB, which a lip-sync model may change
    before the overlays are drawn and the frames encoded (see animate/__init__.py)."""

    def clip(self, req: AnimateRequest) -> Iterator[np.ndarray]:
        """Exactly `req.frames` RGB frames (height x width x 3, uint8) of `req.size`, at `req.fps`; the
        overlay and the fade are not the backend's to apply."""
        ...
