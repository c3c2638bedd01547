"""title: the title card before the first scene: the title, credit and author of the script's
title page on a quiet gradient, fading in and held; its tail is what the first transition blends away.

Writes `render/title.mp4` and, when the film opens with a dissolve or a fade, `render/title-tail.mp4`.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .. import fsutil, timeline
from ..runner import Job
from ..video import camera
from ..video.encode import encode

NAME = "title"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def lines(job: Job) -> list[tuple[str, str]]:
    script = fsutil.read_json(job.project.path / "script.json", {})
    return _title_lines(script.get("title", ""), script.get("title_page", {}))


def inputs(job: Job) -> dict[str, Any]:
    return {
        "version": "2",
        "lines": lines(job),
        "video": job.film.video,
        "handover": timeline.title_handover(job.film),
    }


def outputs(job: Job) -> list[Path]:
    body, tail = job.project.title_card, job.project.title_tail
    return [body, tail] if timeline.title_handover(job.film).seconds else [body]


def run(job: Job) -> None:
    v = job.film.video
    body, tail = job.project.title_card, job.project.title_tail
    out = timeline.title_handover(job.film)
    if not out.seconds:
        tail.unlink(missing_ok=True)  # the tail of an earlier opening, which must not be blended now
    image = title_image(lines(job), v.width, v.height)
    total = camera.frame_count(timeline.TITLE_SECONDS, v.fps)
    tail_frames = round(out.seconds * v.fps)
    # Held still, fading in: drawn once, and its frames cost the encoder next to nothing.
    stream = camera.frames(
        camera.Layers.still(image),
        camera.plan("static"),
        (v.width, v.height),
        total,
        fade_in=round(0.8 * v.fps),
    )
    # One thread, at a lower priority: a few frames, needed only by the first blend, made while the
    # first look and the scenes are made on the other cores.
    encode([(body, total - tail_frames), (tail, tail_frames)], iter(stream), v, threads=1, background=True)


def _title_lines(title: str, page: dict[str, str]) -> list[tuple[str, str]]:
    """(style, text) lines of the title card, from the title page as the script wrote it."""
    lines = [("title", _plain(title))]
    credit = _plain(page.get("Credit", page.get("credit", "")))
    author = _plain(page.get("Author", page.get("Authors", page.get("author", ""))))
    if author:
        lines.append(("small", credit or "by"))
        lines.append(("name", author))
    source = _plain(page.get("Source", ""))
    if source:
        lines.append(("small", source))
    return lines


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_]", "", str(text))).strip()


def title_image(lines: list[tuple[str, str]], width: int, height: int) -> np.ndarray:
    """A quiet title card: the title large, credit and author beneath, on a deep gradient."""
    top, bottom = np.array([24, 28, 46], np.float32), np.array([58, 44, 70], np.float32)
    ramp = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    image = Image.fromarray(np.broadcast_to(top + (bottom - top) * ramp, (height, width, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    unit = min(width, height) / 1080  # an upright frame's text sized by its width, so it fits
    sizes = {"title": 96, "name": 48, "small": 34}
    blocks = []
    for style, text in lines:
        font = ImageFont.truetype(str(FONT_BOLD if style != "small" else FONT), int(sizes[style] * unit))
        chars = max(12, int(width * 0.8 / (sizes[style] * unit * 0.55)))
        for row in textwrap.wrap(text, chars)[:3] or [""]:
            blocks.append((row, font, style))
    heights = [int(sizes[s] * unit * 1.35) for _, _, s in blocks]
    y = (height - sum(heights)) / 2
    for (row, font, style), h in zip(blocks, heights, strict=True):
        colour = (246, 240, 228) if style == "title" else (214, 206, 220)
        draw.text((width / 2, y + h / 2), row, font=font, fill=colour, anchor="mm")
        y += h + (unit * 24 if style == "title" else 0)
    return np.asarray(image)
