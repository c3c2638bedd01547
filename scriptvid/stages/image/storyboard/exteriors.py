"""The outdoor places, each drawing a whole background."""

from __future__ import annotations

import math

from .canvas import Canvas, Ctx
from .light import blend, shade
from .props import (
    draw_ground,
    draw_hills,
    draw_sky,
    draw_tree,
    draw_window,
    far_colour,
)


def generic_exterior(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.6
    draw_sky(cv, ctx, hz)
    draw_hills(cv, ctx, hz, H * 0.08, far_colour(ctx, "#7fb685", 0.45), W * 0.02)
    draw_hills(cv, ctx, hz + H * 0.06, H * 0.05, far_colour(ctx, "#6a994e", 0.2), W * 0.02)
    draw_ground(cv, ctx, hz + H * 0.08, "#8ab17d", "#6a994e")
    for _ in range(ctx.rng.randint(3, 6)):
        x = ctx.u(cv.L, cv.R)
        draw_tree(
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


def street(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    base = H * 0.56
    draw_sky(cv, ctx, base)
    x = cv.L
    while x < cv.R:
        bw = W * ctx.u(0.05, 0.1)
        cv.rect(x, base - H * ctx.u(0.25, 0.45), x + bw + 1, base, far_colour(ctx, "#9aa6b8", 0.5))
        x += bw
    x = cv.L - ctx.u(0, W * 0.05)
    while x < cv.R:
        bw = W * ctx.u(0.11, 0.18)
        top = base - H * ctx.u(0.22, 0.42)
        col = ctx.pick(("#e07a5f", "#f2cc8f", "#81b29a", "#3d405b", "#d4a373", "#a8dadc", "#e5989b"))
        cv.rect(x, top, x + bw, base, col)
        cv.rect(x - H * 0.006, top - H * 0.012, x + bw + H * 0.006, top + H * 0.004, shade(col, 0.8))
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
        cv.rect(dx, base - H * 0.07, dx + H * 0.045, base, shade(col, 0.6))
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
    draw_tree(cv, W * ctx.u(0.3, 0.65), H * 0.76, H * 0.36, ctx.pick(("#52b788", "#40916c")))


def rooftop(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.62
    draw_sky(cv, ctx, hz)
    for layer, (t, lo, hi) in enumerate(((0.6, 0.08, 0.22), (0.35, 0.04, 0.16))):
        x = cv.L
        while x < cv.R:
            bw = W * ctx.u(0.04, 0.09)
            top = hz - H * ctx.u(lo, hi)
            col = far_colour(ctx, ("#8d99ae", "#6d7a8f")[layer], t)
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
    cv.rect(cv.L, hz - H * 0.06, cv.R, hz - H * 0.045, shade(wall, 1.15))
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


def forest(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.62
    draw_sky(cv, ctx, hz, clouds=False)
    for layer in range(3):
        t = (0.5, 0.28, 0.08)[layer]
        col = far_colour(ctx, ("#5e9c6e", "#3f8a5a", "#2d6a4f")[layer], t)
        draw_hills(cv, ctx, hz + layer * H * 0.03, H * 0.03, col, W * 0.03)
        x = cv.L + ctx.u(0, W * 0.05)
        while x < cv.R:
            h = H * ctx.u(0.22, 0.36) * (0.7 + layer * 0.2)
            draw_tree(cv, x, hz + layer * H * 0.035, h, col, "pine")
            x += W * ctx.u(0.03, 0.07) * (1 + layer * 0.4)
    draw_ground(cv, ctx, hz + H * 0.1, "#8cb369", "#5e8c52")
    for x in (W * ctx.u(-0.02, 0.04), W * ctx.u(0.94, 1.02)):
        draw_tree(cv, x, H * 0.8, H * 0.85, "#2f6b45", "pine")
    for _ in range(16):
        x, y = ctx.u(cv.L, cv.R), ctx.u(H * 0.76, cv.B)
        for d in (-1, 0, 1):
            cv.line([(x + d * H * 0.006, y), (x + d * H * 0.016, y - H * 0.03)], "#5b8c4a", H * 0.006)
    if ctx.night:
        for _ in range(10):
            x, y = ctx.u(W * 0.05, W * 0.95), ctx.u(H * 0.55, H * 0.8)
            cv.circle(x, y, H * 0.003, "#e9ff70", lit=True)
            ctx.glow(x, y, H * 0.03, "#e9ff70", 0.5)


def park(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.6
    draw_sky(cv, ctx, hz)
    draw_hills(cv, ctx, hz, H * 0.04, far_colour(ctx, "#74a57f", 0.5), W * 0.03)
    x = cv.L
    while x < cv.R:
        draw_tree(cv, x, hz + H * 0.02, H * ctx.u(0.18, 0.26), far_colour(ctx, "#52b788", 0.3))
        x += W * ctx.u(0.08, 0.16)
    draw_ground(cv, ctx, hz + H * 0.02, "#95d5b2", "#74c69d")
    cv.poly([(cv.L, H * 0.76), (cv.R, H * 0.7), (cv.R, H * 0.8), (cv.L, H * 0.86)], "#e9d8a6")
    bx = W * ctx.u(0.55, 0.75)
    cv.rect(bx, H * 0.62, bx + W * 0.14, H * 0.64, "#8b5e3c")
    cv.rect(bx, H * 0.57, bx + W * 0.14, H * 0.59, "#8b5e3c")
    for lx in (bx + W * 0.01, bx + W * 0.125):
        cv.rect(lx, H * 0.57, lx + W * 0.006, H * 0.69, "#3d405b")
    for _ in range(2):
        draw_tree(cv, ctx.u(cv.L, cv.R), H * 0.66, H * ctx.u(0.3, 0.42), ctx.pick(("#40916c", "#52b788")))
    lx = W * ctx.u(0.1, 0.4)
    cv.rect(lx - H * 0.006, H * 0.32, lx + H * 0.006, H * 0.7, "#3d405b")
    cv.ellipse(lx, H * 0.31, H * 0.025, H * 0.03, "#fff1c4" if ctx.night else "#e9ecef", lit=ctx.night)
    if ctx.night:
        ctx.glow(lx, H * 0.32, H * 0.35, "#ffd98a", 0.5)
    for _ in range(20):
        cv.circle(
            ctx.u(cv.L, cv.R), ctx.u(H * 0.86, cv.B), H * 0.006, ctx.pick(("#ffafcc", "#ffd166", "#ffffff"))
        )


def beach(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.55
    draw_sky(cv, ctx, hz)
    sea_far, sea_near = ctx.light.grade("#4ea8de", False), ctx.light.grade("#2a7fb8", False)
    cv.vgrad(cv.L, hz, cv.R, H * 0.72, [(0.0, blend(sea_far, ctx.light.sky[-1][1], 0.3)), (1.0, sea_near)])
    for _ in range(18):
        x, y = ctx.u(cv.L, cv.R), ctx.u(hz + H * 0.02, H * 0.7)
        cv.rect(
            x,
            y,
            x + W * ctx.u(0.02, 0.06) * (y - hz) / (H * 0.15),
            y + H * 0.004,
            blend(sea_near, "#ffffff", 0.35),
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
                "#ffe8a3" if not ctx.night else blend("#dfe8ff", sea_near, 0.45),
                lit=True,
                r=H * 0.002,
            )


def desert(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.6
    draw_sky(cv, ctx, hz, clouds=False)
    mx = W * ctx.u(0.1, 0.6)
    cv.poly(
        [(mx, hz), (mx + W * 0.03, hz - H * 0.14), (mx + W * 0.16, hz - H * 0.14), (mx + W * 0.2, hz)],
        far_colour(ctx, "#c1666b", 0.5),
    )
    draw_hills(cv, ctx, hz, H * 0.04, far_colour(ctx, "#e9b872", 0.35), W * 0.03)
    draw_hills(cv, ctx, hz + H * 0.08, H * 0.05, ctx.light.grade("#e6a157", False), W * 0.03)
    draw_ground(cv, ctx, hz + H * 0.14, "#f2c88f", "#e6a965")
    for _ in range(ctx.rng.randint(2, 4)):
        x, base, h = ctx.u(cv.L, cv.R), H * ctx.u(0.7, 0.78), H * ctx.u(0.14, 0.24)
        col = "#4f9d69"
        cv.rect(x - h * 0.08, base - h, x + h * 0.08, base, col, r=h * 0.08)
        cv.rect(x - h * 0.32, base - h * 0.7, x - h * 0.2, base - h * 0.35, col, r=h * 0.06)
        cv.rect(x - h * 0.32, base - h * 0.43, x - h * 0.04, base - h * 0.33, col, r=h * 0.05)
        cv.rect(x + h * 0.2, base - h * 0.8, x + h * 0.32, base - h * 0.45, col, r=h * 0.06)
        cv.rect(x + h * 0.04, base - h * 0.55, x + h * 0.32, base - h * 0.45, col, r=h * 0.05)


def mountain(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.64
    draw_sky(cv, ctx, hz)
    for layer in range(2):
        x = cv.L - W * 0.1
        col = far_colour(ctx, ("#8d99ae", "#6b7f99")[layer], (0.5, 0.25)[layer])
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
                blend("#ffffff", col, 0.15),
            )
            x += w * ctx.u(0.5, 0.8)
    draw_hills(cv, ctx, hz + H * 0.02, H * 0.04, ctx.light.grade("#6a994e", False), W * 0.03)
    x = cv.L
    while x < cv.R:
        draw_tree(cv, x, hz + H * 0.06, H * ctx.u(0.1, 0.16), far_colour(ctx, "#2d6a4f", 0.15), "pine")
        x += W * ctx.u(0.03, 0.08)
    draw_ground(cv, ctx, hz + H * 0.06, "#a7c957", "#6a994e")


def lake(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.5
    draw_sky(cv, ctx, hz)
    draw_hills(cv, ctx, hz, H * 0.06, far_colour(ctx, "#52796f", 0.45), W * 0.03)
    x = cv.L
    while x < cv.R:
        draw_tree(cv, x, hz + H * 0.01, H * ctx.u(0.08, 0.13), far_colour(ctx, "#2d6a4f", 0.35), "pine")
        x += W * ctx.u(0.02, 0.05)
    water = ctx.light.grade("#5fa8d3", False)
    cv.vgrad(
        cv.L, hz + H * 0.01, cv.R, H * 0.74, [(0.0, blend(water, ctx.light.sky[-1][1], 0.45)), (1.0, water)]
    )
    for _ in range(22):
        x, y = ctx.u(cv.L, cv.R), ctx.u(hz + H * 0.03, H * 0.72)
        cv.rect(x, y, x + W * ctx.u(0.02, 0.07), y + H * 0.004, blend(water, "#ffffff", 0.3), r=H * 0.002)
    draw_ground(cv, ctx, H * 0.72, "#74c69d", "#52b788")
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


def garden(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    hz = H * 0.58
    draw_sky(cv, ctx, hz)
    draw_tree(cv, W * ctx.u(0.05, 0.3), hz + H * 0.05, H * 0.45, "#52b788")
    hx = W * ctx.u(0.6, 0.75)
    house = ctx.pick(("#f2e8cf", "#e5989b", "#a8dadc"))
    cv.rect(hx, hz - H * 0.25, hx + W * 0.3, hz + H * 0.05, house)
    cv.poly(
        [(hx - W * 0.02, hz - H * 0.25), (hx + W * 0.15, hz - H * 0.42), (hx + W * 0.32, hz - H * 0.25)],
        "#bc4b51",
    )
    draw_window(cv, ctx, hx + W * 0.04, hz - H * 0.18, hx + W * 0.11, hz - H * 0.06)
    cv.rect(hx + W * 0.18, hz - H * 0.15, hx + W * 0.24, hz + H * 0.05, "#5b8e7d")
    if ctx.night:
        ctx.glow(hx + W * 0.075, hz - H * 0.12, H * 0.2, "#ffd98a", 0.4)
    draw_ground(cv, ctx, hz + H * 0.05, "#95d5b2", "#74c69d")
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


def station(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    if not ctx.interior:
        draw_sky(cv, ctx, H * 0.5)
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


def car(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    if not ctx.interior:
        street(cv, ctx)
        return
    cv.rect(cv.L, cv.T, cv.R, cv.B, "#3d405b")
    y0, y1 = H * 0.12, H * 0.55
    cv.vgrad(cv.L, y0, cv.R, y1, [(p * 1.4, c) for p, c in ctx.light.sky])
    x = cv.L
    while x < cv.R:
        draw_tree(cv, x, y1, H * ctx.u(0.2, 0.35), far_colour(ctx, "#52b788", 0.3))
        x += W * ctx.u(0.1, 0.2)
    cv.rect(cv.L, y1 - H * 0.05, cv.R, y1, far_colour(ctx, "#74c69d", 0.2))
    body, seat = ctx.pick(("#3d405b", "#4a3f35", "#2f3e46")), ctx.pick(("#6b4f3a", "#4a4e69", "#8d6e63"))
    cv.rect(cv.L, cv.T, cv.R, y0, shade(body, 1.15))
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
        cv.rect(x, H * 0.36, x + W * 0.2, H * 0.47, shade(seat, 1.05), r=H * 0.04)
        cv.rect(x - W * 0.02, H * 0.44, x + W * 0.22, cv.B, seat, r=H * 0.06)
        cv.rect(x + W * 0.02, H * 0.5, x + W * 0.18, cv.B, shade(seat, 0.9), r=H * 0.05)
