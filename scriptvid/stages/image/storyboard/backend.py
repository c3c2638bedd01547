"""The default image backend: a flat-illustration storyboard frame drawn from the scene, on a CPU.

The setting comes from the words of the scene (location, heading, prompt, action: "kitchen", "beach",
"rooftop", ... with a generic interior and exterior as fallbacks), the light from its time of day (day,
night, dusk, dawn: one grade per time keeps every frame of a film in one palette). The characters stand
in front as figures whose look (clothes colour, build, height, hair, skin) comes from the name or
the `characters:` settings, so a character is recognisable from scene to scene.

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
import json
import random
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ....backends import Backend
from ....settings import StoryboardSettings
from ....video.mouth import draw_mouth
from ..interface import ImageRequest
from .canvas import SS, Canvas, Ctx, apply_glows, gradient
from .figures import BUILDS, draw_figure, figure_box, mouth_of, place, visible_characters
from .light import LIGHTS, RGB, Colour, time_of_day, to_hex, to_rgb
from .places import choose_setting

MARGIN = 0.08  # background overscan on each side, as a fraction of the frame


# ------------------------------------------------------------------------------------------ backend


def _rng(seed: int, prompt: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}\0{prompt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _reduce(img: Image.Image, w: int, h: int) -> np.ndarray:
    return cv2.resize(np.asarray(img), (w, h), interpolation=cv2.INTER_AREA)


class StoryboardBackend(Backend):
    """Draws each scene as a flat illustration: its setting, its light and its characters."""

    NAME = "storyboard"
    settings: StoryboardSettings

    def render(self, req: ImageRequest, out_dir: Path) -> None:
        W, H = req.width, req.height
        scene = req.scene
        setting = choose_setting(scene, req.prompt)
        interior = scene.interior.upper().startswith("INT") if scene.interior else setting.interior
        tod = time_of_day(scene, req.prompt)
        light = LIGHTS[tod]
        ctx = Ctx(W, H, _rng(req.seed, req.prompt), tod, interior, light)
        mx, my = round(W * MARGIN), round(H * MARGIN)
        bw, bh = W + 2 * mx, H + 2 * my

        # Background: the sky gradient first, then the setting over it.
        # The sky's gradient runs from the top of the picture to about the horizon (0.62 H).
        reach = (0.62 * H + my) / bh
        sky = gradient(bh * SS, [(p * reach, c) for p, c in light.sky] + [(1.0, light.sky[-1][1])])
        column = Image.fromarray(np.ascontiguousarray(sky.astype(np.uint8)[:, None, :]))
        base = column.resize((bw * SS, bh * SS), Image.Resampling.NEAREST)

        def paint_bg(col: Colour, lit: bool = False) -> RGB:
            return to_rgb(col) if lit else light.grade(col, interior)

        # Figures are placed first so that the setting can keep a low sun clear of them.
        names = visible_characters(scene, self.settings.max_figures)
        placed = place(names, req.characters, ctx, setting.close)
        ctx.people = [(b[0], b[2]) for b in (figure_box(p, W, H) for p in placed)]
        bg = Canvas(-mx, -my, W + mx, H + my, base, paint_bg)
        setting.draw(bg, ctx)
        background = _reduce(bg.img, bw, bh)
        apply_glows(background, ctx.glows, mx, my)

        # Figures: shadows first (so no figure is covered by a neighbour's shadow), then back to front.
        amount = {"day": 0.0, "night": 0.45, "dusk": 0.4, "dawn": 0.3}[tod]

        def paint_fig(col: Colour, alpha: int = 255) -> tuple[int, int, int, int]:
            return (*light.grade(col, interior, amount), alpha)

        fig = Canvas(0, 0, W, H, Image.new("RGBA", (W * SS, H * SS), (0, 0, 0, 0)), paint_fig)
        for p in placed:
            fig.ellipse(p.x, p.feet, p.size * 0.2 * BUILDS[p.look.build], p.size * 0.035, "#000000", alpha=60)
        for p in placed:
            draw_figure(fig, p)
        figures = _unpremultiplied(fig.img, W, H)
        rgb = np.ascontiguousarray(figures[..., :3])
        records = []
        for p in placed:
            skin = to_hex(light.grade(p.look.skin, interior, amount))
            mouth = mouth_of(p)
            draw_mouth(rgb, mouth, 0.0, skin)
            records.append(
                {"character": p.name, "box": list(figure_box(p, W, H)), "mouth": mouth, "skin": skin}
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
