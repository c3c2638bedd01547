"""Subtitles: one way of cutting speech into readable cues, written as SRT or drawn into frames.

The burned-in subtitles are drawn by the scene's renderer with PIL, not by an FFmpeg filter: what
people wrote (`%{pts}`, `{\\an8}`, quotes, backslashes) is shown as written, and burning them in costs
no extra encode.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LINE_CHARS = 42  # the usual subtitle limit: two lines of at most 42 characters


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str  # one or two lines, joined by "\n"


def split(start: float, end: float, text: str) -> list[Cue]:
    """A spoken sentence as cues of at most two lines; a longer one is shared out over its time
    in proportion to the length of each part, so each part is on screen while it is said."""
    rows = textwrap.wrap(" ".join(text.split()), LINE_CHARS) or [""]
    groups = [rows[i : i + 2] for i in range(0, len(rows), 2)]
    total = sum(len(" ".join(g)) for g in groups)
    out, t = [], start
    for group in groups:
        share = (end - start) * len(" ".join(group)) / max(total, 1)
        out.append(Cue(t, t + share, "\n".join(group)))
        t += share
    return out


# A gap shorter than this between two cues (a breath between sentences) keeps the first on screen:
# subtitles that blink off and on between sentences are tiring to read.
HOLD_GAP = 0.3


def from_voice(cues: list[dict[str, Any]], offset: float = 0.0) -> list[Cue]:
    """Subtitle cues from a scene's voice cues (cues.json), shifted by `offset` seconds."""
    out = [part for c in cues for part in split(offset + c["start"], offset + c["end"], c["text"])]
    for i in range(len(out) - 1):
        if 0 < out[i + 1].start - out[i].end < HOLD_GAP:
            out[i] = Cue(out[i].start, out[i + 1].start, out[i].text)
    return out


def _timestamp(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def srt(cues: list[Cue]) -> str:
    return "".join(
        f"{i}\n{_timestamp(c.start)} --> {_timestamp(c.end)}\n{c.text}\n\n"
        for i, c in enumerate(cues, start=1)
    )


def caption(text: str, frame_width: int, frame_height: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The cue as an RGBA picture (white, dark outline) and where its top-left goes in the frame."""
    size = max(12, round(frame_height * 0.045))
    font = ImageFont.truetype(FONT, size)
    stroke = max(1, size // 12)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    box = probe.multiline_textbbox(
        (0, 0), text, font=font, stroke_width=stroke, align="center", spacing=size // 4
    )
    left, top = int(box[0]), int(box[1])
    w, h = int(box[2]) - left + 2 * stroke, int(box[3]) - top + 2 * stroke
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(image).multiline_text(
        (stroke - box[0], stroke - box[1]),
        text,
        font=font,
        fill=(255, 255, 255, 255),
        stroke_width=stroke,
        stroke_fill=(16, 16, 20, 255),
        align="center",
        spacing=size // 4,
    )
    x = (frame_width - w) // 2
    y = frame_height - h - round(frame_height * 0.06)
    return np.asarray(image), (x, y)


def draw(frame: np.ndarray, picture: np.ndarray, at: tuple[int, int]) -> None:
    """Alpha-blend a caption into an RGB frame, in place."""
    x, y = at
    h, w = picture.shape[:2]
    region = frame[y : y + h, x : x + w]
    alpha = picture[..., 3:4].astype(np.uint16)
    region[:] = ((picture[..., :3] * alpha + region * (255 - alpha) + 127) // 255).astype(np.uint8)
