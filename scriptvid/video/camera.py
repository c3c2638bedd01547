"""The drawn camera: a move across a still, with parallax between background and figures.

Moves are sub-pixel: each frame is an affine warp with bilinear filtering of the full-resolution
layers, so a slow push-in glides instead of stepping a pixel at a time. The move eases in and out,
so a scene starts and ends at rest and the transition to the next one blends two calm frames.

Where the scene has dialogue, the camera moves as an operator would: it reframes on each beat (a
line, or a sentence of a long speech), a step of the scene's move eased over a second, and holds
while the line is said. A frame then depends only on where it is from its beats, not on how long
the scene is: a line said longer moves the frames after it in time, unchanged (so an edited line
redraws its own stretch of the scene, see stages/animate), and a held frame is the one before it
with the mouths redrawn, which costs no warp and little to encode.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .canvas import Canvas


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

    def scaled(self, strength: float) -> Move:
        """The same move, `strength` times as far from a still, centred frame."""
        if strength == 1.0:
            return self

        def scale(p: Pose) -> Pose:
            return Pose(1.0 + (p.zoom - 1.0) * strength, p.dx * strength, p.dy * strength)

        return Move(scale(self.start), scale(self.end), self.parallax)


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


# A reframe: the step of the move that a beat makes, eased over this long, starting a little before
# the line so that the camera arrives as the words do.
REFRAME_SECONDS = 1.0
REFRAME_LEAD = 0.3


def progress(index: int, count: int, fps: int, beats: Sequence[int] = ()) -> float:
    """How far along its move (0 to 1) the camera is at frame `index` of `count`.

    Without beats the move eases over the whole scene. With beats (frame numbers) it takes one
    equal step per beat, each eased over REFRAME_SECONDS; steps that overlap add up, so it never
    jumps. The value depends only on how many frames lie between the frame and each beat, so the same
    frame shifted by an earlier line said longer gets the same value, and held frames compare equal.
    """
    if not beats:
        return _ease(index / max(count - 1, 1))
    lead = REFRAME_LEAD * fps
    steps = sum(_ease((index - b + lead) / (REFRAME_SECONDS * fps)) for b in beats)
    return round(steps / len(beats), 9)


def pose_at(move: Move, e: float) -> Pose:
    """The pose `e` (0 to 1, see `progress`) of the way from the move's start to its end."""
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
    figures: np.ndarray | None  # premultiplied RGBA: the part of the frame-size layer that has people
    figures_at: tuple[int, int] = (0, 0)  # where that part's top-left lies in the frame-size layer
    frame_size: tuple[int, int] = (0, 0)  # (w, h) of the figures layer before cropping

    @classmethod
    def load(cls, background: Path, figures: Path | None) -> Layers:
        bg = np.ascontiguousarray(np.asarray(Image.open(background).convert("RGB")))
        if figures is None or not figures.exists():
            return cls(bg, None)
        rgba = np.asarray(Image.open(figures).convert("RGBA"))
        ys, xs = np.nonzero(rgba[..., 3])
        if ys.size == 0:
            return cls(bg, None)
        # Only the people are warped each frame, not the empty rest of their layer.
        y0, y1 = max(int(ys.min()) - 2, 0), min(int(ys.max()) + 3, rgba.shape[0])
        x0, x1 = max(int(xs.min()) - 2, 0), min(int(xs.max()) + 3, rgba.shape[1])
        part = rgba[y0:y1, x0:x1].astype(np.uint16)
        alpha = part[..., 3:4]
        premultiplied = np.concatenate([(part[..., :3] * alpha + 127) // 255, alpha], axis=2).astype(np.uint8)
        return cls(bg, np.ascontiguousarray(premultiplied), (x0, y0), (rgba.shape[1], rgba.shape[0]))

    @classmethod
    def still(cls, image: np.ndarray) -> Layers:
        return cls(np.ascontiguousarray(image), None)


def _over(out: np.ndarray, figures: np.ndarray, matrix: np.ndarray) -> None:
    """Warp the premultiplied figures with `matrix` and lay them over `out`, touching only the
    rectangle they land in."""
    h, w = out.shape[:2]
    fh, fw = figures.shape[:2]
    corners = np.array([[0, 0, 1], [fw, 0, 1], [0, fh, 1], [fw, fh, 1]], dtype=np.float64) @ matrix.T
    x0, y0 = max(int(np.floor(corners[:, 0].min())) - 1, 0), max(int(np.floor(corners[:, 1].min())) - 1, 0)
    x1, y1 = min(int(np.ceil(corners[:, 0].max())) + 1, w), min(int(np.ceil(corners[:, 1].max())) + 1, h)
    if x1 <= x0 or y1 <= y0:
        return
    shifted = matrix.copy()
    shifted[:, 2] -= (x0, y0)
    fg = cv2.warpAffine(
        figures,
        shifted,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0, 0),
    )
    region = out[y0:y1, x0:x1]
    inv = cv2.merge([255 - fg[..., 3]] * 3)
    cv2.add(cv2.multiply(region, inv, scale=1 / 255), fg[..., :3], dst=region)


@dataclass(frozen=True)
class Transform:
    """Where a point of the still's figures lies in one frame: `frame = still * scale + offset`."""

    scale: float
    x: float
    y: float

    def point(self, x: float, y: float) -> tuple[float, float]:
        return x * self.scale + self.x, y * self.scale + self.y


# Draws mouths (or anything else that moves with the figures) on a finished frame:
# (canvas, frame index, where the figures are in it) -> None
Overlay = Callable[[Canvas, int, Transform], None]


def _chroma_matrix(matrix: np.ndarray) -> np.ndarray:
    """The luma warp for the half-size chroma planes (chroma samples sit between luma pairs)."""
    out = matrix.copy()
    out[:, 2] = (matrix[:, 2] + 0.5 * (matrix[0, 0] + matrix[1, 1]) / 2 - 0.5) / 2
    return out


def frames(
    layers: Layers,
    move: Move,
    size: tuple[int, int],
    count: int,
    *,
    fps: int = 30,
    beats: Sequence[int] = (),
    span: tuple[int, int] | None = None,
    overlay: Overlay | None = None,
    fade_in: int = 0,
    fade_out: int = 0,
) -> Iterator[np.ndarray]:
    """The I420 frames of the move (`count` in all; `span`: only frames first..stop-1 of them), moving
    on its `beats` (see `progress`), with optional fades from and to black (in frames).

    Each frame is the same buffer, rewritten: use it before asking for the next.
    """
    w, h = size
    first, stop = span or (0, count)
    canvas = Canvas(w, h)
    rigid = move.parallax == 1.0 or layers.figures is None
    if rigid:
        # Background and figures move as one: composite once, then warp the picture's planes.
        base = _composite_centered(layers) if layers.figures is not None else layers.background
        bh, bw = base.shape[0] & ~1, base.shape[1] & ~1
        source = cv2.cvtColor(np.ascontiguousarray(base[:bh, :bw]), cv2.COLOR_RGB2YUV_I420)
        chroma = source[bh:].reshape(2, bh // 2, bw // 2)
        source_planes = (source[:bh], chroma[0], chroma[1])
        bg_size = (bw, bh)
    else:
        bg_size = (layers.background.shape[1], layers.background.shape[0])
        rgb = np.empty((h, w, 3), dtype=np.uint8)
    drawn: Pose | None = None  # the pose of the picture the canvas holds
    for i in range(first, stop):
        pose = pose_at(move, progress(i, count, fps, beats))
        m_bg = _matrix(pose, bg_size, size, 1.0)
        m_fg = _matrix(pose, (w, h), size, move.parallax)
        if pose == drawn:  # a held frame: the same picture, only what is drawn on it changes
            canvas.restore()
        elif rigid:
            y, u, v = canvas.planes
            m_c = _chroma_matrix(m_bg)
            for src, dst, m in zip(source_planes, (y, u, v), (m_bg, m_c, m_c), strict=True):
                cv2.warpAffine(
                    src,
                    m,
                    (dst.shape[1], dst.shape[0]),
                    dst=dst,
                    flags=cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REFLECT,
                )
        else:
            cv2.warpAffine(
                layers.background,
                m_bg,
                (w, h),
                dst=rgb,
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REFLECT,
            )
            assert layers.figures is not None
            m_part = m_fg.copy()
            m_part[:, 2] += m_fg[:, :2] @ np.array(layers.figures_at, dtype=np.float64)
            _over(rgb, layers.figures, m_part)
            canvas.set_rgb(rgb)
        if pose != drawn:
            drawn = pose
            if i + 1 < stop and pose_at(move, progress(i + 1, count, fps, beats)) == pose:
                canvas.keep()  # the next frame holds this picture
        if overlay is not None:
            overlay(canvas, i, Transform(m_fg[0, 0], m_fg[0, 2], m_fg[1, 2]))
        level = fade_level(i, count, fade_in, fade_out)
        if level < 1.0:
            canvas.fade(level)
        yield canvas.data


def fade_level(index: int, count: int, fade_in: int, fade_out: int) -> float:
    """How much of frame `index` of `count` is left after fades from and to black (1: all of it)."""
    level = 1.0
    if fade_in and index < fade_in:
        level = (index + 0.5) / fade_in
    if fade_out and index >= count - fade_out:
        level = min(level, (count - index - 0.5) / fade_out)
    return level


def _composite_centered(layers: Layers) -> np.ndarray:
    """The figures over the middle of a background that may be larger than the frame."""
    assert layers.figures is not None
    base = layers.background.copy()
    fw, fh = layers.frame_size
    offset = np.array(
        [
            [1.0, 0.0, (base.shape[1] - fw) // 2 + layers.figures_at[0]],
            [0.0, 1.0, (base.shape[0] - fh) // 2 + layers.figures_at[1]],
        ]
    )
    _over(base, layers.figures, offset)
    return base


def frame_count(seconds: float, fps: int) -> int:
    return max(1, math.ceil(seconds * fps - 1e-6))
