"""The drawing surface (frame coordinates, drawn at SS x) and the context a place is drawn in."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from PIL import Image, ImageDraw

from .light import RGB, Colour, Light, to_rgb

_T = TypeVar("_T")
SS = 2  # supersampling factor: drawn at 2x, reduced by area averaging


# -------------------------------------------------------------------------------------------- canvas


def gradient(n: int, stops: Sequence[tuple[float, Colour]]) -> np.ndarray:
    pos = np.array([p for p, _ in stops], dtype=np.float32)
    cols = np.array([to_rgb(c) for _, c in stops], dtype=np.float32)
    t = np.linspace(0.0, 1.0, max(n, 1), dtype=np.float32)
    return np.stack([np.interp(t, pos, cols[:, i]) for i in range(3)], axis=1)


@dataclass
class Glow:
    x: float
    y: float
    r: float
    colour: RGB
    strength: float


class Canvas:
    """A drawing surface in frame coordinates (pixels of the final frame), stored at SS x."""

    def __init__(
        self, x0: float, y0: float, x1: float, y1: float, img: Image.Image, paint: Callable[..., Any]
    ):
        self.L, self.T, self.R, self.B = x0, y0, x1, y1
        self.img = img
        self.draw = ImageDraw.Draw(img)
        self.paint = paint  # colour -> fill tuple (grading, alpha)

    def _p(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.L) * SS, (y - self.T) * SS

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        a, b = self._p(min(x0, x1), min(y0, y1))
        c, d = self._p(max(x0, x1), max(y0, y1))
        return a, b, c, d

    def rect(self, x0: float, y0: float, x1: float, y1: float, col: Colour, r: float = 0, **kw: Any) -> None:
        fill = self.paint(col, **kw)
        if r > 0:
            self.draw.rounded_rectangle(self._box(x0, y0, x1, y1), radius=r * SS, fill=fill)
        else:
            self.draw.rectangle(self._box(x0, y0, x1, y1), fill=fill)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, col: Colour, **kw: Any) -> None:
        self.draw.ellipse(self._box(cx - rx, cy - ry, cx + rx, cy + ry), fill=self.paint(col, **kw))

    def circle(self, cx: float, cy: float, r: float, col: Colour, **kw: Any) -> None:
        self.ellipse(cx, cy, r, r, col, **kw)

    def poly(self, pts: Sequence[tuple[float, float]], col: Colour, **kw: Any) -> None:
        self.draw.polygon([self._p(x, y) for x, y in pts], fill=self.paint(col, **kw))

    def line(self, pts: Sequence[tuple[float, float]], col: Colour, width: float, **kw: Any) -> None:
        fill = self.paint(col, **kw)
        self.draw.line(
            [self._p(x, y) for x, y in pts], fill=fill, width=max(1, round(width * SS)), joint="curve"
        )
        for x, y in (pts[0], pts[-1]):
            self.circle(x, y, width / 2, col, **kw)

    def chord(
        self, cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, col: Colour, **kw: Any
    ) -> None:
        self.draw.chord(self._box(cx - rx, cy - ry, cx + rx, cy + ry), a0, a1, fill=self.paint(col, **kw))

    def vgrad(
        self, x0: float, y0: float, x1: float, y1: float, stops: Sequence[tuple[float, Colour]]
    ) -> None:
        a, b, c, d = (round(v) for v in self._box(x0, y0, x1, y1))
        if c <= a or d <= b:
            return
        rows = gradient(d - b, stops).astype(np.uint8)
        block = np.ascontiguousarray(np.broadcast_to(rows[:, None, :], (d - b, c - a, 3)))
        self.img.paste(Image.fromarray(block), (a, b))


@dataclass
class Ctx:
    W: int
    H: int
    rng: random.Random
    tod: str
    interior: bool
    light: Light
    glows: list[Glow] = field(default_factory=list)
    sun_x: float = 0.0  # where the sun or moon stands, for reflections on water
    people: list[tuple[float, float]] = field(
        default_factory=list
    )  # figures' x spans, kept clear of a low sun

    @property
    def night(self) -> bool:
        return self.tod == "night"

    def pick(self, options: Sequence[_T]) -> _T:
        return options[self.rng.randrange(len(options))]

    def u(self, a: float, b: float) -> float:
        return self.rng.uniform(a, b)

    def glow(self, x: float, y: float, r: float, colour: Colour, strength: float) -> None:
        self.glows.append(Glow(x, y, r, to_rgb(colour), strength))


def apply_glows(img: np.ndarray, glows: Sequence[Glow], ox: float, oy: float) -> None:
    """Screen-blend soft round lights (lamps, moon, sun) into a uint8 RGB image, in place."""
    h, w = img.shape[:2]
    for g in glows:
        cx, cy = g.x + ox, g.y + oy
        x0, x1 = max(int(cx - g.r), 0), min(int(cx + g.r) + 1, w)
        y0, y1 = max(int(cy - g.r), 0), min(int(cy + g.r) + 1, h)
        if x1 <= x0 or y1 <= y0:
            continue
        xx = (np.arange(x0, x1, dtype=np.float32) - np.float32(cx)) ** 2
        yy = (np.arange(y0, y1, dtype=np.float32) - np.float32(cy)) ** 2
        d = np.sqrt(yy[:, None] + xx[None, :]) * np.float32(1.0 / g.r)
        f = (np.clip(1.0 - d, 0.0, 1.0) ** 2 * np.float32(g.strength))[..., None]
        inverse = 255.0 - img[y0:y1, x0:x1].astype(np.float32)
        col = np.array(g.colour, dtype=np.float32) / np.float32(255.0)
        img[y0:y1, x0:x1] = np.clip(np.float32(255.5) - inverse * (1.0 - f * col), 0, 255).astype(np.uint8)
