"""A part of the score: one instrument on one MIDI channel, its notes in beats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..interface import Cue

TPB = 480  # MIDI ticks per beat
# Channels: one per part, 9 is General MIDI percussion.
PAD, BASS, LEAD, MOTION, PAD2, DRUMS = 0, 1, 2, 3, 4, 9


@dataclass
class Part:
    channel: int
    program: int | None
    volume: int  # CC7: the mix
    pan: int
    reverb: int
    notes: list[tuple[float, float, int, int]]  # (start beat, end beat, pitch, velocity)

    def add(self, start: float, length: float, pitch: int, velocity: float) -> None:
        self.notes.append((start, start + length, pitch, max(1, min(127, round(velocity)))))


def intensity_at(cues: Sequence[Cue], t: float) -> float:
    current = cues[0].intensity if cues else 0.5
    for cue in cues:
        if cue.start <= t:
            current = cue.intensity
    return max(0.0, min(1.0, current))
