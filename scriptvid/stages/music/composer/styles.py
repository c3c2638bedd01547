"""The moods as styles: a key, a scale, a tempo range, progressions, instruments and patterns each."""

from __future__ import annotations

from dataclasses import dataclass

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
DORIAN = (0, 2, 3, 5, 7, 9, 10)


@dataclass(frozen=True)
class Style:
    keys: tuple[str, ...]  # tonic names as a MIDI key signature spells them ("D", "Em")
    scale: tuple[int, ...]
    bpm: tuple[float, float]
    progressions: tuple[tuple[int, ...], ...]  # scale degrees from 0 (the tonic), one chord a bar
    pads: tuple[int, ...]  # General MIDI programs (0-based), layered
    pad_range: tuple[int, int]
    bass: int
    bass_kind: str  # long | root5 | pulse | drive | oompah
    lead: int
    lead_tonic: int  # MIDI note of the tonic the melody is built around (octave only)
    lead_legato: float  # how much of its written length a melody note sounds
    motion: int
    motion_kind: str  # arp | slowarp | ostinato | strum | offbeat
    motion_from: float  # a bar plays its accompaniment from this intensity up
    drums: str  # "" | kit | shaker
    sevenths: bool  # colour the pads with sevenths
    rhythms: str  # slow | mid | fast: the motif's rhythm templates


# One row per mood, in the order of Style's fields. A table reads better as rows than as the
# one-value-a-line layout the formatter would give it, hence fmt: off.
# fmt: off
STYLES: dict[str, Style] = {
    "calm": Style(
        ("D", "F", "G", "Eb"), MAJOR, (64, 76),
        ((0, 5, 3, 4), (0, 3, 5, 4), (0, 2, 3, 4), (3, 0, 1, 4)),
        (89,), (50, 72), 32, "long", 73, 67, 0.95, 46, "slowarp", 0.35, "", True, "slow",
    ),
    "warm": Style(
        ("C", "F", "G", "Bb", "D"), MAJOR, (74, 88),
        ((0, 4, 5, 3), (0, 3, 0, 4), (0, 5, 1, 4), (3, 0, 4, 5)),
        (48,), (52, 74), 32, "root5", 0, 67, 0.9, 24, "arp", 0.3, "", True, "mid",
    ),
    "tense": Style(
        ("Dm", "Em", "Cm", "F#m"), MINOR, (88, 104),
        ((0, 5, 3, 4), (0, 0, 5, 4), (0, 3, 5, 6), (0, 1, 0, 4)),
        (49,), (48, 69), 43, "pulse", 42, 55, 0.95, 45, "ostinato", 0.0, "", False, "mid",
    ),
    "sad": Style(
        ("Am", "Dm", "Em", "Bm", "Gm"), MINOR, (58, 68),
        ((0, 5, 2, 6), (0, 3, 5, 4), (0, 5, 3, 4), (5, 6, 0, 0)),
        (49,), (50, 72), 32, "long", 0, 67, 0.95, 0, "slowarp", 0.45, "", False, "slow",
    ),
    "upbeat": Style(
        ("G", "D", "A", "E", "C"), MAJOR, (108, 124),
        ((0, 4, 5, 3), (0, 3, 4, 3), (5, 3, 0, 4), (0, 5, 3, 4)),
        (48,), (55, 76), 33, "drive", 11, 67, 0.85, 25, "strum", 0.0, "kit", False, "fast",
    ),
    "mysterious": Style(
        ("Dm", "Em", "Am", "C#m"), DORIAN, (58, 70),
        ((0, 3, 0, 6), (0, 2, 3, 0), (0, 6, 3, 0), (0, 1, 0, 6)),
        (94,), (48, 70), 32, "long", 8, 67, 0.9, 46, "arp", 0.4, "", True, "slow",
    ),
    "epic": Style(
        ("Dm", "Cm", "Em", "Bbm"), MINOR, (80, 94),
        ((0, 5, 2, 6), (0, 3, 5, 6), (5, 6, 0, 0), (0, 6, 5, 4)),
        (48, 52), (48, 72), 43, "root5", 60, 57, 0.95, 48, "ostinato", 0.45, "", False, "mid",
    ),
    "playful": Style(
        ("F", "C", "G", "Bb"), MAJOR, (100, 116),
        ((0, 3, 4, 0), (0, 5, 1, 4), (0, 4, 0, 4), (3, 4, 0, 5)),
        (48,), (55, 74), 70, "oompah", 71, 64, 0.6, 45, "offbeat", 0.0, "shaker", False, "fast",
    ),
}
# fmt: on

# Motif rhythms: (onset, length) in beats over two bars of 4/4.
RHYTHMS: dict[str, tuple[tuple[tuple[float, float], ...], ...]] = {
    "slow": (
        ((0, 2), (2, 1), (3, 1), (4, 4)),
        ((0, 1.5), (1.5, 0.5), (2, 2), (4, 2), (6, 2)),
        ((0, 3), (3, 1), (4, 4)),
        ((1, 1), (2, 2), (4, 1), (5, 1), (6, 2)),
    ),
    "mid": (
        ((0, 1), (1, 1), (2, 2), (4, 1), (5, 1), (6, 2)),
        ((0, 1.5), (1.5, 0.5), (2, 1), (3, 1), (4, 3)),
        ((0, 0.5), (0.5, 0.5), (1, 1), (2, 2), (4, 2), (6, 2)),
        ((0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 2)),
    ),
    "fast": (
        ((0, 0.5), (0.5, 0.5), (1, 1), (2, 1), (3, 1), (4, 1.5), (5.5, 0.5), (6, 2)),
        ((0, 1), (1, 0.5), (1.5, 0.5), (2, 2), (4, 1), (5, 1), (6, 2)),
        ((0, 1.5), (1.5, 0.5), (2, 1), (3, 1), (4, 0.5), (4.5, 0.5), (5, 1), (6, 2)),
    ),
}

_NOTE_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def key_pc(key: str) -> int:
    pc = _NOTE_PC[key[0]]
    if key[1:2] == "#":
        pc += 1
    elif key[1:2] == "b":
        pc -= 1
    return pc % 12
