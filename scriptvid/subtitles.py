"""Subtitles: one way of cutting speech into readable cues, written as SRT or drawn into frames.

The burned-in subtitles are drawn by the scene's renderer with PIL, not by an FFmpeg filter: what
people wrote (`%{pts}`, `{\\an8}`, quotes, backslashes) is shown as written, and burning them in costs
no extra encode.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from .settings import Settings

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LINE_CHARS = 42  # the usual subtitle limit: two lines of at most 42 characters


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str  # one or two lines, joined by "\n"


def safe_area(width: int, height: int) -> tuple[int, int, int, int]:
    """Margins (left, top, right, bottom) in pixels that text keeps clear of, by the frame's shape.

    Upright (phone) frames are watched under the platforms' own furniture: the account name and
    search bar at the top, the like, comment and share column down the right, and the caption,
    sound line and progress bar along the bottom (TikTok's, Instagram Reels' and YouTube Shorts'
    published safe zones, the strictest of each side). Square frames (feeds) keep a plain margin;
    widescreen frames the title-safe margin of television."""
    if width / height <= 0.8:
        fractions = (0.06, 0.12, 0.13, 0.24)
    elif width / height < 1.25:
        fractions = (0.06, 0.06, 0.06, 0.09)
    else:
        fractions = (0.05, 0.06, 0.05, 0.06)
    sides = (width, height, width, height)
    return tuple(round(f * side) for f, side in zip(fractions, sides, strict=True))  # type: ignore[return-value]


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size)


@dataclass(frozen=True)
class Look:
    """How the subtitles of one film look, in its frame: the subtitles settings made into pixels."""

    width: int
    height: int
    size: int  # letter size, pixels
    colour: tuple[int, int, int]
    outline: int  # pixels; 0 for none
    box: float  # opacity of the box behind the words
    position: str  # "bottom" or "top"

    @classmethod
    def of(cls, settings: Settings) -> Look:
        video, style = settings.video, settings.subtitles
        size = max(10, round(min(video.width, video.height) * style.size / 100))
        rgb = tuple(int(style.colour[i : i + 2], 16) for i in (1, 3, 5))
        outline = round(size * style.outline / 100)
        return cls(video.width, video.height, size, rgb, outline, style.box, style.position)  # type: ignore[arg-type]

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return _font(self.size)

    @property
    def pad(self) -> int:
        """Room round the words: the box's padding, or the outline."""
        return round(self.size * 0.35) if self.box else self.outline

    @functools.cached_property
    def margins(self) -> tuple[int, int, int, int]:
        """The frame's safe area, as `safe_area` gives it."""
        return safe_area(self.width, self.height)

    @functools.cached_property
    def line_width(self) -> int:
        """The widest a line may be drawn, in pixels: the safe area less the padding."""
        left, _, right, _ = self.margins
        return self.width - left - right - 2 * self.pad

    def rows(self, text: str) -> list[str]:
        """The words in lines that fit the safe area at this size, and at most LINE_CHARS each (the
        soft track is drawn by players in fonts of their own). A word wider than a line has one."""
        rows: list[str] = []
        for word in " ".join(text.split()).split(" "):
            joined = f"{rows[-1]} {word}" if rows else word
            if rows and len(joined) <= LINE_CHARS and self.font.getlength(joined) <= self.line_width:
                rows[-1] = joined
            else:
                rows.append(word)
        return rows or [""]


def split(start: float, end: float, text: str, look: Look) -> list[Cue]:
    """A spoken sentence as cues of at most two lines; a longer one is shared out over its time
    in proportion to the length of each part, so each part is on screen while it is said."""
    rows = look.rows(text)
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


def from_voice(cues: list[dict[str, Any]], look: Look, offset: float = 0.0) -> list[Cue]:
    """Subtitle cues from a scene's voice cues (cues.json), shifted by `offset` seconds."""
    out = [part for c in cues for part in split(offset + c["start"], offset + c["end"], c["text"], look)]
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


def _ass_time(seconds: float) -> str:
    cs = max(0, round(seconds * 100))
    return f"{cs // 360_000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def _ass_colour(rgb: tuple[int, int, int], opacity: float = 1.0) -> str:
    """ASS writes colours as &HAABBGGRR, alpha 0 opaque."""
    alpha = round(255 * (1.0 - opacity))
    return f"&H{alpha:02X}{rgb[2]:02X}{rgb[1]:02X}{rgb[0]:02X}"


def _ass_text(text: str) -> str:
    """The words shown as written: a backslash or brace that ASS would read as a code (`\\n`,
    `{\\an8}`) is kept apart from what follows it by a word joiner (U+2060, invisible)."""
    return text.replace("\\", "\\\u2060").replace("{", "{\u2060").replace("\n", "\\N")


def ass(cues: list[Cue], look: Look) -> str:
    """The cues as an ASS script with the film's subtitle style, for the MP4's soft track: FFmpeg's
    mov_text encoder takes the font, size, colour and box from its Default style."""
    left, top, right, bottom = look.margins
    alignment, margin = (8, top) if look.position == "top" else (2, bottom)
    back = _ass_colour((0, 0, 0), look.box) if look.box else _ass_colour((0, 0, 0), 0.0)
    border = 3 if look.box else 1  # 3: an opaque box; 1: an outline
    header = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {look.width}",
        f"PlayResY: {look.height}",
        "WrapStyle: 2",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour,"
        " Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline,"
        " Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        f"Style: Default,DejaVu Sans,{look.size},{_ass_colour(look.colour)},&H000000FF,"
        f"{_ass_colour((16, 16, 20))},{back},-1,0,0,0,100,100,0,0,{border},{look.outline},0,"
        f"{alignment},{left},{right},{margin},1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events = [
        f"Dialogue: 0,{_ass_time(c.start)},{_ass_time(c.end)},Default,,0,0,0,,{_ass_text(c.text)}"
        for c in cues
    ]
    return "\n".join(header + events) + "\n"


def caption(text: str, look: Look) -> tuple[np.ndarray, tuple[int, int]]:
    """The cue as an RGBA picture (the letters, their outline and box) and where its top-left goes in
    the frame: centred in the safe area, at its bottom or top."""
    font, size, stroke, pad = look.font, look.size, look.outline, look.pad
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    spacing = size // 4
    box = probe.multiline_textbbox(
        (0, 0), text, font=font, stroke_width=stroke, align="center", spacing=spacing
    )
    left, top = int(box[0]), int(box[1])
    w, h = int(box[2]) - left + 2 * pad, int(box[3]) - top + 2 * pad
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if look.box:
        draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=pad // 2, fill=(0, 0, 0, round(255 * look.box)))
    draw.multiline_text(
        (pad - box[0], pad - box[1]),
        text,
        font=font,
        fill=(*look.colour, 255),
        stroke_width=stroke,
        stroke_fill=(16, 16, 20, 255),
        align="center",
        spacing=spacing,
    )
    safe_left, safe_top, safe_right, safe_bottom = look.margins
    x = safe_left + (look.width - safe_left - safe_right - w) // 2
    y = safe_top if look.position == "top" else look.height - safe_bottom - h
    return np.asarray(image), (max(0, x), max(0, y))


def draw(frame: np.ndarray, picture: np.ndarray, at: tuple[int, int]) -> None:
    """Alpha-blend a caption into an RGB frame, in place."""
    x, y = at
    h, w = picture.shape[:2]
    region = frame[y : y + h, x : x + w]
    alpha = picture[..., 3:4].astype(np.uint16)
    region[:] = ((picture[..., :3] * alpha + region * (255 - alpha) + 127) // 255).astype(np.uint8)
