"""The indoor places, each drawing a whole background."""

from __future__ import annotations

from .canvas import Canvas, Ctx
from .light import blend, shade
from .props import (
    draw_ceiling_light,
    draw_floor_lamp,
    draw_pendant,
    draw_picture,
    draw_plant,
    draw_room,
    draw_table_lamp,
    draw_window,
)

# ------------------------------------------------------------------------------------------ settings
# Each draws a whole background on `cv`; frame coordinates, the figures' feet stand near 0.9 H.


def kitchen(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    wall, _, fy = draw_room(
        cv, ctx, ("#f3e9d2", "#dde8e3", "#f6e0d2", "#e6ecd6"), ("#c9a27e", "#b9b4ad", "#d8c3a5")
    )
    cab = ctx.pick(("#5b8e7d", "#3d5a80", "#e9ecef", "#c8553d", "#f2cc8f"))
    top = fy - H * 0.2
    cv.rect(cv.L, top - H * 0.2, cv.R, top, ctx.pick(("#ffffff", "#f7f3ea", "#e3eef2")))  # tiles
    for i in range(int((cv.R - cv.L) / (H * 0.05)) + 1):
        cv.rect(cv.L + i * H * 0.05, top - H * 0.2, cv.L + i * H * 0.05 + H * 0.002, top, shade(wall, 0.9))
    for j in range(1, 4):
        cv.rect(cv.L, top - j * H * 0.05, cv.R, top - j * H * 0.05 + H * 0.002, shade(wall, 0.9))
    cv.rect(cv.L, top, cv.R, fy, cab)
    cv.rect(cv.L, top - H * 0.012, cv.R, top + H * 0.012, ctx.pick(("#d9d4cc", "#8d8177", "#f4f1ea")))
    dw = H * 0.16
    x = cv.L + H * 0.02
    while x < cv.R:
        cv.rect(x, top + H * 0.03, x + dw - H * 0.02, fy - H * 0.03, shade(cab, 1.06), r=H * 0.006)
        cv.rect(x + dw * 0.35, top + H * 0.05, x + dw * 0.55, top + H * 0.06, "#cfcfcf", r=H * 0.004)
        x += dw
    # Upper cabinets with a window between them.
    wx = W * ctx.u(0.35, 0.55)
    cv.rect(cv.L, H * 0.08, wx - H * 0.08, top - H * 0.24, cab)
    cv.rect(wx + W * 0.22, H * 0.08, cv.R, top - H * 0.24, cab)
    draw_window(cv, ctx, wx, H * 0.1, wx + W * 0.14, top - H * 0.25, view=ctx.pick(("trees", "city")))
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
    draw_plant(cv, ctx, wx + W * 0.03, top - H * 0.012, H * 0.09)
    for i in range(2):
        draw_pendant(cv, ctx, W * (0.38 + i * 0.24), cv.T, H * 0.1 - cv.T, H * 0.07, cab)


def bedroom(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = draw_room(
        cv, ctx, ("#dfe7f2", "#efe3ec", "#e9efe0", "#f4e7d7"), ("#b98b66", "#c9b49c", "#9c7458")
    )
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
    draw_table_lamp(cv, ctx, nx + W * 0.04, fy - H * 0.14, H * 0.2)
    wx = W * (0.62 if left else 0.12)
    draw_window(
        cv, ctx, wx, H * 0.12, wx + W * 0.2, H * 0.45, curtains=ctx.pick(("#c8553d", "#6d9dc5", "#f2cc8f"))
    )
    draw_picture(cv, ctx, bx + W * 0.13, H * 0.1, W * 0.1, H * 0.12)
    cv.ellipse(W * 0.5, fy + H * 0.2, W * 0.3, H * 0.08, shade(duvet, 0.85))


def living_room(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = draw_room(
        cv, ctx, ("#e8dfd0", "#d9e4e8", "#efd9ce", "#dfe6d3"), ("#a77b5a", "#c2a383", "#8c6a4f")
    )
    sofa = ctx.pick(("#4f6d7a", "#c8553d", "#6a994e", "#e9c46a", "#7768ae"))
    sx = W * ctx.u(0.25, 0.45)
    cv.rect(sx, fy - H * 0.25, sx + W * 0.34, fy - H * 0.06, shade(sofa, 0.9), r=H * 0.04)
    cv.rect(sx - W * 0.02, fy - H * 0.13, sx + W * 0.36, fy + H * 0.01, sofa, r=H * 0.03)
    for k in range(3):
        cv.rect(
            sx + W * (0.01 + k * 0.112),
            fy - H * 0.17,
            sx + W * (0.11 + k * 0.112),
            fy - H * 0.1,
            shade(sofa, 1.1),
            r=H * 0.025,
        )
    for dx in (-0.03, 0.35):
        cv.rect(
            sx + W * dx, fy - H * 0.17, sx + W * (dx + 0.04), fy + H * 0.02, shade(sofa, 0.82), r=H * 0.02
        )
    draw_floor_lamp(cv, ctx, sx - W * 0.07, fy + H * 0.01, H * 0.5)
    for k in range(ctx.rng.randint(1, 3)):
        draw_picture(cv, ctx, sx + W * (0.04 + k * 0.11), H * ctx.u(0.14, 0.2), W * 0.08, H * 0.13)
    wx = W * (0.04 if sx > W * 0.35 else 0.78)
    draw_window(
        cv, ctx, wx, H * 0.1, wx + W * 0.16, H * 0.5, curtains=ctx.pick(("#f2cc8f", "#84a59d", "#e5989b"))
    )
    draw_plant(cv, ctx, sx + W * 0.45, fy + H * 0.01, H * 0.22)
    cv.ellipse(W * 0.5, fy + H * 0.18, W * 0.34, H * 0.07, ctx.pick(("#e5989b", "#b5c99a", "#f6bd60")))


def office(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    wall, _, fy = draw_room(cv, ctx, ("#e9edf0", "#eef0e6", "#e4ebf2"), ("#8d99ae", "#a3a8b0", "#7d8ca3"))
    n = ctx.rng.randint(3, 4)
    ww = W * 0.8 / n
    for i in range(n):
        x = W * 0.1 + i * ww
        draw_window(cv, ctx, x + ww * 0.06, H * 0.1, x + ww * 0.94, H * 0.5, frame="#5c6b7a", view="city")
    for i in range(4):
        draw_ceiling_light(cv, ctx, W * (0.15 + i * 0.23), cv.T + H * 0.06, W * 0.12)
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
    draw_plant(cv, ctx, W * ctx.u(0.02, 0.05), fy + H * 0.02, H * 0.24)
    cv.rect(cv.L, fy - H * 0.004, cv.R, fy, shade(wall, 0.7))


def classroom(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = draw_room(cv, ctx, ("#f1e3c8", "#dfe9d8", "#e2e6f0"), ("#b08968", "#9c8c7c"))
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
        draw_window(cv, ctx, wx, H * 0.1, wx + W * 0.13, H * 0.48)
    for i in range(5):
        x = W * (0.06 + i * 0.2)
        cv.rect(x, fy - H * 0.02, x + W * 0.12, fy, "#c98f5a", r=H * 0.004)
        cv.rect(x + W * 0.01, fy, x + W * 0.018, fy + H * 0.08, "#555555")
        cv.rect(x + W * 0.1, fy, x + W * 0.108, fy + H * 0.08, "#555555")
    for i in range(3):
        draw_ceiling_light(cv, ctx, W * (0.2 + i * 0.3), cv.T + H * 0.06, W * 0.1)


def hospital(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = draw_room(cv, ctx, ("#dcefe9", "#e6f0f4", "#eef3ea"), ("#c4d3d6", "#d7dcd5"))
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
            shade(cur, 1.0 if k % 2 else 0.92),
        )
    draw_window(cv, ctx, W * 0.32, H * 0.12, W * 0.46, H * 0.42, frame="#ffffff")
    for i in range(2):
        draw_ceiling_light(cv, ctx, W * (0.4 + i * 0.35), cv.T + H * 0.06, W * 0.12)


def bar(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    wood = ctx.pick(("#6f4e37", "#8b5e3c", "#5a3e2b"))
    _, _, fy = draw_room(
        cv, ctx, ("#7a4e3b", "#3f5e5a", "#8c5a4b", "#e8d5b9"), ("#5a3e2b", "#7d5a44", "#3e3e3e")
    )
    for k in range(3):
        y = H * (0.16 + k * 0.13)
        cv.rect(cv.L, y, cv.R, y + H * 0.014, shade(wood, 1.2))
        x = cv.L + ctx.u(0, H * 0.05)
        while x < cv.R:
            bh = H * ctx.u(0.05, 0.09)
            col = ctx.pick(("#3a7d44", "#c8553d", "#e0a458", "#5e548e", "#2d6a4f", "#a8dadc", "#f4f1de"))
            cv.rect(x, y - bh, x + H * 0.025, y, col, r=H * 0.006)
            cv.rect(x + H * 0.008, y - bh - H * 0.025, x + H * 0.017, y - bh + 2, col)
            x += H * ctx.u(0.035, 0.06)
    cv.rect(cv.L, fy - H * 0.14, cv.R, fy + H * 0.04, wood)
    cv.rect(cv.L, fy - H * 0.16, cv.R, fy - H * 0.13, shade(wood, 1.3))
    for k in range(int((cv.R - cv.L) / (H * 0.12)) + 1):
        x = cv.L + k * H * 0.12
        cv.rect(x + H * 0.01, fy - H * 0.11, x + H * 0.11, fy + H * 0.01, shade(wood, 0.88), r=H * 0.005)
    for i in range(3):
        draw_pendant(
            cv, ctx, W * (0.2 + i * 0.3), cv.T, H * 0.06 - cv.T + ctx.u(0, H * 0.05), H * 0.07, "#c9a227"
        )


def church(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = draw_room(cv, ctx, ("#e9e2d0", "#ddd5c5"), ("#8c7b6b", "#a39281"))
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
                    blend(col, "#ffffff", 0.3 if not ctx.night else 0.0),
                    lit=False,
                )
        cv.chord(
            x + W * 0.045,
            H * 0.2,
            W * 0.035,
            H * 0.065,
            180,
            360,
            blend("#e0a458", "#ffffff", 0.3 if not ctx.night else 0.0),
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


def theatre(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    red = ctx.pick(("#9d0208", "#7b2d26", "#6a040f"))
    cv.rect(cv.L, cv.T, cv.R, cv.B, "#2b2d42")
    fy = H * 0.66
    cv.rect(W * 0.2, H * 0.15, W * 0.8, fy, ctx.pick(("#3d5a80", "#4a4e69", "#283618")))
    for k in range(12):
        x = cv.L + k * (W * 0.24 - cv.L) / 12
        cv.rect(x, cv.T, x + (W * 0.24 - cv.L) / 12 + 1, fy, shade(red, 1.0 if k % 2 else 0.85))
        x2 = W * 0.76 + k * (cv.R - W * 0.76) / 12
        cv.rect(x2, cv.T, x2 + (cv.R - W * 0.76) / 12 + 1, fy, shade(red, 1.0 if k % 2 else 0.85))
    cv.rect(cv.L, cv.T, cv.R, H * 0.14, red)
    for k in range(int((cv.R - cv.L) / (H * 0.1)) + 1):
        cv.chord(cv.L + k * H * 0.1 + H * 0.05, H * 0.14, H * 0.05, H * 0.04, 0, 180, shade(red, 0.85))
    cv.rect(cv.L, fy, cv.R, cv.B, "#a0704a")
    for k in range(8):
        cv.line([(cv.L, fy + k * H * 0.05), (cv.R, fy + k * H * 0.05)], "#8c5e3c", H * 0.003)
    for x in (W * 0.3, W * 0.7):
        ctx.glow(x, fy + H * 0.2, H * 0.4, "#fff1c4", 0.5)
    cv.rect(cv.L, fy - H * 0.01, cv.R, fy + H * 0.01, "#6f4e37")


def hallway(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    wall = ctx.pick(("#e9e4d8", "#dfe7ec", "#efe1d1"))
    floor = ctx.pick(("#9c8c7c", "#b08968", "#8d99ae"))
    vx, vy = W * ctx.u(0.45, 0.55), H * 0.45
    ex0, ey0, ex1, ey1 = vx - W * 0.12, vy - H * 0.2, vx + W * 0.12, vy + H * 0.12
    cv.rect(cv.L, cv.T, cv.R, cv.B, shade(wall, 0.9))
    cv.poly([(cv.L, cv.T), (cv.R, cv.T), (ex1, ey0), (ex0, ey0)], shade(wall, 1.05))
    cv.poly([(cv.L, cv.B), (cv.R, cv.B), (ex1, ey1), (ex0, ey1)], floor)
    cv.poly([(cv.L, cv.T), (ex0, ey0), (ex0, ey1), (cv.L, cv.B)], wall)
    cv.poly([(cv.R, cv.T), (ex1, ey0), (ex1, ey1), (cv.R, cv.B)], shade(wall, 0.95))
    cv.rect(ex0, ey0, ex1, ey1, shade(wall, 0.85))
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


def lab(cv: Canvas, ctx: Ctx) -> None:
    W, H = ctx.W, ctx.H
    _, _, fy = draw_room(cv, ctx, ("#e6eef2", "#eef2ee", "#f0eef5"), ("#b7c4cc", "#c9cfd3"))
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
        draw_ceiling_light(cv, ctx, W * (0.2 + i * 0.3), cv.T + H * 0.06, W * 0.12)


def aquarium(cv: Canvas, ctx: Ctx) -> None:
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
