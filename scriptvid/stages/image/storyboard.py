"""The default image backend: a flat-illustration storyboard frame drawn from the scene, on a CPU.

The setting comes from the words of the scene (location, heading, prompt, action: "kitchen", "beach",
"rooftop", ... with a generic interior and exterior as fallbacks), the light from its time of day (day,
night, dusk, dawn: one grade per time keeps every frame of a film in one palette). The characters stand
in front as figures whose look (clothes colour, build, height, hair, skin) comes from the name or the
project's `looks` setting, so a character is recognisable from scene to scene.

Everything is drawn at 2x and reduced with area averaging, which antialiases every edge. Variation
(wall colours, window count, where the trees stand) comes from a generator seeded by the seed and the
prompt, so the same request gives the same bytes and another seed or prompt another picture.

Outputs, for the animate and lipsync stages: `background.png` is the setting without people, drawn
with a margin of 8 % of the frame on each side so that a camera can pan over it with parallax
(figures.json `"margin": {"x": mx, "y": my}` in pixels: the frame is `background[my:my+H, mx:mx+W]`);
`figures.png` the people alone (RGBA, frame size); `figures.json` their boxes and mouths.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np
from PIL import Image, ImageDraw

from scriptvid.model import Scene
from scriptvid.stages.image.mouth import draw_mouth

RGB = tuple[int, int, int]
_T = TypeVar("_T")
Colour = str | tuple[int, ...]

SS = 2  # supersampling factor: drawn at 2x, reduced by area averaging
MARGIN = 0.08  # background overscan on each side, as a fraction of the frame
MAX_FIGURES = 6

# --------------------------------------------------------------------------------------------- looks

BUILDS = {"slim": 0.84, "average": 1.0, "broad": 1.2}
HEIGHTS = {"short": 0.9, "average": 1.0, "tall": 1.1}
HAIRS = ("short", "long", "bald", "curly", "bun")
_LOOK_CHOICES: dict[str, tuple[str, ...]] = {
    "build": tuple(BUILDS),
    "height": tuple(HEIGHTS),
    "hair": HAIRS,
}
_LOOK_COLOURS = ("colour", "hair_colour", "skin")
_CLOTHES = (
    "#e4572e", "#2e86ab", "#f2a541", "#6a4c93", "#3bb273", "#d1495b", "#119da4", "#ef8354",
    "#4f6d7a", "#c05299", "#7768ae", "#e9c46a", "#5b8e7d", "#bc4b51", "#3d5a80", "#f28482",
)  # fmt: skip
_SKINS = ("#f7d7bf", "#efc3a0", "#e0ac86", "#c98e66", "#ad7350", "#8d5538", "#6e4029")
_HAIR_COLOURS = ("#2a1f1a", "#3e2a1f", "#5a3825", "#7d4f2c", "#a5562b", "#d9b26f", "#a3a3a3", "#1d1d26")
_TROUSERS = ("#2f3e57", "#3b3b47", "#4a3b31", "#56657a", "#6b5a45", "#2e4a4a", "#453a5c")
# Weighted so that bald and bun are rarer than short and long.
_HAIR_WEIGHTED = ("short", "short", "short", "long", "long", "long", "curly", "curly", "bun", "bald")


@dataclass(frozen=True)
class Look:
    """How one character is drawn in every scene."""

    colour: str  # clothes, "#rrggbb"
    build: str  # slim | average | broad
    height: str  # short | average | tall
    hair: str  # short | long | bald | curly | bun
    hair_colour: str
    skin: str
    trousers: str  # derived from the name only


def validate_look(mapping: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first bad key or value of a character's look override."""
    allowed = (*_LOOK_COLOURS, *_LOOK_CHOICES)
    for key, value in mapping.items():
        if key in _LOOK_COLOURS:
            if not isinstance(value, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
                raise ValueError(f"look {key}: {value!r} is not a colour; expected '#rrggbb'")
        elif key in _LOOK_CHOICES:
            if not isinstance(value, str) or value.lower() not in _LOOK_CHOICES[key]:
                raise ValueError(f"look {key}: {value!r} is not one of {', '.join(_LOOK_CHOICES[key])}")
        else:
            raise ValueError(f"look: unknown key {key!r}; allowed keys: {', '.join(allowed)}")


def character_look(name: str, overrides: Mapping[str, Any]) -> Look:
    """The look of the character `name`: derived from the name's hash, with `overrides` winning."""
    validate_look(overrides)
    h = hashlib.sha256(name.strip().upper().encode()).digest()
    look = {
        "colour": _CLOTHES[h[0] % len(_CLOTHES)],
        "build": ("slim", "average", "average", "broad")[h[1] % 4],
        "height": ("short", "average", "average", "tall")[h[2] % 4],
        "hair": _HAIR_WEIGHTED[h[3] % len(_HAIR_WEIGHTED)],
        "hair_colour": _HAIR_COLOURS[h[4] % len(_HAIR_COLOURS)],
        "skin": _SKINS[h[5] % len(_SKINS)],
        "trousers": _TROUSERS[h[6] % len(_TROUSERS)],
    }
    for key, value in overrides.items():
        look[key] = value.lower()
    return Look(**look)


# ------------------------------------------------------------------------------------------- request


@dataclass(frozen=True)
class ImageRequest:
    scene: Scene
    prompt: str  # the scene's image prompt; hashed into the variation
    seed: int
    width: int
    height: int
    looks: Mapping[str, Mapping[str, Any]]  # per-character overrides, keys upper-case names
    title: str


# ------------------------------------------------------------------------------------------- colours


def _rgb(c: Colour) -> RGB:
    if isinstance(c, str):
        h = c.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return c[0], c[1], c[2]


def _hex(c: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*c)


def _mix(a: Colour, b: Colour, t: float) -> RGB:
    ra, rb = _rgb(a), _rgb(b)
    return (
        round(ra[0] + (rb[0] - ra[0]) * t),
        round(ra[1] + (rb[1] - ra[1]) * t),
        round(ra[2] + (rb[2] - ra[2]) * t),
    )


def _shade(c: Colour, k: float) -> RGB:
    r = _rgb(c)
    return (min(255, round(r[0] * k)), min(255, round(r[1] * k)), min(255, round(r[2] * k)))


@dataclass(frozen=True)
class _Light:
    """One time of day: its sky and the grade every drawn colour goes through."""

    sky: tuple[tuple[float, str], ...]  # gradient stops, top (0) to horizon (1)
    mul: tuple[float, float, float]
    add: tuple[float, float, float]
    mul_in: tuple[float, float, float]  # interiors are lamp-lit at night: a milder grade
    add_in: tuple[float, float, float]

    def grade(self, c: Colour, interior: bool, amount: float = 1.0) -> RGB:
        r = _rgb(c)
        mul, add = (self.mul_in, self.add_in) if interior else (self.mul, self.add)
        out = []
        for i in range(3):
            v = r[i] * mul[i] + add[i]
            out.append(max(0, min(255, round(r[i] + (v - r[i]) * amount))))
        return out[0], out[1], out[2]


_LIGHTS = {
    "day": _Light(
        ((0.0, "#5fa8e0"), (1.0, "#d4ecf7")), (1.0, 1.0, 1.0), (0, 0, 0), (1.0, 1.0, 1.0), (0, 0, 0)
    ),
    "night": _Light(
        ((0.0, "#0a1230"), (0.65, "#1c2b58"), (1.0, "#34477a")),
        (0.30, 0.35, 0.52),
        (6, 10, 30),
        (0.72, 0.62, 0.58),
        (8, 6, 18),
    ),
    "dusk": _Light(
        ((0.0, "#34346f"), (0.45, "#b0577a"), (0.8, "#f08a5d"), (1.0, "#fbc46d")),
        (0.97, 0.85, 0.82),
        (16, 4, 16),
        (1.0, 0.86, 0.78),
        (8, 2, 4),
    ),
    "dawn": _Light(
        ((0.0, "#8fb0dc"), (0.6, "#dcc3df"), (1.0, "#fad4c0")),
        (0.90, 0.86, 0.92),
        (22, 14, 24),
        (0.97, 0.93, 0.95),
        (10, 6, 10),
    ),
}

_TIMES = (
    ("dusk", r"NIGHTFALL|DUSK|SUNSET|SUNDOWN|TWILIGHT|EVENING|MAGIC HOUR|GOLDEN HOUR"),
    ("night", r"NIGHT|MIDNIGHT|NIGHTTIME"),
    ("dawn", r"DAWN|SUNRISE|DAYBREAK|FIRST LIGHT|EARLY MORNING"),
    ("day", r"DAY|DAYTIME|MORNING|AFTERNOON|NOON|MIDDAY|LUNCHTIME"),
)


def time_of_day(scene: Scene, prompt: str) -> str:
    """day, night, dusk or dawn: the heading's time, else the first time word of heading, prompt, action."""
    for text in (scene.time_of_day, scene.heading, prompt, " ".join(scene.action)):
        found = [
            (m.start(), tod)
            for tod, pattern in _TIMES
            for m in [re.search(rf"\b(?:{pattern})\b", text.upper())]
            if m
        ]
        if found:
            return min(found)[1]
    return "day"


# -------------------------------------------------------------------------------------------- canvas


def _gradient(n: int, stops: Sequence[tuple[float, Colour]]) -> np.ndarray:
    pos = np.array([p for p, _ in stops], dtype=np.float32)
    cols = np.array([_rgb(c) for _, c in stops], dtype=np.float32)
    t = np.linspace(0.0, 1.0, max(n, 1), dtype=np.float32)
    return np.stack([np.interp(t, pos, cols[:, i]) for i in range(3)], axis=1)


@dataclass
class _Glow:
    x: float
    y: float
    r: float
    colour: RGB
    strength: float


class _Canvas:
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
        rows = _gradient(d - b, stops).astype(np.uint8)
        block = np.ascontiguousarray(np.broadcast_to(rows[:, None, :], (d - b, c - a, 3)))
        self.img.paste(Image.fromarray(block), (a, b))


@dataclass
class _Ctx:
    W: int
    H: int
    rng: random.Random
    tod: str
    interior: bool
    light: _Light
    glows: list[_Glow] = field(default_factory=list)
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
        self.glows.append(_Glow(x, y, r, _rgb(colour), strength))


def _apply_glows(img: np.ndarray, glows: Sequence[_Glow], ox: float, oy: float) -> None:
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


# ---------------------------------------------------------------------------------- scenery helpers


def _sky_objects(cv: _Canvas, ctx: _Ctx, horizon: float, clouds: bool = True) -> None:
    W, H = ctx.W, ctx.H
    if ctx.night:
        for _ in range(int(110 * W / 1920 * (horizon - cv.T) / H) + 20):
            x, y = ctx.u(cv.L, cv.R), ctx.u(cv.T, horizon - 0.05 * H)
            r = ctx.u(0.6, 1.7) * H / 1080
            cv.circle(x, y, r, ctx.pick(("#ffffff", "#fff4d6", "#dfe8ff")), lit=True)
        side = ctx.rng.random() < 0.5
        mx, my, mr = W * (ctx.u(0.12, 0.28) if side else ctx.u(0.7, 0.86)), H * ctx.u(0.12, 0.2), H * 0.055
        ctx.glow(mx, my, mr * 5, "#9fb8ff", 0.45)
        ctx.sun_x = mx
        cv.circle(mx, my, mr, "#f6f1dc", lit=True)
        for dx, dy, rr in ((-0.3, -0.2, 0.22), (0.35, 0.25, 0.16), (-0.05, 0.45, 0.12)):
            cv.circle(mx + dx * mr, my + dy * mr, rr * mr, "#e4dec4", lit=True)
        return
    if ctx.tod == "day":
        sx, sy, sr, sc = W * ctx.u(0.72, 0.9), H * ctx.u(0.1, 0.18), H * 0.05, "#fff8de"
        ctx.glow(sx, sy, sr * 5, "#fff3c4", 0.5)
    elif ctx.tod == "dusk":
        sx, sy, sr, sc = _clear_x(ctx), horizon - H * 0.07, H * 0.075, "#ffd98a"
        ctx.glow(sx, sy, H * 0.6, "#ffb56b", 0.55)
    else:
        sx, sy, sr, sc = _clear_x(ctx), horizon - H * 0.1, H * 0.06, "#fff1d0"
        ctx.glow(sx, sy, H * 0.45, "#ffd9c4", 0.5)
    ctx.sun_x = sx
    cv.circle(sx, sy, sr, sc, lit=True)
    if clouds:
        for i in range(ctx.rng.randint(2, 4)):
            x = cv.L + (cv.R - cv.L) * (i + ctx.u(0.15, 0.85)) / 4
            _cloud(cv, x, H * ctx.u(0.1, 0.3), H * ctx.u(0.045, 0.075))


def _clear_x(ctx: _Ctx) -> float:
    """The middle of the widest gap between the figures, so that a low sun is not hidden behind one."""
    edges = sorted([(ctx.W * 0.12, ctx.W * 0.12), *ctx.people, (ctx.W * 0.88, ctx.W * 0.88)])
    gaps = [(b[0] - a[1], (a[1] + b[0]) / 2) for a, b in itertools.pairwise(edges)]
    return max(gaps)[1] + ctx.u(-0.02, 0.02) * ctx.W


def _cloud(cv: _Canvas, x: float, y: float, s: float) -> None:
    col = "#ffffff"
    for dx, dy, r in ((-0.9, 0.05, 0.55), (-0.15, -0.3, 0.8), (0.7, -0.05, 0.62)):
        cv.circle(x + dx * s, y + dy * s, r * s, col)
    cv.rect(x - 1.45 * s, y - 0.05 * s, x + 1.3 * s, y + 0.6 * s, col, r=0.3 * s)


def _tree(cv: _Canvas, x: float, base: float, h: float, leaf: Colour, kind: str = "round") -> None:
    trunk = "#7a5236"
    if kind == "pine":
        cv.rect(x - h * 0.035, base - h * 0.2, x + h * 0.035, base, trunk)
        for i in range(3):
            top = base - h * (1.0 - i * 0.22)
            bot = base - h * (0.48 - i * 0.2)
            wd = h * (0.2 + i * 0.07)
            cv.poly([(x, top), (x + wd, bot), (x - wd, bot)], _shade(leaf, 1.0 - i * 0.06))
        return
    cv.poly(
        [
            (x - h * 0.04, base),
            (x - h * 0.025, base - h * 0.55),
            (x + h * 0.025, base - h * 0.55),
            (x + h * 0.04, base),
        ],
        trunk,
    )
    cv.circle(x - h * 0.12, base - h * 0.58, h * 0.2, _shade(leaf, 0.9))
    cv.circle(x + h * 0.13, base - h * 0.6, h * 0.19, _shade(leaf, 0.9))
    cv.circle(x, base - h * 0.76, h * 0.24, leaf)


def _window(
    cv: _Canvas, ctx: _Ctx, x0: float, y0: float, x1: float, y1: float, frame: Colour = "#fbfaf5",
    curtains: Colour | None = None, view: str = "trees",
) -> None:  # fmt: skip
    H = ctx.H
    fw = H * 0.012
    if curtains is not None:
        cv.rect(x0 - fw * 2, y0 - fw * 2.5, x1 + fw * 2, y0 - fw * 1.4, "#8a6d55", r=fw * 0.5)
    cv.rect(x0 - fw, y0 - fw, x1 + fw, y1 + fw, frame, r=fw * 0.4)
    cv.vgrad(x0, y0, x1, y1, [(p * 1.6, c) for p, c in ctx.light.sky])
    if ctx.night:
        for _ in range(max(2, int((x1 - x0) * (y1 - y0) / (H * H) * 60))):
            cv.circle(ctx.u(x0, x1), ctx.u(y0, y0 + (y1 - y0) * 0.6), H * 0.0018, "#ffffff", lit=True)
    elif ctx.tod == "day":
        _cloud(cv, ctx.u(x0 + (x1 - x0) * 0.3, x1 - (x1 - x0) * 0.3), y0 + (y1 - y0) * 0.25, (x1 - x0) * 0.09)
    # What is outside: a low band of trees or roofs, kept inside the glass.
    band = y0 + (y1 - y0) * 0.72
    far = _mix("#8fb39a" if view == "trees" else "#9aa6b8", ctx.light.sky[-1][1], 0.35)
    if view == "trees":
        x = x0
        while x < x1:
            r = min((y1 - y0) * ctx.u(0.1, 0.16), x1 - x, x - x0 + (y1 - y0) * 0.16)
            if r > 2:
                cv.ellipse(x, band, r, min(r, band - y0), far)
            x += (y1 - y0) * 0.14
        cv.rect(x0, band, x1, y1, far)
    else:
        x = x0
        while x < x1 - 2:
            bw = min((x1 - x0) * ctx.u(0.15, 0.3), x1 - x)
            cv.rect(x, y0 + (y1 - y0) * ctx.u(0.45, 0.7), x + bw - 1, y1, far)
            x += bw
    cv.rect((x0 + x1) / 2 - fw * 0.4, y0, (x0 + x1) / 2 + fw * 0.4, y1, frame)
    cv.rect(x0, y0 + (y1 - y0) * 0.42 - fw * 0.4, x1, y0 + (y1 - y0) * 0.42 + fw * 0.4, frame)
    cv.rect(x0 - fw * 2, y1 + fw * 0.6, x1 + fw * 2, y1 + fw * 1.8, _shade(frame, 0.92), r=fw * 0.3)
    if curtains is not None:
        cw = (x1 - x0) * 0.28
        for side in (0, 1):
            xa = x0 - fw * 1.5 if side == 0 else x1 + fw * 1.5 - cw
            hem = xa + cw * (0.6 if side == 0 else 0.4)
            top = y0 - fw * 1.5
            cv.poly(
                [
                    (xa, top),
                    (xa + cw, top),
                    (hem if side == 0 else xa + cw, y1 + fw * 3),
                    (xa if side == 0 else hem, y1 + fw * 3),
                ],
                curtains,
            )


def _picture(cv: _Canvas, ctx: _Ctx, x: float, y: float, w: float, h: float) -> None:
    fw = ctx.H * 0.008
    cv.rect(x - fw, y - fw, x + w + fw, y + h + fw, "#5b4636")
    cv.rect(x, y, x + w, y + h, ctx.pick(("#f4e9d8", "#dfeef0", "#f7e1d7")))
    hill = ctx.pick(("#7fb07a", "#e29578", "#6d9dc5", "#f2c14e"))
    cv.circle(x + w * 0.7, y + h * 0.35, min(w, h) * 0.12, ctx.pick(("#f28482", "#f6bd60", "#84a59d")))
    cv.poly(
        [
            (x, y + h),
            (x, y + h * 0.7),
            (x + w * 0.35, y + h * 0.45),
            (x + w * 0.7, y + h * 0.75),
            (x + w, y + h * 0.6),
            (x + w, y + h),
        ],
        hill,
    )


def _plant(cv: _Canvas, ctx: _Ctx, x: float, base: float, s: float) -> None:
    leaf = ctx.pick(("#4f9d69", "#5a9e6f", "#3f8f6b"))
    for a in (-60, -30, 0, 30, 60, -80, 80):
        ang = math.radians(a - 90)
        tip = (x + math.cos(ang) * s * 0.9, base - s * 0.55 + math.sin(ang) * s * 0.9)
        mid = (x + math.cos(ang + 0.25) * s * 0.45, base - s * 0.55 + math.sin(ang + 0.25) * s * 0.45)
        mid2 = (x + math.cos(ang - 0.25) * s * 0.45, base - s * 0.55 + math.sin(ang - 0.25) * s * 0.45)
        cv.poly([(x, base - s * 0.5), mid, tip, mid2], _shade(leaf, 0.9 + 0.1 * (a % 60 == 0)))
    pot = ctx.pick(("#d9825b", "#e8d8c4", "#4d5b6a", "#c8553d"))
    cv.poly(
        [
            (x - s * 0.3, base - s * 0.55),
            (x + s * 0.3, base - s * 0.55),
            (x + s * 0.22, base),
            (x - s * 0.22, base),
        ],
        pot,
    )
    cv.rect(x - s * 0.33, base - s * 0.62, x + s * 0.33, base - s * 0.5, _shade(pot, 0.9), r=s * 0.03)


def _pendant(
    cv: _Canvas, ctx: _Ctx, x: float, top: float, drop: float, s: float, col: Colour = "#2f3b46"
) -> None:
    cv.rect(x - s * 0.03, top, x + s * 0.03, top + drop, "#3a3a3a")
    y = top + drop
    cv.chord(x, y + s * 0.35, s * 0.6, s * 0.6, 180, 360, col)
    cv.ellipse(x, y + s * 0.35, s * 0.22, s * 0.09, "#fff2c6" if ctx.night else "#f3ead2", lit=ctx.night)
    if ctx.night:
        ctx.glow(x, y + s * 0.5, ctx.H * 0.4, "#ffcf7a", 0.55)


def _table_lamp(cv: _Canvas, ctx: _Ctx, x: float, base: float, s: float) -> None:
    cv.rect(x - s * 0.03, base - s * 0.6, x + s * 0.03, base, "#5b4a3e")
    cv.rect(x - s * 0.18, base - s * 0.06, x + s * 0.18, base, "#5b4a3e", r=s * 0.03)
    shade_col = "#ffe7a8" if ctx.night else "#f4e3c1"
    cv.poly(
        [
            (x - s * 0.2, base - s * 0.95),
            (x + s * 0.2, base - s * 0.95),
            (x + s * 0.32, base - s * 0.58),
            (x - s * 0.32, base - s * 0.58),
        ],
        shade_col,
        lit=ctx.night,
    )
    if ctx.night:
        ctx.glow(x, base - s * 0.75, ctx.H * 0.45, "#ffc870", 0.6)


def _floor_lamp(cv: _Canvas, ctx: _Ctx, x: float, base: float, h: float) -> None:
    cv.rect(x - h * 0.012, base - h * 0.85, x + h * 0.012, base, "#3c3c3c")
    cv.ellipse(x, base, h * 0.09, h * 0.02, "#3c3c3c")
    shade_col = "#ffe7a8" if ctx.night else "#efe2c8"
    cv.poly(
        [
            (x - h * 0.08, base - h),
            (x + h * 0.08, base - h),
            (x + h * 0.12, base - h * 0.82),
            (x - h * 0.12, base - h * 0.82),
        ],
        shade_col,
        lit=ctx.night,
    )
    if ctx.night:
        ctx.glow(x, base - h * 0.9, ctx.H * 0.5, "#ffc870", 0.6)


def _ceiling_light(cv: _Canvas, ctx: _Ctx, x: float, y: float, w: float) -> None:
    cv.rect(
        x - w / 2,
        y,
        x + w / 2,
        y + ctx.H * 0.012,
        "#fffbea" if ctx.night else "#f1f1ec",
        lit=ctx.night,
        r=ctx.H * 0.004,
    )
    if ctx.night:
        ctx.glow(x, y, w * 1.6, "#fff0c8", 0.45)


def _room(
    cv: _Canvas, ctx: _Ctx, walls: Sequence[str], floors: Sequence[str], floor_y: float = 0.68
) -> tuple[str, str, float]:
    """Back wall, skirting, floor: the base of every interior. Returns (wall, floor, floor line y)."""
    H = ctx.H
    wall, floor = ctx.pick(walls), ctx.pick(floors)
    fy = H * floor_y
    cv.rect(cv.L, cv.T, cv.R, fy, wall)
    cv.rect(cv.L, cv.T, cv.R, cv.T + H * 0.06, _shade(wall, 0.93))
    cv.rect(cv.L, fy, cv.R, cv.B, floor)
    # Floor boards in perspective give the ground plane its depth.
    cx = (cv.L + cv.R) / 2
    for i in range(-9, 10):
        x_far = cx + i * ctx.W * 0.075
        x_near = cx + i * ctx.W * 0.16
        cv.line([(x_far, fy), (x_near, cv.B)], _shade(floor, 0.93), H * 0.003)
    cv.rect(cv.L, fy - H * 0.022, cv.R, fy, _shade(wall, 0.82))
    return wall, floor, fy


def _ground(cv: _Canvas, ctx: _Ctx, y: float, near: str, far: str) -> None:
    cv.vgrad(cv.L, y, cv.R, cv.B, [(0.0, ctx.light.grade(far, False)), (1.0, ctx.light.grade(near, False))])


# ------------------------------------------------------------------------------------------ settings
# Each draws a whole background on `cv`; frame coordinates, the figures' feet stand near 0.9 H.


def _kitchen(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    wall, _, fy = _room(
        cv, ctx, ("#f3e9d2", "#dde8e3", "#f6e0d2", "#e6ecd6"), ("#c9a27e", "#b9b4ad", "#d8c3a5")
    )
    cab = ctx.pick(("#5b8e7d", "#3d5a80", "#e9ecef", "#c8553d", "#f2cc8f"))
    top = fy - H * 0.2
    cv.rect(cv.L, top - H * 0.2, cv.R, top, ctx.pick(("#ffffff", "#f7f3ea", "#e3eef2")))  # tiles
    for i in range(int((cv.R - cv.L) / (H * 0.05)) + 1):
        cv.rect(cv.L + i * H * 0.05, top - H * 0.2, cv.L + i * H * 0.05 + H * 0.002, top, _shade(wall, 0.9))
    for j in range(1, 4):
        cv.rect(cv.L, top - j * H * 0.05, cv.R, top - j * H * 0.05 + H * 0.002, _shade(wall, 0.9))
    cv.rect(cv.L, top, cv.R, fy, cab)
    cv.rect(cv.L, top - H * 0.012, cv.R, top + H * 0.012, ctx.pick(("#d9d4cc", "#8d8177", "#f4f1ea")))
    dw = H * 0.16
    x = cv.L + H * 0.02
    while x < cv.R:
        cv.rect(x, top + H * 0.03, x + dw - H * 0.02, fy - H * 0.03, _shade(cab, 1.06), r=H * 0.006)
        cv.rect(x + dw * 0.35, top + H * 0.05, x + dw * 0.55, top + H * 0.06, "#cfcfcf", r=H * 0.004)
        x += dw
    # Upper cabinets with a window between them.
    wx = W * ctx.u(0.35, 0.55)
    cv.rect(cv.L, H * 0.08, wx - H * 0.08, top - H * 0.24, cab)
    cv.rect(wx + W * 0.22, H * 0.08, cv.R, top - H * 0.24, cab)
    _window(cv, ctx, wx, H * 0.1, wx + W * 0.14, top - H * 0.25, view=ctx.pick(("trees", "city")))
    # Fridge on one side, stove and hood on the other.
    fx = W * (0.05 if ctx.rng.random() < 0.5 else 0.84)
    cv.rect(fx, H * 0.12, fx + W * 0.11, fy, "#e9edf0", r=H * 0.01)
    cv.rect(fx, H * 0.38, fx + W * 0.11, H * 0.39, "#c6cdd3")
    cv.rect(fx + W * 0.09, H * 0.22, fx + W * 0.095, H * 0.33, "#9aa3ab", r=H * 0.003)
    sx = W * (0.74 if fx < W * 0.5 else 0.14)
    cv.poly(
        [
            (sx, H * 0.08),
            (sx + W * 0.12, H * 0.08),
            (sx + W * 0.14, top - H * 0.2),
            (sx - W * 0.02, top - H * 0.2),
        ],
        "#b8c0c8",
    )
    cv.rect(sx - W * 0.01, top - H * 0.03, sx + W * 0.13, top - H * 0.01, "#3a3a3a")
    for k in range(2):
        cv.rect(
            sx + W * (0.01 + k * 0.065),
            top - H * 0.075,
            sx + W * (0.05 + k * 0.065),
            top - H * 0.03,
            ctx.pick(("#c8553d", "#3d5a80", "#e0a458")),
            r=H * 0.006,
        )
    _plant(cv, ctx, wx + W * 0.03, top - H * 0.012, H * 0.09)
    for i in range(2):
        _pendant(cv, ctx, W * (0.38 + i * 0.24), cv.T, H * 0.1 - cv.T, H * 0.07, cab)


def _bedroom(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = _room(cv, ctx, ("#dfe7f2", "#efe3ec", "#e9efe0", "#f4e7d7"), ("#b98b66", "#c9b49c", "#9c7458"))
    left = ctx.rng.random() < 0.5
    bx = W * (0.04 if left else 0.6)
    duvet = ctx.pick(("#f2a65a", "#7fa7c9", "#e5989b", "#90be6d"))
    cv.rect(bx, fy - H * 0.4, bx + W * 0.36, fy - H * 0.1, "#7a5236", r=H * 0.03)  # headboard
    cv.rect(bx - W * 0.01, fy - H * 0.17, bx + W * 0.37, fy + H * 0.03, "#fbf7ef", r=H * 0.02)
    cv.rect(bx - W * 0.015, fy - H * 0.12, bx + W * 0.375, fy + H * 0.05, duvet, r=H * 0.02)
    for k in range(2):
        cv.rect(
            bx + W * (0.03 + k * 0.17),
            fy - H * 0.23,
            bx + W * (0.16 + k * 0.17),
            fy - H * 0.15,
            "#ffffff",
            r=H * 0.03,
        )
    nx = bx + W * 0.4 if left else bx - W * 0.12
    cv.rect(nx, fy - H * 0.14, nx + W * 0.08, fy, "#a47551", r=H * 0.008)
    _table_lamp(cv, ctx, nx + W * 0.04, fy - H * 0.14, H * 0.2)
    wx = W * (0.62 if left else 0.12)
    _window(
        cv, ctx, wx, H * 0.12, wx + W * 0.2, H * 0.45, curtains=ctx.pick(("#c8553d", "#6d9dc5", "#f2cc8f"))
    )
    _picture(cv, ctx, bx + W * 0.13, H * 0.1, W * 0.1, H * 0.12)
    cv.ellipse(W * 0.5, fy + H * 0.2, W * 0.3, H * 0.08, _shade(duvet, 0.85))


def _living_room(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = _room(cv, ctx, ("#e8dfd0", "#d9e4e8", "#efd9ce", "#dfe6d3"), ("#a77b5a", "#c2a383", "#8c6a4f"))
    sofa = ctx.pick(("#4f6d7a", "#c8553d", "#6a994e", "#e9c46a", "#7768ae"))
    sx = W * ctx.u(0.25, 0.45)
    cv.rect(sx, fy - H * 0.25, sx + W * 0.34, fy - H * 0.06, _shade(sofa, 0.9), r=H * 0.04)
    cv.rect(sx - W * 0.02, fy - H * 0.13, sx + W * 0.36, fy + H * 0.01, sofa, r=H * 0.03)
    for k in range(3):
        cv.rect(
            sx + W * (0.01 + k * 0.112),
            fy - H * 0.17,
            sx + W * (0.11 + k * 0.112),
            fy - H * 0.1,
            _shade(sofa, 1.1),
            r=H * 0.025,
        )
    for dx in (-0.03, 0.35):
        cv.rect(
            sx + W * dx, fy - H * 0.17, sx + W * (dx + 0.04), fy + H * 0.02, _shade(sofa, 0.82), r=H * 0.02
        )
    _floor_lamp(cv, ctx, sx - W * 0.07, fy + H * 0.01, H * 0.5)
    for k in range(ctx.rng.randint(1, 3)):
        _picture(cv, ctx, sx + W * (0.04 + k * 0.11), H * ctx.u(0.14, 0.2), W * 0.08, H * 0.13)
    wx = W * (0.04 if sx > W * 0.35 else 0.78)
    _window(
        cv, ctx, wx, H * 0.1, wx + W * 0.16, H * 0.5, curtains=ctx.pick(("#f2cc8f", "#84a59d", "#e5989b"))
    )
    _plant(cv, ctx, sx + W * 0.45, fy + H * 0.01, H * 0.22)
    cv.ellipse(W * 0.5, fy + H * 0.18, W * 0.34, H * 0.07, ctx.pick(("#e5989b", "#b5c99a", "#f6bd60")))


def _office(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    wall, _, fy = _room(cv, ctx, ("#e9edf0", "#eef0e6", "#e4ebf2"), ("#8d99ae", "#a3a8b0", "#7d8ca3"))
    n = ctx.rng.randint(3, 4)
    ww = W * 0.8 / n
    for i in range(n):
        x = W * 0.1 + i * ww
        _window(cv, ctx, x + ww * 0.06, H * 0.1, x + ww * 0.94, H * 0.5, frame="#5c6b7a", view="city")
    for i in range(4):
        _ceiling_light(cv, ctx, W * (0.15 + i * 0.23), cv.T + H * 0.06, W * 0.12)
    for i in range(3):
        dx = W * (0.06 + i * 0.34) + ctx.u(0, W * 0.05)
        cv.rect(dx, fy - H * 0.13, dx + W * 0.22, fy - H * 0.115, "#f4f1ea", r=H * 0.004)
        cv.rect(dx + W * 0.01, fy - H * 0.115, dx + W * 0.02, fy + H * 0.02, "#6b7280")
        cv.rect(dx + W * 0.2, fy - H * 0.115, dx + W * 0.21, fy + H * 0.02, "#6b7280")
        mx = dx + W * ctx.u(0.04, 0.12)
        cv.rect(mx, fy - H * 0.26, mx + W * 0.08, fy - H * 0.16, "#2b2d42", r=H * 0.006)
        cv.rect(
            mx + W * 0.005,
            fy - H * 0.25,
            mx + W * 0.075,
            fy - H * 0.17,
            "#8ecae6" if not ctx.night else "#bde0fe",
            lit=ctx.night,
        )
        cv.rect(mx + W * 0.037, fy - H * 0.16, mx + W * 0.043, fy - H * 0.13, "#2b2d42")
    _plant(cv, ctx, W * ctx.u(0.02, 0.05), fy + H * 0.02, H * 0.24)
    cv.rect(cv.L, fy - H * 0.004, cv.R, fy, _shade(wall, 0.7))


def _classroom(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = _room(cv, ctx, ("#f1e3c8", "#dfe9d8", "#e2e6f0"), ("#b08968", "#9c8c7c"))
    bx = W * ctx.u(0.25, 0.35)
    cv.rect(bx - H * 0.015, H * 0.12, bx + W * 0.4 + H * 0.015, H * 0.47, "#8b5e3c", r=H * 0.006)
    cv.rect(bx, H * 0.135, bx + W * 0.4, H * 0.455, "#2f5d50")
    for k in range(4):
        y = H * (0.19 + k * 0.06)
        cv.line([(bx + W * 0.03, y), (bx + W * ctx.u(0.12, 0.34), y)], "#e8efe9", H * 0.005)
    cv.rect(bx + W * 0.05, H * 0.455, bx + W * 0.35, H * 0.47, "#8b5e3c")
    cv.circle(bx + W * 0.47, H * 0.17, H * 0.05, "#ffffff")
    cv.line([(bx + W * 0.47, H * 0.17), (bx + W * 0.47, H * 0.135)], "#333333", H * 0.005)
    cv.line([(bx + W * 0.47, H * 0.17), (bx + W * 0.485, H * 0.18)], "#333333", H * 0.005)
    for wx in (W * 0.04, W * 0.82):
        _window(cv, ctx, wx, H * 0.1, wx + W * 0.13, H * 0.48)
    for i in range(5):
        x = W * (0.06 + i * 0.2)
        cv.rect(x, fy - H * 0.02, x + W * 0.12, fy, "#c98f5a", r=H * 0.004)
        cv.rect(x + W * 0.01, fy, x + W * 0.018, fy + H * 0.08, "#555555")
        cv.rect(x + W * 0.1, fy, x + W * 0.108, fy + H * 0.08, "#555555")
    for i in range(3):
        _ceiling_light(cv, ctx, W * (0.2 + i * 0.3), cv.T + H * 0.06, W * 0.1)


def _hospital(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = _room(cv, ctx, ("#dcefe9", "#e6f0f4", "#eef3ea"), ("#c4d3d6", "#d7dcd5"))
    bx = W * ctx.u(0.5, 0.6)
    cv.rect(bx, fy - H * 0.2, bx + W * 0.32, fy - H * 0.14, "#f7f9fb", r=H * 0.01)
    cv.rect(bx, fy - H * 0.14, bx + W * 0.32, fy - H * 0.11, "#9fb3c8")
    cv.rect(bx - W * 0.005, fy - H * 0.32, bx + W * 0.01, fy + H * 0.02, "#9aa5b1", r=H * 0.005)
    cv.rect(bx + W * 0.31, fy - H * 0.26, bx + W * 0.325, fy + H * 0.02, "#9aa5b1", r=H * 0.005)
    cv.rect(bx + W * 0.02, fy - H * 0.25, bx + W * 0.09, fy - H * 0.19, "#ffffff", r=H * 0.02)
    cv.rect(bx + W * 0.1, fy - H * 0.19, bx + W * 0.31, fy - H * 0.13, "#a8dadc", r=H * 0.01)
    mx = bx - W * 0.1
    cv.rect(mx, H * 0.2, mx + W * 0.08, H * 0.32, "#2b2d42", r=H * 0.008)
    pts = [
        (
            mx + W * 0.008 + k * W * 0.0064,
            H * 0.26 - (H * 0.035 if k in (5, 6) else 0) * (1 if k == 5 else -0.5),
        )
        for k in range(11)
    ]
    cv.line(pts, "#52e08a", H * 0.004, lit=True)
    cv.rect(mx + W * 0.037, H * 0.32, mx + W * 0.043, fy, "#9aa5b1")
    cv.rect(W * 0.1, cv.T, W * 0.1 + H * 0.01, cv.T + H * 0.06, "#9aa5b1")
    cv.rect(cv.L, cv.T + H * 0.055, W * 0.25, cv.T + H * 0.07, "#9aa5b1")
    cur = ctx.pick(("#9ad1d4", "#f2d0a4", "#cdb4db"))
    for k in range(5):
        x = cv.L + k * (W * 0.25 - cv.L) / 5
        cv.rect(
            x,
            cv.T + H * 0.07,
            x + (W * 0.25 - cv.L) / 5 + 1,
            fy + H * 0.04,
            _shade(cur, 1.0 if k % 2 else 0.92),
        )
    _window(cv, ctx, W * 0.32, H * 0.12, W * 0.46, H * 0.42, frame="#ffffff")
    for i in range(2):
        _ceiling_light(cv, ctx, W * (0.4 + i * 0.35), cv.T + H * 0.06, W * 0.12)


def _bar(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    wood = ctx.pick(("#6f4e37", "#8b5e3c", "#5a3e2b"))
    _, _, fy = _room(cv, ctx, ("#7a4e3b", "#3f5e5a", "#8c5a4b", "#e8d5b9"), ("#5a3e2b", "#7d5a44", "#3e3e3e"))
    for k in range(3):
        y = H * (0.16 + k * 0.13)
        cv.rect(cv.L, y, cv.R, y + H * 0.014, _shade(wood, 1.2))
        x = cv.L + ctx.u(0, H * 0.05)
        while x < cv.R:
            bh = H * ctx.u(0.05, 0.09)
            col = ctx.pick(("#3a7d44", "#c8553d", "#e0a458", "#5e548e", "#2d6a4f", "#a8dadc", "#f4f1de"))
            cv.rect(x, y - bh, x + H * 0.025, y, col, r=H * 0.006)
            cv.rect(x + H * 0.008, y - bh - H * 0.025, x + H * 0.017, y - bh + 2, col)
            x += H * ctx.u(0.035, 0.06)
    cv.rect(cv.L, fy - H * 0.14, cv.R, fy + H * 0.04, wood)
    cv.rect(cv.L, fy - H * 0.16, cv.R, fy - H * 0.13, _shade(wood, 1.3))
    for k in range(int((cv.R - cv.L) / (H * 0.12)) + 1):
        x = cv.L + k * H * 0.12
        cv.rect(x + H * 0.01, fy - H * 0.11, x + H * 0.11, fy + H * 0.01, _shade(wood, 0.88), r=H * 0.005)
    for i in range(3):
        _pendant(
            cv, ctx, W * (0.2 + i * 0.3), cv.T, H * 0.06 - cv.T + ctx.u(0, H * 0.05), H * 0.07, "#c9a227"
        )


def _church(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = _room(cv, ctx, ("#e9e2d0", "#ddd5c5"), ("#8c7b6b", "#a39281"))
    for i in range(4):
        x = W * (0.08 + i * 0.25)
        cv.rect(x, H * 0.18, x + W * 0.09, H * 0.52, "#6b5b4b")
        cv.ellipse(x + W * 0.045, H * 0.18, W * 0.045, H * 0.08, "#6b5b4b")
        cols = ("#3d5a80", "#c8553d", "#e0a458", "#3bb273", "#7768ae")
        for r in range(3):
            for c in range(2):
                col = cols[(i + r + c) % len(cols)]
                cv.rect(
                    x + W * (0.008 + c * 0.039),
                    H * (0.2 + r * 0.105),
                    x + W * (0.043 + c * 0.039),
                    H * (0.295 + r * 0.105),
                    _mix(col, "#ffffff", 0.3 if not ctx.night else 0.0),
                    lit=False,
                )
        cv.chord(
            x + W * 0.045,
            H * 0.2,
            W * 0.035,
            H * 0.065,
            180,
            360,
            _mix("#e0a458", "#ffffff", 0.3 if not ctx.night else 0.0),
        )
    cv.rect(W * 0.44, fy - H * 0.14, W * 0.56, fy, "#f4f1de")
    cv.rect(W * 0.43, fy - H * 0.16, W * 0.57, fy - H * 0.14, "#c9a227")
    for k in range(3):
        x = W * (0.46 + k * 0.04)
        cv.rect(x, fy - H * 0.22, x + H * 0.012, fy - H * 0.16, "#fffaf0")
        cv.ellipse(x + H * 0.006, fy - H * 0.232, H * 0.006, H * 0.012, "#ffd166", lit=True)
        ctx.glow(x + H * 0.006, fy - H * 0.232, H * 0.08, "#ffd166", 0.5)
    for side in (-1, 1):
        for r in range(3):
            x0 = W * 0.5 + side * W * 0.08
            x1 = W * 0.5 + side * W * (0.42 + r * 0.05)
            y = fy + H * (0.02 + r * 0.08)
            cv.rect(min(x0, x1), y, max(x0, x1), y + H * 0.05, "#7a5236", r=H * 0.008)


def _theatre(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    red = ctx.pick(("#9d0208", "#7b2d26", "#6a040f"))
    cv.rect(cv.L, cv.T, cv.R, cv.B, "#2b2d42")
    fy = H * 0.66
    cv.rect(W * 0.2, H * 0.15, W * 0.8, fy, ctx.pick(("#3d5a80", "#4a4e69", "#283618")))
    for k in range(12):
        x = cv.L + k * (W * 0.24 - cv.L) / 12
        cv.rect(x, cv.T, x + (W * 0.24 - cv.L) / 12 + 1, fy, _shade(red, 1.0 if k % 2 else 0.85))
        x2 = W * 0.76 + k * (cv.R - W * 0.76) / 12
        cv.rect(x2, cv.T, x2 + (cv.R - W * 0.76) / 12 + 1, fy, _shade(red, 1.0 if k % 2 else 0.85))
    cv.rect(cv.L, cv.T, cv.R, H * 0.14, red)
    for k in range(int((cv.R - cv.L) / (H * 0.1)) + 1):
        cv.chord(cv.L + k * H * 0.1 + H * 0.05, H * 0.14, H * 0.05, H * 0.04, 0, 180, _shade(red, 0.85))
    cv.rect(cv.L, fy, cv.R, cv.B, "#a0704a")
    for k in range(8):
        cv.line([(cv.L, fy + k * H * 0.05), (cv.R, fy + k * H * 0.05)], "#8c5e3c", H * 0.003)
    for x in (W * 0.3, W * 0.7):
        ctx.glow(x, fy + H * 0.2, H * 0.4, "#fff1c4", 0.5)
    cv.rect(cv.L, fy - H * 0.01, cv.R, fy + H * 0.01, "#6f4e37")


def _hallway(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    wall = ctx.pick(("#e9e4d8", "#dfe7ec", "#efe1d1"))
    floor = ctx.pick(("#9c8c7c", "#b08968", "#8d99ae"))
    vx, vy = W * ctx.u(0.45, 0.55), H * 0.45
    ex0, ey0, ex1, ey1 = vx - W * 0.12, vy - H * 0.2, vx + W * 0.12, vy + H * 0.12
    cv.rect(cv.L, cv.T, cv.R, cv.B, _shade(wall, 0.9))
    cv.poly([(cv.L, cv.T), (cv.R, cv.T), (ex1, ey0), (ex0, ey0)], _shade(wall, 1.05))
    cv.poly([(cv.L, cv.B), (cv.R, cv.B), (ex1, ey1), (ex0, ey1)], floor)
    cv.poly([(cv.L, cv.T), (ex0, ey0), (ex0, ey1), (cv.L, cv.B)], wall)
    cv.poly([(cv.R, cv.T), (ex1, ey0), (ex1, ey1), (cv.R, cv.B)], _shade(wall, 0.95))
    cv.rect(ex0, ey0, ex1, ey1, _shade(wall, 0.85))
    cv.rect(vx - W * 0.03, ey0 + H * 0.08, vx + W * 0.03, ey1, "#8b5e3c")
    door = ctx.pick(("#8b5e3c", "#3d5a80", "#5b8e7d"))
    for side in (-1, 1):
        for t in (0.35, 0.7):
            xa = vx + side * (W * 0.12 + (W * 0.7) * (1 - t) ** 1.5)
            xb = vx + side * (W * 0.12 + (W * 0.7) * (1 - t + 0.1) ** 1.5)
            s0 = (xa - vx) / (ex1 - vx) if side > 0 else (vx - xa) / (vx - ex0)
            s1 = (xb - vx) / (ex1 - vx) if side > 0 else (vx - xb) / (vx - ex0)
            ya0, ya1 = vy + (ey0 + H * 0.08 - vy) * s0, vy + (ey1 - vy) * s0
            yb0, yb1 = vy + (ey0 + H * 0.08 - vy) * s1, vy + (ey1 - vy) * s1
            cv.poly([(xa, ya0), (xb, yb0), (xb, yb1), (xa, ya1)], door)
    for t in (0.3, 0.6, 0.85):
        y = vy + (cv.T - vy) * t
        w = W * 0.12 + (W * 0.4) * t
        cv.poly(
            [
                (vx - w * 0.2, y),
                (vx + w * 0.2, y),
                (vx + w * 0.22, y + H * 0.01 * t),
                (vx - w * 0.22, y + H * 0.01 * t),
            ],
            "#fffbea",
            lit=True,
        )
        if ctx.night:
            ctx.glow(vx, y, H * 0.3 * t + H * 0.1, "#fff0c8", 0.4)


def _shelves(cv: _Canvas, ctx: _Ctx, goods: str) -> None:
    W, H = ctx.W, ctx.H
    walls = ("#d8d5cf", "#c9c4bb") if goods == "boxes" else ("#f1ece2", "#e4ecef", "#f4e3d7")
    floors = ("#a3a3a3", "#8e8e8e") if goods == "boxes" else ("#c9b49c", "#b3a89a")
    _, _, fy = _room(cv, ctx, walls, floors)
    frame = "#3d5a80" if goods == "boxes" else ctx.pick(("#8b5e3c", "#6f4e37", "#e9ecef"))
    top = H * (0.08 if goods != "products" else 0.18)
    n_units = 4
    uw = (cv.R - cv.L) / n_units
    for u in range(n_units):
        x0 = cv.L + u * uw + uw * 0.06
        x1 = x0 + uw * 0.88
        cv.rect(x0, top, x1, fy, _shade(frame, 0.75))
        rows = 4 if goods == "boxes" else 5
        rh = (fy - top) / rows
        for r in range(rows):
            y = top + (r + 1) * rh
            x = x0 + H * 0.01
            while x < x1 - H * 0.03:
                if goods == "books":
                    bw, bh = H * ctx.u(0.018, 0.03), rh * ctx.u(0.6, 0.85)
                    col = ctx.pick(
                        ("#c8553d", "#3d5a80", "#e0a458", "#5b8e7d", "#6a4c93", "#f4f1de", "#2b2d42")
                    )
                    gap = 0.0
                elif goods == "boxes":
                    bw, bh = rh * ctx.u(0.6, 0.9), rh * ctx.u(0.5, 0.8)
                    col = ctx.pick(("#c8a27a", "#b88b5e", "#d9b98f"))
                    gap = H * 0.01
                else:
                    bw, bh = H * ctx.u(0.03, 0.05), rh * ctx.u(0.4, 0.7)
                    col = ctx.pick(
                        ("#e63946", "#f4a261", "#2a9d8f", "#e9c46a", "#457b9d", "#ffffff", "#90be6d")
                    )
                    gap = H * 0.005
                if x + bw > x1 - H * 0.01:
                    break
                cv.rect(x, y - bh, x + bw, y - H * 0.012, col, r=H * 0.003)
                if goods == "boxes":
                    cv.rect(x + bw * 0.42, y - bh, x + bw * 0.58, y - bh + bh * 0.35, "#e9d8b4")
                x += bw + gap
            cv.rect(x0, y - H * 0.012, x1, y, frame)
        cv.rect(x0, top, x0 + H * 0.012, fy, frame)
        cv.rect(x1 - H * 0.012, top, x1, fy, frame)
    if goods == "products":
        cv.rect(cv.L, cv.T, cv.R, H * 0.12, ctx.pick(("#e63946", "#2a9d8f", "#457b9d")))
    for i in range(3):
        _ceiling_light(cv, ctx, W * (0.2 + i * 0.3), cv.T + H * 0.03, W * 0.14)


def _lab(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = _room(cv, ctx, ("#e6eef2", "#eef2ee", "#f0eef5"), ("#b7c4cc", "#c9cfd3"))
    cv.rect(W * 0.3, H * 0.1, W * 0.7, H * 0.38, "#ffffff", r=H * 0.008)
    cv.rect(W * 0.3, H * 0.1, W * 0.7, H * 0.38, "#ffffff")
    for k in range(4):
        cv.line(
            [(W * 0.33, H * (0.15 + k * 0.055)), (W * ctx.u(0.45, 0.66), H * (0.15 + k * 0.055))],
            ctx.pick(("#3d5a80", "#c8553d", "#2a9d8f")),
            H * 0.005,
        )
    cv.rect(cv.L, fy - H * 0.16, cv.R, fy + H * 0.02, "#dfe4ea")
    cv.rect(cv.L, fy - H * 0.18, cv.R, fy - H * 0.15, "#2b2d42")
    for k in range(int((cv.R - cv.L) / (H * 0.16)) + 1):
        x = cv.L + k * H * 0.16
        cv.rect(x + H * 0.01, fy - H * 0.13, x + H * 0.15, fy, "#cfd6de", r=H * 0.006)
    x = W * 0.05
    while x < W * 0.95:
        col = ctx.pick(("#7ae582", "#48cae4", "#ff6b6b", "#ffd166", "#c77dff"))
        s = H * ctx.u(0.05, 0.08)
        if ctx.rng.random() < 0.5:
            cv.poly(
                [
                    (x - s * 0.15, fy - H * 0.18 - s),
                    (x + s * 0.15, fy - H * 0.18 - s),
                    (x + s * 0.5, fy - H * 0.18),
                    (x - s * 0.5, fy - H * 0.18),
                ],
                "#e9f5f9",
            )
            cv.poly(
                [
                    (x - s * 0.33, fy - H * 0.18 - s * 0.45),
                    (x + s * 0.33, fy - H * 0.18 - s * 0.45),
                    (x + s * 0.5, fy - H * 0.18),
                    (x - s * 0.5, fy - H * 0.18),
                ],
                col,
                lit=ctx.night,
            )
        else:
            cv.rect(x - s * 0.12, fy - H * 0.18 - s * 1.3, x + s * 0.12, fy - H * 0.18, "#e9f5f9", r=s * 0.1)
            cv.rect(
                x - s * 0.12,
                fy - H * 0.18 - s * 0.6,
                x + s * 0.12,
                fy - H * 0.18,
                col,
                r=s * 0.1,
                lit=ctx.night,
            )
        x += H * ctx.u(0.12, 0.3)
    for i in range(3):
        _ceiling_light(cv, ctx, W * (0.2 + i * 0.3), cv.T + H * 0.06, W * 0.12)


def _aquarium(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    cv.rect(cv.L, cv.T, cv.R, cv.B, "#14213d")
    fy = H * 0.7
    cv.rect(cv.L, fy, cv.R, cv.B, "#1b2a4a")
    x0, x1, y0, y1 = W * 0.04, W * 0.96, H * 0.08, fy - H * 0.04
    cv.rect(x0 - H * 0.015, y0 - H * 0.015, x1 + H * 0.015, y1 + H * 0.015, "#0b132b", r=H * 0.02)
    cv.vgrad(x0, y0, x1, y1, [(0.0, "#48cae4"), (1.0, "#0077b6")])
    cv.rect(x0, y1 - H * 0.06, x1, y1, "#e9c46a")
    for _ in range(9):
        x = ctx.u(x0 + H * 0.03, x1 - H * 0.03)
        h = H * ctx.u(0.1, 0.25)
        cv.line(
            [(x, y1 - H * 0.03), (x + ctx.u(-1, 1) * H * 0.03, y1 - h * 0.5), (x, y1 - h)],
            ctx.pick(("#2d6a4f", "#52b788", "#40916c")),
            H * 0.014,
            lit=True,
        )
    for _ in range(ctx.rng.randint(6, 10)):
        x, y, s = (
            ctx.u(x0 + H * 0.06, x1 - H * 0.06),
            ctx.u(y0 + H * 0.06, y1 - H * 0.12),
            H * ctx.u(0.02, 0.04),
        )
        d = ctx.pick((-1.0, 1.0))
        col = ctx.pick(("#ff9f1c", "#ffbf69", "#f15bb5", "#fee440", "#ff6b6b"))
        cv.poly(
            [(x - d * s, y), (x - d * s * 1.6, y - s * 0.6), (x - d * s * 1.6, y + s * 0.6)], col, lit=True
        )
        cv.ellipse(x, y, s * 1.1, s * 0.6, col, lit=True)
        cv.circle(x + d * s * 0.6, y - s * 0.15, s * 0.12, "#1d1d26", lit=True)
    for _ in range(25):
        cv.circle(ctx.u(x0, x1), ctx.u(y0, y1 - H * 0.08), H * ctx.u(0.003, 0.008), "#caf0f8", lit=True)


# Exteriors


def _hills(cv: _Canvas, ctx: _Ctx, base: float, amp: float, col: Colour, step: float) -> None:
    pts = [(cv.L, cv.B)]
    x, ph = cv.L, ctx.u(0, 6.28)
    while x <= cv.R + step:
        pts.append(
            (
                x,
                base
                - amp * (0.5 + 0.5 * math.sin(x / (ctx.W * 0.22) + ph))
                - amp * 0.3 * math.sin(x / (ctx.W * 0.07) + ph * 2),
            )
        )
        x += step
    pts.append((cv.R, cv.B))
    cv.poly(pts, col)


def _far(ctx: _Ctx, col: Colour, t: float) -> RGB:
    """Aerial perspective: far things fade toward the horizon's sky colour."""
    return _mix(ctx.light.grade(col, False), ctx.light.sky[-1][1], t)


def _generic_exterior(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.6
    _sky_objects(cv, ctx, hz)
    _hills(cv, ctx, hz, H * 0.08, _far(ctx, "#7fb685", 0.45), W * 0.02)
    _hills(cv, ctx, hz + H * 0.06, H * 0.05, _far(ctx, "#6a994e", 0.2), W * 0.02)
    _ground(cv, ctx, hz + H * 0.08, "#8ab17d", "#6a994e")
    for _ in range(ctx.rng.randint(3, 6)):
        x = ctx.u(cv.L, cv.R)
        _tree(
            cv,
            x,
            hz + H * ctx.u(0.06, 0.1),
            H * ctx.u(0.2, 0.32),
            ctx.pick(("#40916c", "#52b788", "#2d6a4f")),
            ctx.pick(("round", "pine")),
        )
    cv.poly(
        [(W * 0.47, hz + H * 0.08), (W * 0.53, hz + H * 0.08), (W * 0.75, cv.B), (W * 0.25, cv.B)], "#e9d8a6"
    )


def _street(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    base = H * 0.56
    _sky_objects(cv, ctx, base)
    x = cv.L
    while x < cv.R:
        bw = W * ctx.u(0.05, 0.1)
        cv.rect(x, base - H * ctx.u(0.25, 0.45), x + bw + 1, base, _far(ctx, "#9aa6b8", 0.5))
        x += bw
    x = cv.L - ctx.u(0, W * 0.05)
    while x < cv.R:
        bw = W * ctx.u(0.11, 0.18)
        top = base - H * ctx.u(0.22, 0.42)
        col = ctx.pick(("#e07a5f", "#f2cc8f", "#81b29a", "#3d405b", "#d4a373", "#a8dadc", "#e5989b"))
        cv.rect(x, top, x + bw, base, col)
        cv.rect(x - H * 0.006, top - H * 0.012, x + bw + H * 0.006, top + H * 0.004, _shade(col, 0.8))
        cols = max(2, int(bw / (H * 0.07)))
        rows = max(1, int((base - top - H * 0.08) / (H * 0.075)))
        for r in range(rows):
            for c in range(cols):
                wx = x + bw * (c + 0.5) / cols
                wy = top + H * 0.04 + r * H * 0.075
                lit = ctx.night and ctx.rng.random() < 0.45
                wc = "#ffd98a" if lit else ("#3b4a6b" if ctx.night else "#cfe3ef")
                cv.rect(wx - H * 0.016, wy, wx + H * 0.016, wy + H * 0.04, wc, lit=lit, r=H * 0.003)
        dx = x + bw * ctx.u(0.3, 0.6)
        cv.rect(dx, base - H * 0.07, dx + H * 0.045, base, _shade(col, 0.6))
        x += bw + W * ctx.u(0.0, 0.02)
    cv.rect(cv.L, base, cv.R, base + H * 0.04, "#c9c3b8")
    cv.rect(cv.L, base + H * 0.04, cv.R, H * 0.74, "#5c6370")
    for k in range(int((cv.R - cv.L) / (W * 0.1)) + 1):
        x = cv.L + k * W * 0.1
        cv.rect(x, H * 0.655, x + W * 0.05, H * 0.665, "#f4f1de")
    if ctx.rng.random() < 0.7:
        cx = W * ctx.u(0.1, 0.8)
        col = ctx.pick(("#e63946", "#457b9d", "#f4a261", "#2a9d8f"))
        cv.rect(cx, H * 0.6, cx + W * 0.16, H * 0.68, col, r=H * 0.025)
        cv.poly(
            [
                (cx + W * 0.03, H * 0.6),
                (cx + W * 0.05, H * 0.555),
                (cx + W * 0.11, H * 0.555),
                (cx + W * 0.135, H * 0.6),
            ],
            col,
        )
        cv.poly(
            [
                (cx + W * 0.04, H * 0.6),
                (cx + W * 0.055, H * 0.565),
                (cx + W * 0.105, H * 0.565),
                (cx + W * 0.125, H * 0.6),
            ],
            "#bde0fe",
        )
        for wx in (cx + W * 0.035, cx + W * 0.125):
            cv.circle(wx, H * 0.68, H * 0.022, "#2b2d42")
            cv.circle(wx, H * 0.68, H * 0.01, "#adb5bd")
    cv.rect(cv.L, H * 0.74, cv.R, H * 0.755, "#9a958c")
    cv.rect(cv.L, H * 0.755, cv.R, cv.B, "#d8d2c4")
    for k in range(int((cv.R - cv.L) / (W * 0.08)) + 1):
        x = cv.L + k * W * 0.08
        cv.line([(x, H * 0.755), (x - W * 0.05, cv.B)], "#c7c0b1", H * 0.003)
    for lx in (W * ctx.u(0.05, 0.2), W * ctx.u(0.75, 0.95)):
        cv.rect(lx - H * 0.006, H * 0.3, lx + H * 0.006, H * 0.76, "#3d405b")
        cv.line([(lx, H * 0.3), (lx + H * 0.05, H * 0.28)], "#3d405b", H * 0.01)
        cv.ellipse(
            lx + H * 0.06, H * 0.29, H * 0.025, H * 0.01, "#fff1c4" if ctx.night else "#e9ecef", lit=ctx.night
        )
        if ctx.night:
            ctx.glow(lx + H * 0.06, H * 0.3, H * 0.35, "#ffd98a", 0.5)
    _tree(cv, W * ctx.u(0.3, 0.65), H * 0.76, H * 0.36, ctx.pick(("#52b788", "#40916c")))


def _rooftop(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.62
    _sky_objects(cv, ctx, hz)
    for layer, (t, lo, hi) in enumerate(((0.6, 0.08, 0.22), (0.35, 0.04, 0.16))):
        x = cv.L
        while x < cv.R:
            bw = W * ctx.u(0.04, 0.09)
            top = hz - H * ctx.u(lo, hi)
            col = _far(ctx, ("#8d99ae", "#6d7a8f")[layer], t)
            cv.rect(x, top, x + bw + 1, hz, col)
            if ctx.night:
                for _ in range(int(bw * (hz - top) / (H * H) * 400)):
                    cv.rect(
                        *(lambda a, b: (a, b, a + H * 0.008, b + H * 0.012))(
                            ctx.u(x + 2, x + bw - 6), ctx.u(top + 4, hz - 8)
                        ),
                        "#ffd98a",
                        lit=True,
                    )
            x += bw
    wall = ctx.pick(("#b5838d", "#8d99ae", "#a98467"))
    cv.rect(cv.L, hz - H * 0.05, cv.R, H * 0.7, wall)
    cv.rect(cv.L, hz - H * 0.06, cv.R, hz - H * 0.045, _shade(wall, 1.15))
    cv.rect(cv.L, H * 0.7, cv.R, cv.B, "#6c757d")
    for k in range(int((cv.R - cv.L) / (W * 0.12)) + 1):
        cv.line(
            [(cv.L + k * W * 0.12, H * 0.7), (cv.L + k * W * 0.12 - W * 0.06, cv.B)], "#636a72", H * 0.003
        )
    tx = W * ctx.pick((0.08, 0.82))
    cv.rect(tx, H * 0.22, tx + W * 0.1, H * 0.42, "#8b5e3c", r=H * 0.01)
    cv.poly([(tx - W * 0.01, H * 0.22), (tx + W * 0.05, H * 0.14), (tx + W * 0.11, H * 0.22)], "#6f4e37")
    for lx in (tx + W * 0.015, tx + W * 0.085):
        cv.rect(lx - H * 0.006, H * 0.42, lx + H * 0.006, H * 0.7, "#4a4e69")
    cv.rect(W * 0.4, H * 0.6, W * 0.52, H * 0.7, "#adb5bd", r=H * 0.008)
    cv.circle(W * 0.46, H * 0.65, H * 0.03, "#8d99ae")
    if ctx.night or ctx.tod == "dusk":
        pts = [
            (cv.L + k * W * 0.05, H * 0.3 + math.sin(k * 0.6) * H * 0.02 + H * 0.03 * (k % 2))
            for k in range(int((cv.R - cv.L) / (W * 0.05)) + 1)
        ]
        cv.line(pts, "#2b2d42", H * 0.002)
        for p in pts:
            cv.circle(p[0], p[1] + H * 0.01, H * 0.007, "#ffe8a3", lit=True)


def _forest(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.62
    _sky_objects(cv, ctx, hz, clouds=False)
    for layer in range(3):
        t = (0.5, 0.28, 0.08)[layer]
        col = _far(ctx, ("#5e9c6e", "#3f8a5a", "#2d6a4f")[layer], t)
        _hills(cv, ctx, hz + layer * H * 0.03, H * 0.03, col, W * 0.03)
        x = cv.L + ctx.u(0, W * 0.05)
        while x < cv.R:
            h = H * ctx.u(0.22, 0.36) * (0.7 + layer * 0.2)
            _tree(cv, x, hz + layer * H * 0.035, h, col, "pine")
            x += W * ctx.u(0.03, 0.07) * (1 + layer * 0.4)
    _ground(cv, ctx, hz + H * 0.1, "#8cb369", "#5e8c52")
    for x in (W * ctx.u(-0.02, 0.04), W * ctx.u(0.94, 1.02)):
        _tree(cv, x, H * 0.8, H * 0.85, "#2f6b45", "pine")
    for _ in range(16):
        x, y = ctx.u(cv.L, cv.R), ctx.u(H * 0.76, cv.B)
        for d in (-1, 0, 1):
            cv.line([(x + d * H * 0.006, y), (x + d * H * 0.016, y - H * 0.03)], "#5b8c4a", H * 0.006)
    if ctx.night:
        for _ in range(10):
            x, y = ctx.u(W * 0.05, W * 0.95), ctx.u(H * 0.55, H * 0.8)
            cv.circle(x, y, H * 0.003, "#e9ff70", lit=True)
            ctx.glow(x, y, H * 0.03, "#e9ff70", 0.5)


def _park(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.6
    _sky_objects(cv, ctx, hz)
    _hills(cv, ctx, hz, H * 0.04, _far(ctx, "#74a57f", 0.5), W * 0.03)
    x = cv.L
    while x < cv.R:
        _tree(cv, x, hz + H * 0.02, H * ctx.u(0.18, 0.26), _far(ctx, "#52b788", 0.3))
        x += W * ctx.u(0.08, 0.16)
    _ground(cv, ctx, hz + H * 0.02, "#95d5b2", "#74c69d")
    cv.poly([(cv.L, H * 0.76), (cv.R, H * 0.7), (cv.R, H * 0.8), (cv.L, H * 0.86)], "#e9d8a6")
    bx = W * ctx.u(0.55, 0.75)
    cv.rect(bx, H * 0.62, bx + W * 0.14, H * 0.64, "#8b5e3c")
    cv.rect(bx, H * 0.57, bx + W * 0.14, H * 0.59, "#8b5e3c")
    for lx in (bx + W * 0.01, bx + W * 0.125):
        cv.rect(lx, H * 0.57, lx + W * 0.006, H * 0.69, "#3d405b")
    for _ in range(2):
        _tree(cv, ctx.u(cv.L, cv.R), H * 0.66, H * ctx.u(0.3, 0.42), ctx.pick(("#40916c", "#52b788")))
    lx = W * ctx.u(0.1, 0.4)
    cv.rect(lx - H * 0.006, H * 0.32, lx + H * 0.006, H * 0.7, "#3d405b")
    cv.ellipse(lx, H * 0.31, H * 0.025, H * 0.03, "#fff1c4" if ctx.night else "#e9ecef", lit=ctx.night)
    if ctx.night:
        ctx.glow(lx, H * 0.32, H * 0.35, "#ffd98a", 0.5)
    for _ in range(20):
        cv.circle(
            ctx.u(cv.L, cv.R), ctx.u(H * 0.86, cv.B), H * 0.006, ctx.pick(("#ffafcc", "#ffd166", "#ffffff"))
        )


def _beach(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.55
    _sky_objects(cv, ctx, hz)
    sea_far, sea_near = ctx.light.grade("#4ea8de", False), ctx.light.grade("#2a7fb8", False)
    cv.vgrad(cv.L, hz, cv.R, H * 0.72, [(0.0, _mix(sea_far, ctx.light.sky[-1][1], 0.3)), (1.0, sea_near)])
    for _ in range(18):
        x, y = ctx.u(cv.L, cv.R), ctx.u(hz + H * 0.02, H * 0.7)
        cv.rect(
            x,
            y,
            x + W * ctx.u(0.02, 0.06) * (y - hz) / (H * 0.15),
            y + H * 0.004,
            _mix(sea_near, "#ffffff", 0.35),
            r=H * 0.002,
        )
    cv.rect(cv.L, H * 0.7, cv.R, cv.B, ctx.light.grade("#f1dca7", False))
    pts = [
        (cv.L + k * W * 0.04, H * 0.715 + math.sin(k * 1.3) * H * 0.008)
        for k in range(int((cv.R - cv.L) / (W * 0.04)) + 2)
    ]
    cv.poly([(cv.L, H * 0.69), *pts, (cv.R + W * 0.04, H * 0.69)], "#ffffff")
    cv.rect(cv.L, H * 0.8, cv.R, cv.B, ctx.light.grade("#f4e1b5", False))
    px = W * ctx.pick((0.1, 0.86))
    lean = 1 if px < W / 2 else -1
    trunk = [
        (
            px + lean * W * 0.03 * (1 - (k / 8)) ** 2 * 0 + lean * W * 0.04 * (k / 8) ** 1.5,
            H * 0.82 - k * H * 0.07,
        )
        for k in range(9)
    ]
    cv.line(trunk, "#8b5e3c", H * 0.025)
    tx, ty = trunk[-1]
    for a in (-160, -120, -70, -20, 20, 60, 100):
        ang = math.radians(a)
        tip = (tx + math.cos(ang) * H * 0.18, ty + math.sin(ang) * H * 0.08 + H * 0.06)
        cv.line(
            [(tx, ty), ((tx + tip[0]) / 2, ty + math.sin(ang) * H * 0.06 - H * 0.02), tip],
            "#40916c",
            H * 0.03,
        )
    ux = W * ctx.u(0.35, 0.65)
    cv.rect(ux - H * 0.004, H * 0.5, ux + H * 0.004, H * 0.8, "#f4f1de")
    cols = ("#e63946", "#ffffff")
    for k in range(6):
        a0, a1 = 180 + k * 30, 180 + (k + 1) * 30
        cv.draw.pieslice(
            cv._box(ux - H * 0.16, H * 0.44, ux + H * 0.16, H * 0.56), a0, a1, fill=cv.paint(cols[k % 2])
        )
    if ctx.night or ctx.tod in ("dusk", "dawn"):
        for k in range(10):
            y = hz + H * 0.01 + k * H * 0.015
            w = W * (0.03 + k * 0.008)
            cv.rect(
                ctx.sun_x - w / 2 + ctx.u(-W * 0.02, W * 0.02),
                y,
                ctx.sun_x + w / 2,
                y + H * 0.004,
                "#ffe8a3" if not ctx.night else _mix("#dfe8ff", sea_near, 0.45),
                lit=True,
                r=H * 0.002,
            )


def _desert(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.6
    _sky_objects(cv, ctx, hz, clouds=False)
    mx = W * ctx.u(0.1, 0.6)
    cv.poly(
        [(mx, hz), (mx + W * 0.03, hz - H * 0.14), (mx + W * 0.16, hz - H * 0.14), (mx + W * 0.2, hz)],
        _far(ctx, "#c1666b", 0.5),
    )
    _hills(cv, ctx, hz, H * 0.04, _far(ctx, "#e9b872", 0.35), W * 0.03)
    _hills(cv, ctx, hz + H * 0.08, H * 0.05, ctx.light.grade("#e6a157", False), W * 0.03)
    _ground(cv, ctx, hz + H * 0.14, "#f2c88f", "#e6a965")
    for _ in range(ctx.rng.randint(2, 4)):
        x, base, h = ctx.u(cv.L, cv.R), H * ctx.u(0.7, 0.78), H * ctx.u(0.14, 0.24)
        col = "#4f9d69"
        cv.rect(x - h * 0.08, base - h, x + h * 0.08, base, col, r=h * 0.08)
        cv.rect(x - h * 0.32, base - h * 0.7, x - h * 0.2, base - h * 0.35, col, r=h * 0.06)
        cv.rect(x - h * 0.32, base - h * 0.43, x - h * 0.04, base - h * 0.33, col, r=h * 0.05)
        cv.rect(x + h * 0.2, base - h * 0.8, x + h * 0.32, base - h * 0.45, col, r=h * 0.06)
        cv.rect(x + h * 0.04, base - h * 0.55, x + h * 0.32, base - h * 0.45, col, r=h * 0.05)


def _mountain(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.64
    _sky_objects(cv, ctx, hz)
    for layer in range(2):
        x = cv.L - W * 0.1
        col = _far(ctx, ("#8d99ae", "#6b7f99")[layer], (0.5, 0.25)[layer])
        while x < cv.R:
            w, h = W * ctx.u(0.2, 0.35), H * ctx.u(0.25, 0.42) * (1 - layer * 0.25)
            peak = (x + w / 2, hz - h)
            cv.poly([(x, hz + 2), peak, (x + w, hz + 2)], col)
            cv.poly(
                [
                    peak,
                    (peak[0] - w * 0.12, peak[1] + h * 0.25),
                    (peak[0] - w * 0.03, peak[1] + h * 0.2),
                    (peak[0] + w * 0.04, peak[1] + h * 0.27),
                    (peak[0] + w * 0.12, peak[1] + h * 0.25),
                ],
                _mix("#ffffff", col, 0.15),
            )
            x += w * ctx.u(0.5, 0.8)
    _hills(cv, ctx, hz + H * 0.02, H * 0.04, ctx.light.grade("#6a994e", False), W * 0.03)
    x = cv.L
    while x < cv.R:
        _tree(cv, x, hz + H * 0.06, H * ctx.u(0.1, 0.16), _far(ctx, "#2d6a4f", 0.15), "pine")
        x += W * ctx.u(0.03, 0.08)
    _ground(cv, ctx, hz + H * 0.06, "#a7c957", "#6a994e")


def _lake(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.5
    _sky_objects(cv, ctx, hz)
    _hills(cv, ctx, hz, H * 0.06, _far(ctx, "#52796f", 0.45), W * 0.03)
    x = cv.L
    while x < cv.R:
        _tree(cv, x, hz + H * 0.01, H * ctx.u(0.08, 0.13), _far(ctx, "#2d6a4f", 0.35), "pine")
        x += W * ctx.u(0.02, 0.05)
    water = ctx.light.grade("#5fa8d3", False)
    cv.vgrad(
        cv.L, hz + H * 0.01, cv.R, H * 0.74, [(0.0, _mix(water, ctx.light.sky[-1][1], 0.45)), (1.0, water)]
    )
    for _ in range(22):
        x, y = ctx.u(cv.L, cv.R), ctx.u(hz + H * 0.03, H * 0.72)
        cv.rect(x, y, x + W * ctx.u(0.02, 0.07), y + H * 0.004, _mix(water, "#ffffff", 0.3), r=H * 0.002)
    _ground(cv, ctx, H * 0.72, "#74c69d", "#52b788")
    for _ in range(12):
        x = ctx.u(cv.L, cv.R)
        for d in (-1, 0, 1):
            cv.line([(x, H * 0.74), (x + d * H * 0.015, H * 0.7)], "#2d6a4f", H * 0.005)
    if ctx.rng.random() < 0.6:
        bx = W * ctx.u(0.15, 0.8)
        cv.poly(
            [
                (bx, H * 0.6),
                (bx + W * 0.08, H * 0.6),
                (bx + W * 0.065, H * 0.625),
                (bx + W * 0.015, H * 0.625),
            ],
            "#8b5e3c",
        )


def _garden(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.58
    _sky_objects(cv, ctx, hz)
    _tree(cv, W * ctx.u(0.05, 0.3), hz + H * 0.05, H * 0.45, "#52b788")
    hx = W * ctx.u(0.6, 0.75)
    house = ctx.pick(("#f2e8cf", "#e5989b", "#a8dadc"))
    cv.rect(hx, hz - H * 0.25, hx + W * 0.3, hz + H * 0.05, house)
    cv.poly(
        [(hx - W * 0.02, hz - H * 0.25), (hx + W * 0.15, hz - H * 0.42), (hx + W * 0.32, hz - H * 0.25)],
        "#bc4b51",
    )
    _window(cv, ctx, hx + W * 0.04, hz - H * 0.18, hx + W * 0.11, hz - H * 0.06)
    cv.rect(hx + W * 0.18, hz - H * 0.15, hx + W * 0.24, hz + H * 0.05, "#5b8e7d")
    if ctx.night:
        ctx.glow(hx + W * 0.075, hz - H * 0.12, H * 0.2, "#ffd98a", 0.4)
    _ground(cv, ctx, hz + H * 0.05, "#95d5b2", "#74c69d")
    for k in range(int((cv.R - cv.L) / (W * 0.025)) + 1):
        x = cv.L + k * W * 0.025
        cv.poly(
            [
                (x, hz + H * 0.14),
                (x + W * 0.007, hz + H * 0.125),
                (x + W * 0.014, hz + H * 0.14),
                (x + W * 0.014, hz + H * 0.22),
                (x, hz + H * 0.22),
            ],
            "#fbfaf5",
        )
    cv.rect(cv.L, hz + H * 0.15, cv.R, hz + H * 0.16, "#fbfaf5")
    cv.rect(cv.L, hz + H * 0.195, cv.R, hz + H * 0.205, "#fbfaf5")
    cv.rect(cv.L, hz + H * 0.21, cv.R, hz + H * 0.25, "#2d6a4f", r=H * 0.02)
    for _ in range(40):
        x, y = ctx.u(cv.L, cv.R), ctx.u(hz + H * 0.21, hz + H * 0.25)
        cv.circle(x, y, H * 0.008, ctx.pick(("#ffafcc", "#ffd166", "#ffffff", "#e63946", "#cdb4db")))


def _station(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    if not ctx.interior:
        _sky_objects(cv, ctx, H * 0.5)
    else:
        cv.rect(cv.L, cv.T, cv.R, H * 0.62, ctx.pick(("#e9e4d8", "#dfe7ec")))
    cv.rect(cv.L, H * 0.18, cv.R, H * 0.62, ctx.pick(("#457b9d", "#e63946", "#2a9d8f")))
    cv.rect(cv.L, H * 0.18, cv.R, H * 0.22, "#f4f1de")
    for k in range(int((cv.R - cv.L) / (W * 0.09)) + 1):
        x = cv.L + k * W * 0.09
        cv.rect(
            x + W * 0.015,
            H * 0.27,
            x + W * 0.075,
            H * 0.42,
            "#bde0fe" if not ctx.night else "#ffe8a3",
            lit=ctx.night,
            r=H * 0.01,
        )
    cv.rect(cv.L, H * 0.58, cv.R, H * 0.62, "#2b2d42")
    cv.rect(cv.L, H * 0.62, cv.R, cv.B, "#b5b5b5")
    cv.rect(cv.L, H * 0.62, cv.R, H * 0.64, "#ffd166")
    for k in range(4):
        x = W * (0.1 + k * 0.27)
        cv.rect(x, cv.T, x + W * 0.02, H * 0.62, "#3d405b")
    cv.rect(cv.L, cv.T, cv.R, H * 0.06, "#3d405b")
    cv.rect(W * 0.4, H * 0.07, W * 0.6, H * 0.13, "#1d3557", r=H * 0.01)
    cv.rect(W * 0.42, H * 0.09, W * 0.5, H * 0.11, "#ffd166", lit=True)


def _car(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    if not ctx.interior:
        _street(cv, ctx)
        return
    cv.rect(cv.L, cv.T, cv.R, cv.B, "#3d405b")
    y0, y1 = H * 0.12, H * 0.55
    cv.vgrad(cv.L, y0, cv.R, y1, [(p * 1.4, c) for p, c in ctx.light.sky])
    x = cv.L
    while x < cv.R:
        _tree(cv, x, y1, H * ctx.u(0.2, 0.35), _far(ctx, "#52b788", 0.3))
        x += W * ctx.u(0.1, 0.2)
    cv.rect(cv.L, y1 - H * 0.05, cv.R, y1, _far(ctx, "#74c69d", 0.2))
    body, seat = ctx.pick(("#3d405b", "#4a3f35", "#2f3e46")), ctx.pick(("#6b4f3a", "#4a4e69", "#8d6e63"))
    cv.rect(cv.L, cv.T, cv.R, y0, _shade(body, 1.15))
    for k in range(3):
        x = cv.L + (k + 0.5) * (cv.R - cv.L) / 3
        cv.poly(
            [
                (x - W * 0.05, y0 - 1),
                (x + W * 0.01, y0 - 1),
                (x + W * 0.035, y1 + 1),
                (x - W * 0.035, y1 + 1),
            ],
            body,
        )
    cv.rect(cv.L, y1, cv.R, cv.B, body)
    cv.rect(cv.L, y1, cv.R, y1 + H * 0.012, "#c9ccd6")
    for k in range(2):
        x = W * (0.16 + k * 0.5)
        cv.rect(x, H * 0.36, x + W * 0.2, H * 0.47, _shade(seat, 1.05), r=H * 0.04)
        cv.rect(x - W * 0.02, H * 0.44, x + W * 0.22, cv.B, seat, r=H * 0.06)
        cv.rect(x + W * 0.02, H * 0.5, x + W * 0.18, cv.B, _shade(seat, 0.9), r=H * 0.05)


@dataclass(frozen=True)
class _Setting:
    name: str
    pattern: str  # words that name this place
    interior: bool  # what it is when the heading says neither INT nor EXT
    draw: Callable[[_Canvas, _Ctx], None]
    close: bool = False  # figures seen from the waist up (inside a car)


# Most specific first: "living room" before "room", "rooftop" before "street", "fish tank" before "lake".
SETTINGS: tuple[_Setting, ...] = (
    _Setting("aquarium", r"AQUARIUM|FISH ?TANK|OCEANARIUM", True, _aquarium),
    _Setting("rooftop", r"ROOFTOPS?|ROOF|TERRACE|BALCONY", False, _rooftop),
    _Setting("car", r"CAR|TRUCK|TAXI|CAB|VAN|JEEP|LIMO|LIMOUSINE|PICKUP|SEDAN", True, _car, close=True),
    _Setting("station", r"STATION|TRAIN|PLATFORM|SUBWAY|METRO|RAILWAY|TUBE", False, _station),
    _Setting("kitchen", r"KITCHEN|KITCHENETTE|PANTRY", True, _kitchen),
    _Setting("bedroom", r"BEDROOM|BEDROOMS|DORM|DORMITORY|NURSERY|MOTEL ROOM|HOTEL ROOM", True, _bedroom),
    _Setting(
        "living room",
        r"LIVING ROOM|LOUNGE|APARTMENT|FLAT|DEN|SITTING ROOM|FAMILY ROOM|PARLOU?R",
        True,
        _living_room,
    ),
    _Setting("classroom", r"CLASSROOM|SCHOOL|LECTURE HALL|UNIVERSITY|COLLEGE", True, _classroom),
    _Setting(
        "hospital", r"HOSPITAL|CLINIC|WARD|ICU|EMERGENCY ROOM|OPERATING ROOM|INFIRMARY", True, _hospital
    ),
    _Setting(
        "office",
        r"OFFICE|OFFICES|CUBICLE|CONFERENCE ROOM|MEETING ROOM|BOARDROOM|BANK|AGENCY|NEWSROOM|STUDIO",
        True,
        _office,
    ),
    _Setting(
        "bar",
        r"BAR|PUB|TAVERN|SALOON|RESTAURANT|CAFE|CAFÉ|COFFEE ?SHOP|DINER|NIGHTCLUB|CLUB|BISTRO",
        True,
        _bar,
    ),
    _Setting("church", r"CHURCH|CHAPEL|CATHEDRAL|TEMPLE|MOSQUE|SYNAGOGUE", True, _church),
    _Setting("theatre", r"THEATRE|THEATER|STAGE|AUDITORIUM|CINEMA|CONCERT HALL|OPERA", True, _theatre),
    _Setting("hallway", r"HALLWAY|CORRIDOR|HALL|LOBBY|STAIRWELL|FOYER|ENTRANCE", True, _hallway),
    _Setting(
        "library",
        r"LIBRARY|BOOKSTORE|BOOKSHOP|STUDY|ARCHIVES?",
        True,
        lambda cv, ctx: _shelves(cv, ctx, "books"),
    ),
    _Setting(
        "shop",
        r"SHOP|STORE|SUPERMARKET|MARKET|MALL|BOUTIQUE|GROCERY|PHARMACY|BAKERY",
        True,
        lambda cv, ctx: _shelves(cv, ctx, "products"),
    ),
    _Setting(
        "warehouse",
        r"WAREHOUSE|FACTORY|GARAGE|HANGAR|STORAGE|BARN|WORKSHOP|DEPOT",
        True,
        lambda cv, ctx: _shelves(cv, ctx, "boxes"),
    ),
    _Setting("lab", r"LAB|LABORATORY", True, _lab),
    _Setting(
        "beach", r"BEACH|SEA|OCEAN|SHORE|SEASHORE|COAST|SEASIDE|HARBOU?R|PIER|DOCK|BOARDWALK", False, _beach
    ),
    _Setting("forest", r"FOREST|WOODS|WOODLAND|JUNGLE|CLEARING|GROVE|CAMPSITE|TRAIL", False, _forest),
    _Setting("park", r"PARK|PLAYGROUND|MEADOW|FIELD|LAWN|CEMETERY|GRAVEYARD", False, _park),
    _Setting("desert", r"DESERT|DUNES?|CANYON|BADLANDS", False, _desert),
    _Setting("mountain", r"MOUNTAINS?|HILLS?|HILLTOP|CLIFF|VALLEY|PEAK|SUMMIT|RIDGE", False, _mountain),
    _Setting("lake", r"LAKE|LAKESIDE|RIVER|RIVERBANK|POND|STREAM|CREEK|BRIDGE|CANAL", False, _lake),
    _Setting("garden", r"GARDEN|BACKYARD|YARD|FARM|PORCH|PATIO|ORCHARD|FRONT LAWN", False, _garden),
    _Setting(
        "street",
        r"STREETS?|CITY|ROAD|AVENUE|ALLEY|ALLEYWAY|DOWNTOWN|SIDEWALK|TOWN|SQUARE|INTERSECTION|BOULEVARD|PARKING|HIGHWAY|CROSSWALK",
        False,
        _street,
    ),
)
_GENERIC_INTERIOR = _Setting("room", "", True, lambda cv, ctx: _generic_interior(cv, ctx))
_GENERIC_EXTERIOR = _Setting("outdoors", "", False, _generic_exterior)


def _generic_interior(cv: _Canvas, ctx: _Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = _room(cv, ctx, ("#ece4d4", "#dfe6ec", "#efe0d6", "#e3ead8"), ("#b08968", "#a39281", "#c2a383"))
    wx = W * ctx.u(0.08, 0.2)
    _window(
        cv, ctx, wx, H * 0.12, wx + W * 0.17, H * 0.48, curtains=ctx.pick(("#e5989b", "#84a59d", "#f2cc8f"))
    )
    dx = W * ctx.u(0.7, 0.8)
    cv.rect(dx - H * 0.012, fy - H * 0.46, dx + W * 0.09 + H * 0.012, fy, "#fbfaf5")
    cv.rect(dx, fy - H * 0.45, dx + W * 0.09, fy, ctx.pick(("#8b5e3c", "#5b8e7d", "#3d5a80")))
    cv.circle(dx + W * 0.075, fy - H * 0.22, H * 0.008, "#e0a458")
    _picture(cv, ctx, W * ctx.u(0.4, 0.5), H * 0.16, W * 0.12, H * 0.16)
    _plant(cv, ctx, wx + W * 0.22, fy + H * 0.01, H * 0.2)
    _floor_lamp(cv, ctx, dx - W * 0.08, fy + H * 0.01, H * 0.45)


def choose_setting(scene: Scene, prompt: str) -> _Setting:
    """The place: named by the location, else the heading, else the prompt or action.

    In a location the last place word wins, because English puts the head noun last: a
    "HARBOUR TOWN STREET" is a street, a "BEACH HOUSE KITCHEN" a kitchen. A place that matches
    the heading's INT or EXT goes before one that does not ("EXT. ROOFTOP BAR" is a rooftop).
    Words in the prompt and action count only for places on the heading's side: a "wall" in the
    action of an EXT. scene does not bring it indoors.
    """
    side = scene.interior.upper()
    wanted = True if side == "INT" else False if side == "EXT" else None
    for text in (scene.location, scene.heading, f"{prompt} {' '.join(scene.action)}"):
        upper = text.upper()
        found = [
            (m.end(), -i, s)
            for i, s in enumerate(SETTINGS)
            for m in re.finditer(rf"\b(?:{s.pattern})\b", upper)
        ]
        if found:
            if text is scene.location or text is scene.heading:
                return max(found, key=lambda f: (f[2].interior == wanted, f[0], f[1]))[2]
            found = [f for f in found if wanted is None or f[2].interior == wanted]
            if found:
                return min(found, key=lambda f: (-f[1], f[0]))[2]
    return _GENERIC_INTERIOR if scene.interior.upper().startswith("INT") else _GENERIC_EXTERIOR


# ------------------------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class _Placed:
    name: str
    look: Look
    x: float  # feet centre
    feet: float  # feet y
    size: float  # figure height in pixels
    facing: int  # +1 looks right, -1 left


def _visible_characters(scene: Scene) -> list[str]:
    """Who stands in the picture: everyone present, less narrators and those only heard off screen."""
    out = []
    for name in scene.characters:
        lines = [ln for ln in scene.dialogue if ln.character.upper() == name.upper()]
        if name.upper() == "NARRATOR" or (lines and all(ln.is_narration for ln in lines)):
            continue
        out.append(name)
    return out[:MAX_FIGURES]


def _place(
    names: Sequence[str], looks: Mapping[str, Mapping[str, Any]], ctx: _Ctx, close: bool
) -> list[_Placed]:
    W, H, n = ctx.W, ctx.H, len(names)
    if n == 0:
        return []
    base = min(H * (0.58 if n <= 3 else 0.5), 1.55 * W / max(n, 2.5))
    if close:
        base *= 1.55
    spread = min(0.64, 0.2 * n) if n > 1 else 0.0
    centre = 0.5 + ctx.u(-0.06, 0.06)
    placed = []
    for i, name in enumerate(names):
        look = character_look(name, looks.get(name.upper(), {}))
        t = i / (n - 1) if n > 1 else 0.5
        x = W * (centre - spread / 2 + spread * t + ctx.u(-0.015, 0.015))
        row = (i % 2) if n > 3 else 0
        feet = H * ((1.22 if close else 0.9) + (0.045 if row else 0.0) - (0.0 if n > 3 else ctx.u(0, 0.02)))
        depth = 1.0 + (0.05 if row else 0.0)
        facing = (
            1 if x < W * centre - 1 else -1 if x > W * centre + 1 else (1 if ctx.rng.random() < 0.5 else -1)
        )
        placed.append(_Placed(name, look, x, feet, base * HEIGHTS[look.height] * depth, facing))
    return sorted(placed, key=lambda p: p.feet)


def _figure_geometry(p: _Placed) -> dict[str, float]:
    u = p.size / 100
    bw = BUILDS[p.look.build]
    return {
        "u": u,
        "bw": bw,
        "head_r": 9.6 * u,
        "head_y": p.feet - 90 * u,
        "shoulder": p.feet - 76 * u,
        "hip": p.feet - 41 * u,
    }


def _figure_box(p: _Placed, W: int, H: int) -> tuple[int, int, int, int]:
    g = _figure_geometry(p)
    u, bw = g["u"], g["bw"]
    half = max(13 * u * bw + 9 * u, 20 * u * bw) + 2
    x0, x1 = max(0, math.floor(p.x - half)), min(W, math.ceil(p.x + half))
    y0 = max(0, math.floor(g["head_y"] - 17 * u) - 2)
    y1 = min(H, math.ceil(p.feet + 5 * u) + 2)
    return x0, y0, x1, y1


def _mouth(p: _Placed) -> dict[str, float]:
    g = _figure_geometry(p)
    u = g["u"]
    return {
        "x": round(p.x + p.facing * 3.4 * u, 2),
        "y": round(g["head_y"] + 4.8 * u, 2),
        "width": round(4.6 * u, 2),
        "height": round(3.6 * u, 2),
    }


def _draw_figure(cv: _Canvas, p: _Placed) -> None:
    g = _figure_geometry(p)
    u, bw, hr, hy, sh, hip = g["u"], g["bw"], g["head_r"], g["head_y"], g["shoulder"], g["hip"]
    x, f, look = p.x, p.facing, p.look
    clothes, skin, hair, legs = look.colour, look.skin, look.hair_colour, look.trousers
    sw, hw = 13 * u * bw, 11 * u * bw  # half widths at shoulder and hip
    arm_w = 6.4 * u * bw
    dark = _shade(clothes, 0.82)
    # Long hair falls behind the shoulders.
    if look.hair == "long":
        cv.rect(x - hr * 1.08 - f * u, hy - hr * 0.6, x + hr * 1.08 - f * u, hy + hr * 1.7, hair, r=hr * 0.8)
    # Legs and shoes.
    lw = 5.2 * u * bw
    for side in (-1, 1):
        lx = x + side * (lw + 0.6 * u) + f * u * 0.6
        cv.rect(lx - lw, hip - 3 * u, lx + lw, p.feet - 3.5 * u, legs, r=lw * 0.5)
        cv.rect(
            lx - lw * 1.05 + f * 2 * u,
            p.feet - 5.5 * u,
            lx + lw * 1.05 + f * 3.5 * u,
            p.feet,
            "#2b2b33",
            r=2.6 * u,
        )
    # The far arm, behind the torso.
    for side in (-f, f):
        if side == -f:
            ax = x + side * (sw - arm_w * 0.45)
            cv.line([(ax, sh + 5 * u), (ax + side * 3 * u, hip + 2 * u)], dark, arm_w)
            cv.circle(ax + side * 3 * u, hip + 3.5 * u, 3.6 * u * (0.9 + 0.1 * bw), skin)
    # Torso: shoulders rounded, tapering to the hips, a shaded back half.
    cv.poly([(x - sw, sh + 6 * u), (x + sw, sh + 6 * u), (x + hw, hip), (x - hw, hip)], clothes)
    cv.rect(x - sw, sh, x + sw, sh + 14 * u, clothes, r=7 * u * bw)
    cv.poly(
        [
            (x - f * sw * 0.25, sh + 1 * u),
            (x - f * sw, sh + 6 * u),
            (x - f * hw, hip),
            (x - f * hw * 0.35, hip),
        ],
        dark,
    )
    cv.rect(x - hw, hip - 3.5 * u, x + hw, hip + 0.5 * u, _shade(legs, 0.8), r=1.5 * u)
    # Neck and collar.
    cv.rect(x - 3 * u + f * u, hy + hr * 0.6, x + 3 * u + f * u, sh + 3 * u, _shade(skin, 0.9))
    cv.poly(
        [(x - 4.5 * u + f * u, sh + 0.5 * u), (x + 4.5 * u + f * u, sh + 0.5 * u), (x + f * u, sh + 6 * u)],
        _shade(skin, 0.9),
    )
    # The near arm, in front.
    ax = x + f * (sw - arm_w * 0.45)
    cv.line([(ax, sh + 5 * u), (ax + f * 3.5 * u, hip + 2 * u)], clothes, arm_w)
    cv.circle(ax + f * 3.5 * u, hip + 3.5 * u, 3.6 * u * (0.9 + 0.1 * bw), skin)
    # Head: ear on the far side, face turned toward `facing`.
    cv.circle(x - f * hr * 0.82, hy + 1 * u, 2.3 * u, _shade(skin, 0.92))
    cv.circle(x, hy, hr, skin)
    if look.hair == "bun":
        cv.circle(x - f * 2.5 * u, hy - hr * 1.15, hr * 0.48, hair)
    if look.hair == "curly":
        for a in range(-200, 31, 28):
            ang = math.radians(a if f > 0 else -180 - a)
            cv.circle(
                x + math.cos(ang) * hr * 0.92, hy - 1.2 * u + math.sin(ang) * hr * 0.92, hr * 0.36, hair
            )
        cv.chord(x, hy - 1.5 * u, hr * 1.02, hr * 1.0, 180, 360, hair)
    elif look.hair in ("short", "long", "bun"):
        # PIL angles run clockwise from 3 o'clock: the cap reaches lower on the back of the head.
        a0, a1 = (165, 345) if f > 0 else (195, 375)
        cv.chord(x - f * 0.8 * u, hy - 0.8 * u, hr * 1.06, hr * 1.04, a0, a1, hair)
        cv.poly(
            [
                (x - f * hr * 1.05, hy - 1 * u),
                (x - f * hr * 0.45, hy - 3 * u),
                (x - f * hr * 0.6, hy + 3.5 * u),
                (x - f * hr * 0.98, hy + 3.5 * u),
            ],
            hair,
        )
        if look.hair == "long":
            cv.rect(
                x - f * hr * 1.08 - (4 * u if f > 0 else 0),
                hy - 2 * u,
                x - f * hr * 1.08 + (0 if f > 0 else 4 * u),
                hy + hr * 1.4,
                hair,
                r=2 * u,
            )
    # Eyes; the mouth is drawn by draw_mouth after the reduction.
    ex = x + f * 3.2 * u
    for dx in (-3.2, 3.2):
        cv.ellipse(ex + dx * u, hy - 0.5 * u, 1.15 * u, 1.5 * u, "#1f1b24")


# ------------------------------------------------------------------------------------------ backend


def _rng(seed: int, prompt: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}\0{prompt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _reduce(img: Image.Image, w: int, h: int) -> np.ndarray:
    return cv2.resize(np.asarray(img), (w, h), interpolation=cv2.INTER_AREA)


class StoryboardBackend:
    """Draws each scene as a flat illustration: its setting, its light and its characters."""

    NAME = "storyboard"
    VERSION = "1"

    def render(self, req: ImageRequest, out_dir: Path) -> None:
        W, H = req.width, req.height
        scene = req.scene
        setting = choose_setting(scene, req.prompt)
        interior = scene.interior.upper().startswith("INT") if scene.interior else setting.interior
        tod = time_of_day(scene, req.prompt)
        light = _LIGHTS[tod]
        ctx = _Ctx(W, H, _rng(req.seed, req.prompt), tod, interior, light)
        mx, my = round(W * MARGIN), round(H * MARGIN)
        bw, bh = W + 2 * mx, H + 2 * my

        # Background: the sky gradient first, then the setting over it.
        # The sky's gradient runs from the top of the picture to about the horizon (0.62 H).
        reach = (0.62 * H + my) / bh
        sky = _gradient(bh * SS, [(p * reach, c) for p, c in light.sky] + [(1.0, light.sky[-1][1])])
        column = Image.fromarray(np.ascontiguousarray(sky.astype(np.uint8)[:, None, :]))
        base = column.resize((bw * SS, bh * SS), Image.Resampling.NEAREST)

        def paint_bg(col: Colour, lit: bool = False) -> RGB:
            return _rgb(col) if lit else light.grade(col, interior)

        # Figures are placed first so that the setting can keep a low sun clear of them.
        placed = _place(_visible_characters(scene), req.looks, ctx, setting.close)
        ctx.people = [(b[0], b[2]) for b in (_figure_box(p, W, H) for p in placed)]
        bg = _Canvas(-mx, -my, W + mx, H + my, base, paint_bg)
        setting.draw(bg, ctx)
        background = _reduce(bg.img, bw, bh)
        _apply_glows(background, ctx.glows, mx, my)

        # Figures: shadows first (so no figure is covered by a neighbour's shadow), then back to front.
        amount = {"day": 0.0, "night": 0.45, "dusk": 0.4, "dawn": 0.3}[tod]

        def paint_fig(col: Colour, alpha: int = 255) -> tuple[int, int, int, int]:
            return (*light.grade(col, interior, amount), alpha)

        fig = _Canvas(0, 0, W, H, Image.new("RGBA", (W * SS, H * SS), (0, 0, 0, 0)), paint_fig)
        for p in placed:
            fig.ellipse(p.x, p.feet, p.size * 0.2 * BUILDS[p.look.build], p.size * 0.035, "#000000", alpha=60)
        for p in placed:
            _draw_figure(fig, p)
        figures = _unpremultiplied(fig.img, W, H)
        rgb = np.ascontiguousarray(figures[..., :3])
        records = []
        for p in placed:
            skin = _hex(light.grade(p.look.skin, interior, amount))
            mouth = _mouth(p)
            draw_mouth(rgb, mouth, 0.0, skin)
            records.append(
                {"character": p.name, "box": list(_figure_box(p, W, H)), "mouth": mouth, "skin": skin}
            )
        figures[..., :3] = rgb

        composite = background[my : my + H, mx : mx + W].copy()
        a = figures[..., 3:4].astype(np.uint16)
        rows, cols = np.nonzero(a[..., 0].any(axis=1))[0], np.nonzero(a[..., 0].any(axis=0))[0]
        if len(rows):
            ys, xs = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
            back, front, aa = composite[ys, xs].astype(np.uint16), rgb[ys, xs].astype(np.uint16), a[ys, xs]
            composite[ys, xs] = ((back * (255 - aa) + front * aa + 127) // 255).astype(np.uint8)

        _write_png(out_dir / "image.png", composite)
        _write_png(out_dir / "background.png", background)
        _write_png(out_dir / "figures.png", figures)
        meta = {
            "width": W,
            "height": H,
            "margin": {"x": mx, "y": my},
            "setting": setting.name,
            "time_of_day": tod,
            "interior": interior,
            "figures": records,
        }
        (out_dir / "figures.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _write_png(path: Path, img: np.ndarray) -> None:
    # Run-length zlib is as small as level 6 on flat illustrations, at a fraction of the time.
    code = cv2.COLOR_RGBA2BGRA if img.shape[2] == 4 else cv2.COLOR_RGB2BGR
    ok, buf = cv2.imencode(
        ".png", cv2.cvtColor(img, code), [cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    )
    if not ok:
        raise OSError(f"could not encode {path.name}")
    path.write_bytes(buf.tobytes())


def _unpremultiplied(img: Image.Image, w: int, h: int) -> np.ndarray:
    """Reduce an RGBA layer without dark fringes.

    Transparent pixels are (0, 0, 0, 0) and the only translucent paint is black (the shadows), so a
    plain average of the colour channels equals the premultiplied average; dividing it by the
    averaged coverage where coverage is partial gives the true edge colour.
    """
    big = np.asarray(img)
    cov = big[..., 3]
    ys, xs = np.nonzero(cov.any(axis=1))[0] // SS, np.nonzero(cov.any(axis=0))[0] // SS
    out = np.zeros((h, w, 4), np.uint8)
    if len(xs) == 0:
        return out
    x0, x1 = int(xs[0]), min(int(xs[-1]) + 1, w)
    y0, y1 = int(ys[0]), min(int(ys[-1]) + 1, h)
    small = cv2.resize(
        big[y0 * SS : y1 * SS, x0 * SS : x1 * SS], (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA
    )
    a = small[..., 3]
    edge = np.nonzero((a > 0) & (a < 255))
    rgb = small[..., :3][edge].astype(np.uint32)
    ea = a[edge].astype(np.uint32)[:, None]
    small[..., :3][edge] = np.minimum((rgb * 255 + ea // 2) // ea, 255).astype(np.uint8)
    out[y0:y1, x0:x1] = small
    return out
