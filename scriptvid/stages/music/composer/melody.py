"""The melody: a motif with a shape, developed phrase by phrase, its strong notes on chord tones."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .harmony import Chord
from .styles import RHYTHMS, Style


@dataclass(frozen=True)
class Motif:
    rhythm: tuple[tuple[float, float], ...]
    steps: tuple[int, ...]  # scale steps between successive notes
    start: int  # scale degree of the first note


def make_motif(style: Style, rng: random.Random) -> Motif:
    """A short idea with a shape: mostly steps, at most one leap (answered by a step back), a span of
    at least a third, and no more than one repeated note."""
    rhythm = rng.choice(RHYTHMS[style.rhythms])
    while True:
        steps: list[int] = []
        pos, low, high = 0, 0, 0
        for _ in rhythm[1:]:
            if steps and abs(steps[-1]) >= 3:
                step = -1 if steps[-1] > 0 else 1
            else:
                step = rng.choices((1, -1, 2, -2, 0, 3, -3, 4), weights=(24, 28, 12, 10, 4, 8, 6, 3))[0]
            if not -3 <= pos + step <= 5:
                step = -step
            pos += step
            low, high = min(low, pos), max(high, pos)
            steps.append(step)
        leaps = sum(1 for s in steps if abs(s) >= 3)
        if high - low >= 2 and steps.count(0) <= 1 and leaps <= 1:
            return Motif(rhythm, tuple(steps), rng.choice((0, 2, 2, 4)))


def _snap(degree: int, chord_degrees: set[int], towards: int) -> int:
    """The nearest chord tone to `degree` (scale steps), preferring the direction of the line."""
    if degree % 7 in chord_degrees:
        return degree
    for delta in (1, -1) if towards >= 0 else (-1, 1):
        if (degree + delta) % 7 in chord_degrees:
            return degree + delta
    return degree


def _realise(
    notes: list[tuple[float, float, int]], chords: list[Chord], hold_last: bool
) -> list[tuple[float, float, int, bool]]:
    """Fit a unit's (onset, length, degree) notes to its chords: strong beats and long notes become
    chord tones. Returns (onset, length, degree, raised) where raised marks a leading tone to sharpen."""
    out: list[tuple[float, float, int, bool]] = []
    prev = notes[0][2]
    for i, (onset, length, degree) in enumerate(notes):
        chord = chords[min(int(onset // 4), len(chords) - 1)]
        tones = {(chord.degree + s) % 7 for s in (0, 2, 4)}
        last = i == len(notes) - 1
        d = degree
        if onset % 2 == 0 or length >= 2 or (last and hold_last):
            d = _snap(degree, tones, degree - prev)
            if out and d == out[-1][2] and degree != prev:  # snapping must not flatten the line
                d = _snap(degree, tones, prev - degree)
        d = max(-3, min(9, d))
        out.append((onset, length, d, chord.dominant and d % 7 == 6))
        prev = degree
    if hold_last and out:
        onset, _, d, raised = out[-1]
        out[-1] = (onset, 4 * len(chords) - onset, d, raised)
    return out


def _unit(motif: Motif, variant: str, shift: int) -> list[tuple[float, float, int]]:
    """Two bars of melody as (onset, length, degree) from the motif, developed by `variant`."""
    sign = -1 if variant == "inversion" else 1
    degrees = [motif.start + shift]
    for s in motif.steps:
        degrees.append(degrees[-1] + sign * s)
    notes = [(on, ln, d) for (on, ln), d in zip(motif.rhythm, degrees, strict=True)]
    if variant == "augmented":  # the head of the motif in long notes: the sparse, breathing version
        notes = [(on * 2, ln * 2, d) for on, ln, d in notes if on * 2 < 8]
        notes = [(on, min(ln, 8 - on), d) for on, ln, d in notes]
    elif variant == "answer":  # the same rhythm, a step lower, closing on a long note
        notes = [(on, ln, d - 1) for on, ln, d in notes]
    return notes


def phrase_melody(
    motif: Motif, chords: list[Chord], index: int, final: bool
) -> list[tuple[float, float, int, bool]]:
    """A phrase's melody, onsets in beats from the phrase start. Units of two bars: statement and
    answer; later phrases vary the motif (sequence, inversion, augmentation), the last restates it."""
    plans = (
        ("motif", "answer", "sequence", "answer"),
        ("augmented", "rest", "augmented", "answer"),
        ("inversion", "answer", "motif", "answer"),
        ("rest", "rest", "sequence", "answer"),
    )
    plan: tuple[str, ...] = ("motif", "answer", "motif", "cadence") if final else plans[index % 4]
    units = (len(chords) + 1) // 2
    plan = (*plan[: units - 1], plan[-1]) if units <= len(plan) else plan + plan[-1:] * (units - 4)
    out: list[tuple[float, float, int, bool]] = []
    for u, variant in enumerate(plan):
        bar = 2 * u
        unit_chords = chords[bar : bar + 2]
        if variant == "rest" or not unit_chords:
            continue
        if variant == "cadence":
            # the approach to the final tonic: the motif's first bar, then the dominant in half notes
            head = [(on, ln, d) for on, ln, d in _unit(motif, "motif", 0) if on < 4]
            if len(unit_chords) == 1:
                notes = [(0.0, 2.0, 4), (2.0, 2.0, 1)]
            else:
                notes = [*head, (4.0, 2.0, 4), (6.0, 2.0, 1)]
            realised = _realise(notes, unit_chords, hold_last=False)
        else:
            shift = 1 if variant == "sequence" else 0
            notes = _unit(motif, variant, shift)
            notes = [(on, ln, d) for on, ln, d in notes if on < 4 * len(unit_chords)]
            realised = _realise(notes, unit_chords, hold_last=variant == "answer")
        out.extend((on + 4 * bar, min(ln, 4 * len(unit_chords) - on), d, r) for on, ln, d, r in realised)
    return out
