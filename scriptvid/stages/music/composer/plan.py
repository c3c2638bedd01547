"""The plan every part is written to: key, tempo map, the bars with their chords, where the end lies."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..interface import Cue
from .form import RIT_DOMINANT, RIT_FINAL, Tempo, fit_form
from .harmony import Chord, progression
from .parts import intensity_at
from .styles import Style, key_pc


@dataclass(frozen=True)
class Plan:
    style: Style
    key: str  # as a MIDI key signature spells it
    tonic: int  # pitch class
    tempo: Tempo
    intro: int  # bars of pads before the first phrase
    chords_by_phrase: list[list[Chord]]
    bars: list[tuple[float, Chord, int, int]]  # (start beat, chord, phrase index or -1, bar in phrase)
    final_start: float  # beat where the final tonic chord starts
    final_end: float  # beat where every note has ended
    end_beat: float  # the film's end
    cues: Sequence[Cue]

    @property
    def scale(self) -> tuple[int, ...]:
        return self.style.scale

    def level(self, beat: float) -> float:
        """The intensity of the scene playing at `beat`, 0..1."""
        return intensity_at(self.cues, self.tempo.seconds(beat) + 0.01)


def plan(style: Style, duration: float, music_end: float, cues: Sequence[Cue], rng: random.Random) -> Plan:
    """The form fitted to the film: the last note ends at `music_end`, the file at `duration` seconds."""
    cues = sorted(cues, key=lambda c: c.start)
    key = rng.choice(style.keys)
    intro, phrases, bpm = fit_form(style, music_end)
    body_bars = sum(phrases)
    spb = 60 / bpm
    dominant_bar = 4 * (intro + body_bars - 1)
    final_start = 4 * (intro + body_bars)
    changes = [(0.0, spb)]
    if body_bars:
        changes.append((float(dominant_bar), spb / RIT_DOMINANT))
    changes.append((float(final_start), spb / RIT_FINAL))
    tempo = Tempo(tuple(changes))

    chords_by_phrase = progression(style, rng, phrases)
    # The intro rests on the tonic.
    bars: list[tuple[float, Chord, int, int]] = [
        (4.0 * b, Chord(0, seventh=style.sevenths), -1, b) for b in range(intro)
    ]
    for p, chords in enumerate(chords_by_phrase):
        for b, chord in enumerate(chords):
            bars.append((4.0 * len(bars), chord, p, b))
    return Plan(
        style=style,
        key=key,
        tonic=key_pc(key),
        tempo=tempo,
        intro=intro,
        chords_by_phrase=chords_by_phrase,
        bars=bars,
        final_start=float(final_start),
        final_end=tempo.beat(music_end),
        end_beat=tempo.beat(duration),
        cues=cues,
    )
