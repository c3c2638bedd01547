"""The form that fills the film: intro bars, phrases and a tempo, and the tempo map from seconds to beats."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .styles import Style

RIT_DOMINANT = 0.92  # the cadence's dominant bar is a little slower...
RIT_FINAL = 0.85  # ...and the final chord slower still


@dataclass(frozen=True)
class Tempo:
    """Tempo changes as (beat, seconds per beat), the first at beat 0."""

    changes: tuple[tuple[float, float], ...]

    def seconds(self, beat: float) -> float:
        t = 0.0
        for i, (b, spb) in enumerate(self.changes):
            nxt = self.changes[i + 1][0] if i + 1 < len(self.changes) else math.inf
            if beat <= nxt:
                return t + (beat - b) * spb
            t += (nxt - b) * spb
        return t

    def beat(self, seconds: float) -> float:
        t = 0.0
        for i, (b, spb) in enumerate(self.changes):
            nxt = self.changes[i + 1][0] if i + 1 < len(self.changes) else math.inf
            span = (nxt - b) * spb
            if seconds <= t + span:
                return b + (seconds - t) / spb
            t += span
        return self.changes[-1][0]


def fit_form(style: Style, music_end: float) -> tuple[int, list[int], float]:
    """(intro bars, phrase lengths, bpm) that fill `music_end` seconds, the final chord included."""
    intro = 2 if music_end >= 24 else 1 if music_end >= 9 else 0
    final = 2 if music_end >= 16 else 1
    lo, hi = style.bpm
    mid = (lo + hi) / 2

    def bpm_for(body: int) -> float:
        beats = 4 * (intro + max(body - 1, 0)) + (4 / RIT_DOMINANT if body else 0) + 4 * final / RIT_FINAL
        return 60 * beats / music_end

    def badness(body: int) -> float:
        bpm = bpm_for(body)
        shape = 0 if body % 4 == 0 else 1 if body % 2 == 0 else 2
        if lo <= bpm <= hi:
            return shape + abs(bpm - mid) / (hi - lo)
        return 3 + abs(bpm - min(max(bpm, lo), hi)) / 10

    body = min(range(0, int(music_end * hi / 240) + 3), key=badness)
    phrases = [8] * (body // 8)
    rest = body % 8
    if rest in (1, 2, 3) and phrases:
        phrases[0:1] = [4, 4 + rest]
    elif rest:
        phrases.insert(0, rest)
    return intro, phrases, min(max(bpm_for(body), 30.0), 240.0)
