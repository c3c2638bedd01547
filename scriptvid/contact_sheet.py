"""storyboard.png: every scene's frame on one sheet, with its number, heading and first line."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from . import fsutil
from .fsutil import file_digest

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
THUMB_WIDTH = 480
COLUMNS = 4
PAD = 24


@dataclass(frozen=True)
class Panel:
    image: Path
    number: int
    heading: str
    first_line: str  # the first line of dialogue, or of action


def _thumbnail(image: Path, size: tuple[int, int], cache: Path) -> tuple[Image.Image, Path]:
    """The frame scaled down, and where it is kept: in `cache` under the frame's digest, since an
    edit rarely changes more than one scene's picture and decoding a full-size PNG is most of the work."""
    cached = cache / f"{file_digest(image)}-{size[0]}x{size[1]}.png"
    if cached.exists():
        with Image.open(cached) as kept:
            return kept.convert("RGB"), cached
    with Image.open(image) as frame:
        small = frame.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    with fsutil.atomic_path(cached, ".png") as tmp:
        small.save(tmp, format="PNG", compress_level=1)
    return small, cached


def render(panels: list[Panel], title: str, dest: Path, cache: Path) -> None:
    """The sheet to `dest`; thumbnails are kept in `cache` (those of no panel are removed)."""
    if not panels:
        return
    with Image.open(panels[0].image) as first:
        aspect = first.height / first.width
    thumb_h = round(THUMB_WIDTH * aspect)
    caption_h = 78
    columns = min(COLUMNS, len(panels))
    rows = math.ceil(len(panels) / columns)
    header_h = 70
    width = PAD + columns * (THUMB_WIDTH + PAD)
    height = header_h + rows * (thumb_h + caption_h + PAD) + PAD
    sheet = Image.new("RGB", (width, height), (246, 244, 239))
    draw = ImageDraw.Draw(sheet)
    bold = ImageFont.truetype(FONT_BOLD, 30)
    small_bold = ImageFont.truetype(FONT_BOLD, 17)
    small = ImageFont.truetype(FONT, 15)
    draw.text((PAD, PAD), title, font=bold, fill=(40, 40, 52))
    used: set[Path] = set()
    for i, panel in enumerate(panels):
        x = PAD + (i % columns) * (THUMB_WIDTH + PAD)
        y = header_h + (i // columns) * (thumb_h + caption_h + PAD)
        thumb, kept = _thumbnail(panel.image, (THUMB_WIDTH, thumb_h), cache)
        sheet.paste(thumb, (x, y))
        used.add(kept)
        draw.rectangle((x, y, x + THUMB_WIDTH - 1, y + thumb_h - 1), outline=(60, 60, 70), width=1)
        heading = textwrap.shorten(f"{panel.number}. {panel.heading}", 48, placeholder="…")
        draw.text((x, y + thumb_h + 8), heading, font=small_bold, fill=(40, 40, 52))
        for k, row in enumerate(textwrap.wrap(panel.first_line, 58)[:2]):
            if k == 1 and len(textwrap.wrap(panel.first_line, 58)) > 2:
                row = textwrap.shorten(row + " …", 58, placeholder="…")
            draw.text((x, y + thumb_h + 32 + k * 19), row, font=small, fill=(90, 90, 100))
    with fsutil.atomic_path(dest, ".png") as tmp:
        sheet.save(tmp, format="PNG", optimize=False, compress_level=3)
    for stale in cache.glob("*.png"):
        if stale not in used:
            stale.unlink()
