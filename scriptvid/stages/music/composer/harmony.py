"""Harmony: chords on scale degrees, four-part voicings that move little, progressions by phrase."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from .styles import Style


@dataclass(frozen=True)
class Chord:
    degree: int  # scale degree of the root, 0..6
    dominant: bool = False  # a major dominant in a minor key (raised leading tone)
    seventh: bool = False


def chord_pcs(chord: Chord, scale: tuple[int, ...], tonic: int) -> list[int]:
    """Pitch classes, root first."""
    steps = (0, 2, 4, 6) if chord.seventh else (0, 2, 4)
    pcs = []
    for s in steps:
        d = chord.degree + s
        semis = scale[d % 7]
        if chord.dominant and d % 7 == 6:
            semis = 11
        pcs.append((tonic + semis) % 12)
    return pcs


def voicing(pcs: list[int], prev: tuple[int, ...] | None, lo: int, hi: int) -> tuple[int, ...]:
    """Four voices in [lo, hi] holding every chord tone, moving as little as possible from `prev`."""
    notes = [n for n in range(lo, hi + 1) if n % 12 in pcs]
    doublable = {pcs[0], pcs[2]} if len(pcs) == 3 else set()  # never double the third
    centre = (lo + hi) / 2
    best: tuple[float, tuple[int, ...]] | None = None
    for combo in itertools.combinations(notes, 4):
        got = [n % 12 for n in combo]
        if set(got) != set(pcs) or any(got.count(p) > 1 and p not in doublable for p in got):
            continue
        gaps = [b - a for a, b in itertools.pairwise(combo)]
        if min(gaps) < 2 or max(gaps) > 9:
            continue
        cost = abs(sum(combo) / 4 - centre) * (0.3 if prev else 1.0)
        if prev:
            cost += sum(abs(a - b) for a, b in zip(combo, prev, strict=True))
        if best is None or cost < best[0]:
            best = (cost, combo)
    if best is None:  # a range too narrow for four voices: close position from the bottom
        root = next(n for n in notes if n % 12 == pcs[0])
        return tuple(sorted(root + (p - pcs[0]) % 12 for p in pcs))[:4]
    return best[1]


def progression(style: Style, rng: random.Random, phrases: list[int]) -> list[list[Chord]]:
    """Chords bar by bar for each phrase: A phrases on the main progression, every third on another."""
    minor = style.scale[2] == 3
    main, other = rng.sample(style.progressions, 2)
    out = []
    for i, length in enumerate(phrases):
        prog = other if i % 4 == 2 else main
        chords = [Chord(prog[b % len(prog)], seventh=style.sevenths) for b in range(length)]
        if i == len(phrases) - 1:  # the final cadence: pre-dominant, dominant, (tonic after the body)
            pre = rng.choice((3, 1)) if not minor else 3
            cadence = [Chord(pre, seventh=style.sevenths), Chord(4, dominant=minor, seventh=True)]
            chords[-2:] = cadence[-len(chords[-2:]) :]
        out.append(chords)
    return out
