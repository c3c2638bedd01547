"""The default animate backend: a camera move over the still, with parallax between the background
and the figures (see video/camera.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ... import fsutil
from ...backends import Backend
from ...settings import CameraSettings
from ...video import camera
from .interface import AnimateRequest


class CameraBackend(Backend):
    NAME = "camera"
    settings: CameraSettings

    def frames(self, req: AnimateRequest, span: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
        background = req.folder / "background.png"
        layers = camera.Layers.load(
            background if background.exists() else req.folder / "image.png", req.folder / "figures.png"
        )
        return camera.frames(
            layers,
            self._move(req),
            req.size,
            req.frames,
            fps=req.fps,
            beats=req.beats,
            span=span,
            overlay=req.overlay,
            fade_out=req.fade_out,
        )

    def places(self, req: AnimateRequest) -> list[tuple[float, float, float]]:
        """The camera's pose at each frame, rounded far below a pixel's worth (a float's last digits
        differ for the same frame moved by an earlier line)."""
        move = self._move(req)
        poses = (
            camera.pose_at(move, camera.progress(i, req.frames, req.fps, req.beats))
            for i in range(req.frames)
        )
        return [(round(p.zoom, 9), round(p.dx, 9), round(p.dy, 9)) for p in poses]

    def _move(self, req: AnimateRequest) -> camera.Move:
        """The scene's move: its motion prompt, towards where the people stand."""
        figures = fsutil.read_json(req.folder / "figures.json", {"figures": []})["figures"]
        return camera.plan(req.motion, _focus(figures, *req.size)).scaled(self.settings.strength)


def _focus(figures: list[dict[str, Any]], w: int, h: int) -> tuple[float, float]:
    """Where the people stand, as offsets from the centre in fractions of the frame."""
    if not figures:
        return (0.0, 0.0)
    xs = [(f["box"][0] + f["box"][2]) / 2 for f in figures]
    ys = [(f["box"][1] * 0.7 + f["box"][3] * 0.3) for f in figures]
    return (sum(xs) / len(xs) / w - 0.5, sum(ys) / len(ys) / h - 0.5)
