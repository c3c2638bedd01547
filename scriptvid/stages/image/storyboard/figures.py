"""The people in the picture: who stands there, where, and how each is drawn."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ....model import Scene
from ....settings import CharacterSettings
from .canvas import Canvas, Ctx
from .light import shade
from .looks import BUILDS, HEIGHTS, Look, character_look

# ------------------------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Placed:
    name: str
    look: Look
    x: float  # feet centre
    feet: float  # feet y
    size: float  # figure height in pixels
    facing: int  # +1 looks right, -1 left


def visible_characters(scene: Scene, most: int) -> list[str]:
    """Who stands in the picture: everyone present, less narrators and those only heard off screen,
    at most `most` of them (the first to appear)."""
    out = []
    for name in scene.characters:
        lines = [ln for ln in scene.dialogue if ln.character.upper() == name.upper()]
        if name.upper() == "NARRATOR" or (lines and all(ln.is_narration for ln in lines)):
            continue
        out.append(name)
    return out[:most]


# Figures keep this much of the frame's width clear at each side: nobody is cut by the frame's edge.
SIDE = 0.02


def place(
    names: Sequence[str], characters: Mapping[str, CharacterSettings], ctx: Ctx, close: bool
) -> list[Placed]:
    W, H, n = ctx.W, ctx.H, len(names)
    if n == 0:
        return []
    if W < 0.8 * H:
        # An upright (phone) frame: the people larger, as tall as half the frame, and the width
        # shared among them.
        base = min(H * 0.5, 1.9 * W / max(n, 2))
    else:
        base = min(H * (0.58 if n <= 3 else 0.5), 1.55 * W / max(n, 2.5))
    if close:
        base *= 1.55
    spread = min(0.64, 0.2 * n) if n > 1 else 0.0
    centre = 0.5 + ctx.u(-0.06, 0.06)
    placed = []
    for i, name in enumerate(names):
        look = character_look(name, characters.get(name.upper()))
        t = i / (n - 1) if n > 1 else 0.5
        x = W * (centre - spread / 2 + spread * t + ctx.u(-0.015, 0.015))
        row = (i % 2) if n > 3 else 0
        # A close shot shows people from the waist up: their heads at 0.41 of the frame's height (at
        # the largest size this puts the feet at 1.22 H), whatever size so many people allow.
        ground = 0.41 * H + 0.9 * base if close else 0.9 * H
        feet = ground + H * ((0.045 if row else 0.0) - (0.0 if n > 3 else ctx.u(0, 0.02)))
        depth = 1.0 + (0.05 if row else 0.0)
        facing = (
            1 if x < W * centre - 1 else -1 if x > W * centre + 1 else (1 if ctx.rng.random() < 0.5 else -1)
        )
        placed.append(Placed(name, look, x, feet, base * HEIGHTS[look.height] * depth, facing))
    return sorted(_inside(placed, W, H), key=lambda p: p.feet)


def _half_width(p: Placed) -> float:
    """Half the width a figure takes, arms and shoulders, from its feet's centre."""
    u, bw = p.size / 100, BUILDS[p.look.build]
    return max(13 * u * bw + 9 * u, 20 * u * bw) + 2


def _inside(placed: list[Placed], W: int, H: int) -> list[Placed]:
    """The group moved, and if that is not enough made smaller about each one's feet, until every
    figure is inside the frame's width (a narrow frame, many people, a close shot)."""
    lo, hi = SIDE * W, (1 - SIDE) * W
    left = min(p.x - _half_width(p) for p in placed)
    right = max(p.x + _half_width(p) for p in placed)
    if left >= lo and right <= hi:
        return placed
    shift = (lo + hi) / 2 - (left + right) / 2  # the group centred
    moved = [dataclasses.replace(p, x=p.x + shift) for p in placed]
    scale = min(
        1.0,
        *(
            min(p.x - lo, hi - p.x) / _half_width(p)  # half width grows with size (+2 px aside)
            for p in moved
        ),
    )
    if scale >= 1.0:
        return moved
    scale = max(0.1, scale * 0.98)  # the 2 px of _half_width do not shrink with the figure
    # People standing keep their feet on the ground; in a close shot (feet below the frame) their
    # heads stay where they were.
    return [
        dataclasses.replace(
            p, size=p.size * scale, feet=p.feet - 0.9 * p.size * (1 - scale) if p.feet > H else p.feet
        )
        for p in moved
    ]


def _figure_geometry(p: Placed) -> dict[str, float]:
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


def figure_box(p: Placed, W: int, H: int) -> tuple[int, int, int, int]:
    g = _figure_geometry(p)
    u, half = g["u"], _half_width(p)
    x0, x1 = max(0, math.floor(p.x - half)), min(W, math.ceil(p.x + half))
    y0 = max(0, math.floor(g["head_y"] - 17 * u) - 2)
    y1 = min(H, math.ceil(p.feet + 5 * u) + 2)
    return x0, y0, x1, y1


def mouth_of(p: Placed) -> dict[str, float]:
    g = _figure_geometry(p)
    u = g["u"]
    return {
        "x": round(p.x + p.facing * 3.4 * u, 2),
        "y": round(g["head_y"] + 4.8 * u, 2),
        "width": round(4.6 * u, 2),
        "height": round(3.6 * u, 2),
    }


def draw_figure(cv: Canvas, p: Placed) -> None:
    g = _figure_geometry(p)
    u, bw, hr, hy, sh, hip = g["u"], g["bw"], g["head_r"], g["head_y"], g["shoulder"], g["hip"]
    x, f, look = p.x, p.facing, p.look
    clothes, skin, hair, legs = look.colour, look.skin, look.hair_colour, look.trousers
    sw, hw = 13 * u * bw, 11 * u * bw  # half widths at shoulder and hip
    arm_w = 6.4 * u * bw
    dark = shade(clothes, 0.82)
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
    cv.rect(x - hw, hip - 3.5 * u, x + hw, hip + 0.5 * u, shade(legs, 0.8), r=1.5 * u)
    # Neck and collar.
    cv.rect(x - 3 * u + f * u, hy + hr * 0.6, x + 3 * u + f * u, sh + 3 * u, shade(skin, 0.9))
    cv.poly(
        [(x - 4.5 * u + f * u, sh + 0.5 * u), (x + 4.5 * u + f * u, sh + 0.5 * u), (x + f * u, sh + 6 * u)],
        shade(skin, 0.9),
    )
    # The near arm, in front.
    ax = x + f * (sw - arm_w * 0.45)
    cv.line([(ax, sh + 5 * u), (ax + f * 3.5 * u, hip + 2 * u)], clothes, arm_w)
    cv.circle(ax + f * 3.5 * u, hip + 3.5 * u, 3.6 * u * (0.9 + 0.1 * bw), skin)
    # Head: ear on the far side, face turned toward `facing`.
    cv.circle(x - f * hr * 0.82, hy + 1 * u, 2.3 * u, shade(skin, 0.92))
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
