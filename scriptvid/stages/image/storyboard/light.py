"""Colours and light: the grade each time of day puts on every drawn colour, and its sky."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ....model import Scene

RGB = tuple[int, int, int]
Colour = str | tuple[int, ...]


# ------------------------------------------------------------------------------------------- colours


def to_rgb(c: Colour) -> RGB:
    if isinstance(c, str):
        h = c.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return c[0], c[1], c[2]


def to_hex(c: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*c)


def blend(a: Colour, b: Colour, t: float) -> RGB:
    ra, rb = to_rgb(a), to_rgb(b)
    return (
        round(ra[0] + (rb[0] - ra[0]) * t),
        round(ra[1] + (rb[1] - ra[1]) * t),
        round(ra[2] + (rb[2] - ra[2]) * t),
    )


def shade(c: Colour, k: float) -> RGB:
    r = to_rgb(c)
    return (min(255, round(r[0] * k)), min(255, round(r[1] * k)), min(255, round(r[2] * k)))


@dataclass(frozen=True)
class Light:
    """One time of day: its sky and the grade every drawn colour goes through."""

    sky: tuple[tuple[float, str], ...]  # gradient stops, top (0) to horizon (1)
    mul: tuple[float, float, float]
    add: tuple[float, float, float]
    mul_in: tuple[float, float, float]  # interiors are lamp-lit at night: a milder grade
    add_in: tuple[float, float, float]

    def grade(self, c: Colour, interior: bool, amount: float = 1.0) -> RGB:
        r = to_rgb(c)
        mul, add = (self.mul_in, self.add_in) if interior else (self.mul, self.add)
        out = []
        for i in range(3):
            v = r[i] * mul[i] + add[i]
            out.append(max(0, min(255, round(r[i] + (v - r[i]) * amount))))
        return out[0], out[1], out[2]


LIGHTS = {
    "day": Light(
        ((0.0, "#5fa8e0"), (1.0, "#d4ecf7")), (1.0, 1.0, 1.0), (0, 0, 0), (1.0, 1.0, 1.0), (0, 0, 0)
    ),
    "night": Light(
        ((0.0, "#0a1230"), (0.65, "#1c2b58"), (1.0, "#34477a")),
        (0.30, 0.35, 0.52),
        (6, 10, 30),
        (0.72, 0.62, 0.58),
        (8, 6, 18),
    ),
    "dusk": Light(
        ((0.0, "#34346f"), (0.45, "#b0577a"), (0.8, "#f08a5d"), (1.0, "#fbc46d")),
        (0.97, 0.85, 0.82),
        (16, 4, 16),
        (1.0, 0.86, 0.78),
        (8, 2, 4),
    ),
    "dawn": Light(
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
