"""The drawn camera: a move across a still, with parallax between background and figures.

Moves are sub-pixel: each frame is an affine warp with bilinear filtering of the full-resolution
layers, so a slow push-in glides instead of stepping a pixel at a time. The move eases in and out,
so a scene starts and ends at rest and the transition to the next one blends two calm frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

MOTIONS = ("static", "push in", "pull out", "pan left", "pan right", "tilt up", "tilt down", "parallax")


@dataclass(frozen=True)
class Pose:
    zoom: float
    dx: float  # offset of the picture from the frame centre, as a fraction of the frame width
    dy: float  # ... of the frame height


@dataclass(frozen=True)
class Move:
    start: Pose
    end: Pose
    parallax: float  # figures move this many times as much as the background


def plan(motion: str, focus: tuple[float, float] = (0.0, 0.0)) -> Move:
    """The move for a motion prompt. `focus` is where the figures are, as offsets from the centre
    (fractions of the frame), so a push-in closes in on the people rather than on the wall."""
    fx, fy = focus
    words = motion.lower()
    if "push" in words or "zoom in" in words or "dolly in" in words:
        return Move(Pose(1.0, 0, 0), Pose(1.14, -fx * 0.14, -fy * 0.14), 1.0)
    if "pull" in words or "zoom out" in words or "dolly out" in words:
        return Move(Pose(1.14, -fx * 0.14, -fy * 0.14), Pose(1.0, 0, 0), 1.0)
    if "pan left" in words:
        return Move(Pose(1.1, -0.035, 0), Pose(1.1, 0.035, 0), 1.0)
    if "pan" in words:
        return Move(Pose(1.1, 0.035, 0), Pose(1.1, -0.035, 0), 1.0)
    if "tilt up" in words:
        return Move(Pose(1.1, 0, -0.035), Pose(1.1, 0, 0.035), 1.0)
    if "tilt" in words:
        return Move(Pose(1.1, 0, 0.035), Pose(1.1, 0, -0.035), 1.0)
    if "parallax" in words or "track" in words:
        return Move(Pose(1.08, 0.03, 0), Pose(1.08, -0.03, 0), 1.7)
    return Move(Pose(1.0, 0, 0), Pose(1.0, 0, 0), 1.0)


def _ease(t: float) -> float:
    """Smootherstep: zero speed and zero acceleration at both ends."""
    t = min(max(t, 0.0), 1.0)
    return t * t * t * (t * (t * 6 - 15) + 10)


def pose_at(move: Move, t: float) -> Pose:
    e = _ease(t)
    a, b = move.start, move.end
    return Pose(a.zoom + (b.zoom - a.zoom) * e, a.dx + (b.dx - a.dx) * e, a.dy + (b.dy - a.dy) * e)


def _matrix(pose: Pose, layer_size: tuple[int, int], frame: tuple[int, int], depth: float) -> np.ndarray:
    """Layer pixels -> frame pixels. `depth` > 1 exaggerates the move (a nearer layer)."""
    lw, lh = layer_size
    w, h = frame
    zoom = 1.0 + (pose.zoom - 1.0) * depth
    ox, oy = pose.dx * w * depth, pose.dy * h * depth
    return np.array(
        [[zoom, 0.0, w / 2 + ox - zoom * lw / 2], [0.0, zoom, h / 2 + oy - zoom * lh / 2]], dtype=np.float64
    )


@dataclass
class Layers:
    background: np.ndarray  # H'xW'x3 uint8, the frame's size or larger (a margin for the camera)
    figures: np.ndarray | None  # HxWx4 uint8 premultiplied, or None when there are no figures

    @classmethod
    def load(cls, background: Path, figures: Path | None) -> Layers:
        bg = np.asarray(Image.open(background).convert("RGB"))
        fg = None
        if figures is not None and figures.exists():
            rgba = np.asarray(Image.open(figures).convert("RGBA")).astype(np.uint16)
            if rgba[..., 3].any():
                alpha = rgba[..., 3:4]
                fg = np.concatenate([(rgba[..., :3] * alpha + 127) // 255, alpha], axis=2).astype(np.uint8)
        return cls(np.ascontiguousarray(bg), fg)

    @classmethod
    def still(cls, image: np.ndarray) -> Layers:
        return cls(np.ascontiguousarray(image), None)


# Draws mouths (or anything else that moves with the figures) on a finished frame:
# (frame, frame index, affine of the figures layer) -> None
Overlay = Callable[[np.ndarray, int, np.ndarray], None]


def frames(
    layers: Layers,
    move: Move,
    size: tuple[int, int],
    count: int,
    *,
    overlay: Overlay | None = None,
    fade_in: int = 0,
    fade_out: int = 0,
) -> Iterator[np.ndarray]:
    """`count` frames of the move, RGB uint8, with optional fades from and to black (in frames)."""
    w, h = size
    bg_size = (layers.background.shape[1], layers.background.shape[0])
    rigid = move.parallax == 1.0 and layers.figures is not None
    if rigid:
        # Background and figures move as one: composite once, warp once per frame.
        assert layers.figures is not None
        base = _composite_centered(layers.background, layers.figures)
        layers = Layers(base, None)
    out = np.empty((h, w, 3), dtype=np.uint8)
    for i in range(count):
        pose = pose_at(move, i / max(count - 1, 1))
        m_bg = _matrix(pose, bg_size, size, 1.0)
        cv2.warpAffine(
            layers.background, m_bg, (w, h), dst=out, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        m_fg = _matrix(pose, (w, h), size, move.parallax)
        if layers.figures is not None:
            fg = cv2.warpAffine(
                layers.figures,
                m_fg,
                (w, h),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=(0, 0, 0, 0),
            )
            inv = cv2.merge([255 - fg[..., 3]] * 3)
            cv2.add(cv2.multiply(out, inv, scale=1 / 255), fg[..., :3], dst=out)
        if overlay is not None:
            overlay(out, i, m_fg)
        level = 1.0
        if fade_in and i < fade_in:
            level = (i + 0.5) / fade_in
        if fade_out and i >= count - fade_out:
            level = min(level, (count - i - 0.5) / fade_out)
        if level < 1.0:
            yield cv2.convertScaleAbs(out, alpha=level)
        else:
            yield out


def _composite_centered(background: np.ndarray, figures: np.ndarray) -> np.ndarray:
    """Figures (frame size, premultiplied) over the middle of a background that may be larger."""
    base = background.copy()
    fh, fw = figures.shape[:2]
    y0 = (base.shape[0] - fh) // 2
    x0 = (base.shape[1] - fw) // 2
    region = base[y0 : y0 + fh, x0 : x0 + fw]
    inv = cv2.merge([255 - figures[..., 3]] * 3)
    base[y0 : y0 + fh, x0 : x0 + fw] = cv2.add(cv2.multiply(region, inv, scale=1 / 255), figures[..., :3])
    return base


def frame_count(seconds: float, fps: int) -> int:
    return max(1, math.ceil(seconds * fps - 1e-6))
