"""The things places are made of: sky, clouds, trees, windows, lamps, plants, rooms and ground."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from .canvas import Canvas, Ctx
from .light import RGB, Colour, blend, shade

# ---------------------------------------------------------------------------------- scenery helpers


def draw_sky(cv: Canvas, ctx: Ctx, horizon: float, clouds: bool = True) -> None:
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
            draw_cloud(cv, x, H * ctx.u(0.1, 0.3), H * ctx.u(0.045, 0.075))


def _clear_x(ctx: Ctx) -> float:
    """The middle of the widest gap between the figures, so that a low sun is not hidden behind one."""
    edges = sorted([(ctx.W * 0.12, ctx.W * 0.12), *ctx.people, (ctx.W * 0.88, ctx.W * 0.88)])
    gaps = [(b[0] - a[1], (a[1] + b[0]) / 2) for a, b in itertools.pairwise(edges)]
    return max(gaps)[1] + ctx.u(-0.02, 0.02) * ctx.W


def draw_cloud(cv: Canvas, x: float, y: float, s: float) -> None:
    col = "#ffffff"
    for dx, dy, r in ((-0.9, 0.05, 0.55), (-0.15, -0.3, 0.8), (0.7, -0.05, 0.62)):
        cv.circle(x + dx * s, y + dy * s, r * s, col)
    cv.rect(x - 1.45 * s, y - 0.05 * s, x + 1.3 * s, y + 0.6 * s, col, r=0.3 * s)


def draw_tree(cv: Canvas, x: float, base: float, h: float, leaf: Colour, kind: str = "round") -> None:
    trunk = "#7a5236"
    if kind == "pine":
        cv.rect(x - h * 0.035, base - h * 0.2, x + h * 0.035, base, trunk)
        for i in range(3):
            top = base - h * (1.0 - i * 0.22)
            bot = base - h * (0.48 - i * 0.2)
            wd = h * (0.2 + i * 0.07)
            cv.poly([(x, top), (x + wd, bot), (x - wd, bot)], shade(leaf, 1.0 - i * 0.06))
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
    cv.circle(x - h * 0.12, base - h * 0.58, h * 0.2, shade(leaf, 0.9))
    cv.circle(x + h * 0.13, base - h * 0.6, h * 0.19, shade(leaf, 0.9))
    cv.circle(x, base - h * 0.76, h * 0.24, leaf)


def draw_window(
    cv: Canvas, ctx: Ctx, x0: float, y0: float, x1: float, y1: float, frame: Colour = "#fbfaf5",
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
        draw_cloud(
            cv, ctx.u(x0 + (x1 - x0) * 0.3, x1 - (x1 - x0) * 0.3), y0 + (y1 - y0) * 0.25, (x1 - x0) * 0.09
        )
    # What is outside: a low band of trees or roofs, kept inside the glass.
    band = y0 + (y1 - y0) * 0.72
    far = blend("#8fb39a" if view == "trees" else "#9aa6b8", ctx.light.sky[-1][1], 0.35)
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
    cv.rect(x0 - fw * 2, y1 + fw * 0.6, x1 + fw * 2, y1 + fw * 1.8, shade(frame, 0.92), r=fw * 0.3)
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


def draw_picture(cv: Canvas, ctx: Ctx, x: float, y: float, w: float, h: float) -> None:
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


def draw_plant(cv: Canvas, ctx: Ctx, x: float, base: float, s: float) -> None:
    leaf = ctx.pick(("#4f9d69", "#5a9e6f", "#3f8f6b"))
    for a in (-60, -30, 0, 30, 60, -80, 80):
        ang = math.radians(a - 90)
        tip = (x + math.cos(ang) * s * 0.9, base - s * 0.55 + math.sin(ang) * s * 0.9)
        mid = (x + math.cos(ang + 0.25) * s * 0.45, base - s * 0.55 + math.sin(ang + 0.25) * s * 0.45)
        mid2 = (x + math.cos(ang - 0.25) * s * 0.45, base - s * 0.55 + math.sin(ang - 0.25) * s * 0.45)
        cv.poly([(x, base - s * 0.5), mid, tip, mid2], shade(leaf, 0.9 + 0.1 * (a % 60 == 0)))
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
    cv.rect(x - s * 0.33, base - s * 0.62, x + s * 0.33, base - s * 0.5, shade(pot, 0.9), r=s * 0.03)


def draw_pendant(
    cv: Canvas, ctx: Ctx, x: float, top: float, drop: float, s: float, col: Colour = "#2f3b46"
) -> None:
    cv.rect(x - s * 0.03, top, x + s * 0.03, top + drop, "#3a3a3a")
    y = top + drop
    cv.chord(x, y + s * 0.35, s * 0.6, s * 0.6, 180, 360, col)
    cv.ellipse(x, y + s * 0.35, s * 0.22, s * 0.09, "#fff2c6" if ctx.night else "#f3ead2", lit=ctx.night)
    if ctx.night:
        ctx.glow(x, y + s * 0.5, ctx.H * 0.4, "#ffcf7a", 0.55)


def draw_table_lamp(cv: Canvas, ctx: Ctx, x: float, base: float, s: float) -> None:
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


def draw_floor_lamp(cv: Canvas, ctx: Ctx, x: float, base: float, h: float) -> None:
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


def draw_ceiling_light(cv: Canvas, ctx: Ctx, x: float, y: float, w: float) -> None:
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


def draw_room(
    cv: Canvas, ctx: Ctx, walls: Sequence[str], floors: Sequence[str], floor_y: float = 0.68
) -> tuple[str, str, float]:
    """Back wall, skirting, floor: the base of every interior. Returns (wall, floor, floor line y)."""
    H = ctx.H
    wall, floor = ctx.pick(walls), ctx.pick(floors)
    fy = H * floor_y
    cv.rect(cv.L, cv.T, cv.R, fy, wall)
    cv.rect(cv.L, cv.T, cv.R, cv.T + H * 0.06, shade(wall, 0.93))
    cv.rect(cv.L, fy, cv.R, cv.B, floor)
    # Floor boards in perspective give the ground plane its depth.
    cx = (cv.L + cv.R) / 2
    for i in range(-9, 10):
        x_far = cx + i * ctx.W * 0.075
        x_near = cx + i * ctx.W * 0.16
        cv.line([(x_far, fy), (x_near, cv.B)], shade(floor, 0.93), H * 0.003)
    cv.rect(cv.L, fy - H * 0.022, cv.R, fy, shade(wall, 0.82))
    return wall, floor, fy


def draw_ground(cv: Canvas, ctx: Ctx, y: float, near: str, far: str) -> None:
    cv.vgrad(cv.L, y, cv.R, cv.B, [(0.0, ctx.light.grade(far, False)), (1.0, ctx.light.grade(near, False))])


def draw_hills(cv: Canvas, ctx: Ctx, base: float, amp: float, col: Colour, step: float) -> None:
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


def far_colour(ctx: Ctx, col: Colour, t: float) -> RGB:
    """Aerial perspective: far things fade toward the horizon's sky colour."""
    return blend(ctx.light.grade(col, False), ctx.light.sky[-1][1], t)


def draw_shelves(cv: Canvas, ctx: Ctx, goods: str) -> None:
    W, H = ctx.W, ctx.H
    walls = ("#d8d5cf", "#c9c4bb") if goods == "boxes" else ("#f1ece2", "#e4ecef", "#f4e3d7")
    floors = ("#a3a3a3", "#8e8e8e") if goods == "boxes" else ("#c9b49c", "#b3a89a")
    _, _, fy = draw_room(cv, ctx, walls, floors)
    frame = "#3d5a80" if goods == "boxes" else ctx.pick(("#8b5e3c", "#6f4e37", "#e9ecef"))
    top = H * (0.08 if goods != "products" else 0.18)
    n_units = 4
    uw = (cv.R - cv.L) / n_units
    for u in range(n_units):
        x0 = cv.L + u * uw + uw * 0.06
        x1 = x0 + uw * 0.88
        cv.rect(x0, top, x1, fy, shade(frame, 0.75))
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
        draw_ceiling_light(cv, ctx, W * (0.2 + i * 0.3), cv.T + H * 0.03, W * 0.14)
