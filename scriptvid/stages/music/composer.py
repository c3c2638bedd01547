"""The score: a mood becomes a key, a tempo, chord progressions, a bass, pads and a motif that develops.

Everything is decided by one `random.Random` seeded from (mood, seed), so the same inputs give the same
MIDI file. The form is: an intro of pads that fades in, phrases of 4 or 8 bars (one chord a bar), a
cadence (pre-dominant, dominant) with a ritardando, and the tonic chord held until half a second before
the film ends. The tempo is chosen inside the mood's range so that this form fills the film exactly.
Parts are planned in beats; a small tempo map turns the film's seconds (its cues, its end) into beats.
Dynamics follow the cues: expression (CC11) moves smoothly at each scene boundary, and a bar's
velocities and layers (accompaniment, percussion) follow the intensity of the scene it falls in.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

import mido

MOODS = ("calm", "warm", "tense", "sad", "upbeat", "mysterious", "epic", "playful")

TPB = 480  # MIDI ticks per beat
TAIL = 0.5  # seconds between the last note-off and the end of the film: the final chord rings there

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
DORIAN = (0, 2, 3, 5, 7, 9, 10)

# Channels: one per part, 9 is General MIDI percussion.
PAD, BASS, LEAD, MOTION, PAD2, DRUMS = 0, 1, 2, 3, 4, 9


@dataclass(frozen=True)
class Cue:
    """One scene's span in the film, with how much is going on in it (0..1)."""

    start: float
    end: float
    intensity: float


@dataclass(frozen=True)
class _Style:
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


# One row per mood, in the order of _Style's fields. A table reads better as rows than as the
# one-value-a-line layout the formatter would give it, hence fmt: off.
# fmt: off
STYLES: dict[str, _Style] = {
    "calm": _Style(
        ("D", "F", "G", "Eb"), MAJOR, (64, 76),
        ((0, 5, 3, 4), (0, 3, 5, 4), (0, 2, 3, 4), (3, 0, 1, 4)),
        (89,), (50, 72), 32, "long", 73, 67, 0.95, 46, "slowarp", 0.35, "", True, "slow",
    ),
    "warm": _Style(
        ("C", "F", "G", "Bb", "D"), MAJOR, (74, 88),
        ((0, 4, 5, 3), (0, 3, 0, 4), (0, 5, 1, 4), (3, 0, 4, 5)),
        (48,), (52, 74), 32, "root5", 0, 67, 0.9, 24, "arp", 0.3, "", True, "mid",
    ),
    "tense": _Style(
        ("Dm", "Em", "Cm", "F#m"), MINOR, (88, 104),
        ((0, 5, 3, 4), (0, 0, 5, 4), (0, 3, 5, 6), (0, 1, 0, 4)),
        (49,), (48, 69), 43, "pulse", 42, 55, 0.95, 45, "ostinato", 0.0, "", False, "mid",
    ),
    "sad": _Style(
        ("Am", "Dm", "Em", "Bm", "Gm"), MINOR, (58, 68),
        ((0, 5, 2, 6), (0, 3, 5, 4), (0, 5, 3, 4), (5, 6, 0, 0)),
        (49,), (50, 72), 32, "long", 0, 67, 0.95, 0, "slowarp", 0.45, "", False, "slow",
    ),
    "upbeat": _Style(
        ("G", "D", "A", "E", "C"), MAJOR, (108, 124),
        ((0, 4, 5, 3), (0, 3, 4, 3), (5, 3, 0, 4), (0, 5, 3, 4)),
        (48,), (55, 76), 33, "drive", 11, 67, 0.85, 25, "strum", 0.0, "kit", False, "fast",
    ),
    "mysterious": _Style(
        ("Dm", "Em", "Am", "C#m"), DORIAN, (58, 70),
        ((0, 3, 0, 6), (0, 2, 3, 0), (0, 6, 3, 0), (0, 1, 0, 6)),
        (94,), (48, 70), 32, "long", 8, 67, 0.9, 46, "arp", 0.4, "", True, "slow",
    ),
    "epic": _Style(
        ("Dm", "Cm", "Em", "Bbm"), MINOR, (80, 94),
        ((0, 5, 2, 6), (0, 3, 5, 6), (5, 6, 0, 0), (0, 6, 5, 4)),
        (48, 52), (48, 72), 43, "root5", 60, 57, 0.95, 48, "ostinato", 0.45, "", False, "mid",
    ),
    "playful": _Style(
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


def _key_pc(key: str) -> int:
    pc = _NOTE_PC[key[0]]
    if key[1:2] == "#":
        pc += 1
    elif key[1:2] == "b":
        pc -= 1
    return pc % 12


# ---- reading the script ----------------------------------------------------------------------------

# Word stems per mood by weight ("road_trip" is a phrase). A stem of four letters or more also
# matches longer words ("chas": chase, chased, chasing); a shorter one itself and its plural only.
_MOOD_WORDS: dict[str, dict[int, str]] = {
    "tense": {
        3: "chas gun gunshot gunfire scream bomb hostage pistol",
        2: (
            "shoot shot siren blood knife kill danger threat panic escap trap explo attack pursu "
            "terrif alarm weapon flee fled hunt sprint"
        ),
        1: "run ran running hide hiding fear footstep crash grab struggl",
    },
    "sad": {
        4: "funeral",
        3: "tear goodbye mourn grief griev sorrow weep wept coffin cemetery farewell",
        2: "cry cries crying cried grave loss died death dying lonely sob sobs regret",
        1: "alone miss empty memor rain hospital sorry lost",
    },
    "calm": {
        2: "quiet peace calm breeze sunrise meadow relax seren",
        1: "gentl still morning lake tea slowly rest sleep silen garden waves soft",
    },
    "warm": {
        2: "smil love family hug hugs embrac warm kiss tender grateful wedding",
        1: "home friend together kitchen dinner thank birthday laugh",
    },
    "upbeat": {
        3: "danc party celebrat festival hooray",
        2: "cheer victory sunny excit fun concert beach road_trip skate",
        1: "win wins music bright crowd summer",
    },
    "mysterious": {
        3: "myster ghost eerie",
        2: (
            "shadow fog mist strange secret whisper unknown ancient hidden clue moonlight silhouet "
            "vanish disappear cellar attic creak"
        ),
        1: "dark candle locked puzzl lighthouse night",
    },
    "epic": {
        3: "battle army armies kingdom sword empire glory dragon throne destiny warrior",
        2: "king queen war hero legend banner fleet summit soldier",
        1: "mountain storm charge vast horizon",
    },
    "playful": {
        3: "giggl silly prank tickl puppy mischie clown",
        2: "bounc kitten joke grin wink tiptoe balloon bubble chuckl cookie cartoon",
        1: "cat dog teas toy toys laugh",
    },
}

# Stems of action words, matched like the mood words; a scene full of them is an intense one.
_ACTION = (
    "run ran chas shout scream yell crash explo fight punch kick shoot shot gun fired firing slam smash "
    "grab race racing rush flee fled jump fall fell attack bang burst sprint storm hit dash dive leap "
    "struggl collaps break broke shatter throw threw charg stab bleed dodg tackl"
)

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _matches(word: str, stem: str) -> bool:
    if len(stem) >= 4:
        return word.startswith(stem)
    return word in (stem, stem + "s")


def guess_mood(text: str) -> str:
    """The mood whose keywords weigh most in `text`; "warm" when none stands out."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    scores = dict.fromkeys(MOODS, 0.0)
    for mood, lexicon in _MOOD_WORDS.items():
        for weight, stems in lexicon.items():
            for stem in stems.split():
                if "_" in stem:  # a phrase
                    scores[mood] += weight * lowered.count(stem.replace("_", " "))
                else:
                    scores[mood] += weight * sum(1 for w in words if _matches(w, stem))
    best = max(MOODS, key=lambda m: scores[m])  # first in MOODS wins a tie: deterministic
    return best if scores[best] >= 2 else "warm"


def scene_intensity(text: str) -> float:
    """How much is going on in a scene, 0..1: action verbs, exclamations, shouting, dialogue density."""
    words = _WORD.findall(text.lower())
    if not words:
        return 0.1
    stems = _ACTION.split()
    action = sum(1 for w in words if any(_matches(w, s) for s in stems)) / len(words)
    sentences = max(1, len(re.findall(r"[.!?]+", text)))
    exclaim = text.count("!") / sentences
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # A character cue is a short line in capitals (screenplay) or a "NAME:" prefix (loose scripts).
    cues = sum(
        1
        for ln in lines
        if (ln.isupper() and len(ln.split()) <= 4 and not ln.startswith(("INT", "EXT")))
        or re.match(r"^\[?[A-Z][A-Z .'-]{1,30}\]?:", ln)
    )
    dialogue = cues / len(lines) if lines else 0.0
    # Capitals inside a mixed-case line are shouting; a line all in capitals is a heading or a cue.
    shouting = sum(len(re.findall(r"\b[A-Z]{3,}\b", ln)) for ln in lines if not ln.isupper())
    shouting_rate = shouting / len(words)
    x = 10 * action + 0.9 * min(exclaim, 1.5) + 0.8 * dialogue + 3 * shouting_rate
    return round(min(1.0, 0.1 + 0.9 * (1 - math.exp(-x))), 3)


# ---- the form and the tempo --------------------------------------------------------------------------

RIT_DOMINANT = 0.92  # the cadence's dominant bar is a little slower...
RIT_FINAL = 0.85  # ...and the final chord slower still


@dataclass(frozen=True)
class _Tempo:
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


def _form(style: _Style, music_end: float) -> tuple[int, list[int], float]:
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


# ---- harmony -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chord:
    degree: int  # scale degree of the root, 0..6
    dominant: bool = False  # a major dominant in a minor key (raised leading tone)
    seventh: bool = False


def _chord_pcs(chord: _Chord, scale: tuple[int, ...], tonic: int) -> list[int]:
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


def _voicing(pcs: list[int], prev: tuple[int, ...] | None, lo: int, hi: int) -> tuple[int, ...]:
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


def _progression(style: _Style, rng: random.Random, phrases: list[int]) -> list[list[_Chord]]:
    """Chords bar by bar for each phrase: A phrases on the main progression, every third on another."""
    minor = style.scale[2] == 3
    main, other = rng.sample(style.progressions, 2)
    out = []
    for i, length in enumerate(phrases):
        prog = other if i % 4 == 2 else main
        chords = [_Chord(prog[b % len(prog)], seventh=style.sevenths) for b in range(length)]
        if i == len(phrases) - 1:  # the final cadence: pre-dominant, dominant, (tonic after the body)
            pre = rng.choice((3, 1)) if not minor else 3
            cadence = [_Chord(pre, seventh=style.sevenths), _Chord(4, dominant=minor, seventh=True)]
            chords[-2:] = cadence[-len(chords[-2:]) :]
        out.append(chords)
    return out


# ---- the melody ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Motif:
    rhythm: tuple[tuple[float, float], ...]
    steps: tuple[int, ...]  # scale steps between successive notes
    start: int  # scale degree of the first note


def _motif(style: _Style, rng: random.Random) -> _Motif:
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
            return _Motif(rhythm, tuple(steps), rng.choice((0, 2, 2, 4)))


def _snap(degree: int, chord_degrees: set[int], towards: int) -> int:
    """The nearest chord tone to `degree` (scale steps), preferring the direction of the line."""
    if degree % 7 in chord_degrees:
        return degree
    for delta in (1, -1) if towards >= 0 else (-1, 1):
        if (degree + delta) % 7 in chord_degrees:
            return degree + delta
    return degree


def _realise(
    notes: list[tuple[float, float, int]], chords: list[_Chord], hold_last: bool
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


def _unit(motif: _Motif, variant: str, shift: int) -> list[tuple[float, float, int]]:
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


def _phrase_melody(
    motif: _Motif, chords: list[_Chord], index: int, final: bool
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


# ---- the score -----------------------------------------------------------------------------------------


@dataclass
class _Part:
    channel: int
    program: int | None
    volume: int  # CC7: the mix
    pan: int
    reverb: int
    notes: list[tuple[float, float, int, int]]  # (start beat, end beat, pitch, velocity)

    def add(self, start: float, length: float, pitch: int, velocity: float) -> None:
        self.notes.append((start, start + length, pitch, max(1, min(127, round(velocity)))))


def _intensity_at(cues: Sequence[Cue], t: float) -> float:
    current = cues[0].intensity if cues else 0.5
    for cue in cues:
        if cue.start <= t:
            current = cue.intensity
    return max(0.0, min(1.0, current))


def compose(mood: str, duration: float, cues: Sequence[Cue], seed: int) -> mido.MidiFile:
    """A score for a film of `duration` seconds whose scenes are `cues`; the same inputs give the same
    file. The last note ends `TAIL` seconds before `duration`; the MIDI file itself lasts `duration`."""
    if mood not in STYLES:
        raise ValueError(f"unknown mood {mood!r}; choose one of {', '.join(MOODS)}")
    if duration <= 0:
        raise ValueError(f"duration must be positive, got {duration}")
    style = STYLES[mood]
    rng = random.Random(f"{mood}:{seed}")
    cues = sorted(cues, key=lambda c: c.start)
    key = rng.choice(style.keys)
    tonic = _key_pc(key)
    scale = style.scale
    music_end = max(duration - TAIL, duration * 0.6)

    intro, phrases, bpm = _form(style, music_end)
    body_bars = sum(phrases)
    spb = 60 / bpm
    dominant_bar = 4 * (intro + body_bars - 1)
    final_start = 4 * (intro + body_bars)
    changes = [(0.0, spb)]
    if body_bars:
        changes.append((float(dominant_bar), spb / RIT_DOMINANT))
    changes.append((float(final_start), spb / RIT_FINAL))
    tempo = _Tempo(tuple(changes))
    final_end = tempo.beat(music_end)
    end_beat = tempo.beat(duration)

    # Bars: (start beat, chord, phrase index, bar in phrase); the intro rests on the tonic.
    chords_by_phrase = _progression(style, rng, phrases)
    bars: list[tuple[float, _Chord, int, int]] = [
        (4.0 * b, _Chord(0, seventh=style.sevenths), -1, b) for b in range(intro)
    ]
    for p, chords in enumerate(chords_by_phrase):
        for b, chord in enumerate(chords):
            bars.append((4.0 * len(bars), chord, p, b))
    tonic_chord = _Chord(0)

    def level(beat: float) -> float:
        return _intensity_at(cues, tempo.seconds(beat) + 0.01)

    parts = {
        "pad": _Part(PAD, style.pads[0], 100, 60, 80, []),
        "bass": _Part(BASS, style.bass, 110, 64, 30, []),
        "lead": _Part(LEAD, style.lead, 104, 70, 70, []),
        "motion": _Part(MOTION, style.motion, 92, 84, 50, []),
    }
    if len(style.pads) > 1:
        parts["pad2"] = _Part(PAD2, style.pads[1], 86, 44, 90, [])
    if style.drums:
        parts["drums"] = _Part(DRUMS, None, 92, 64, 40, [])

    # Pads: voice-led four-part chords; a voice that keeps its note is tied over the bar line.
    lo, hi = style.pad_range
    voicing: tuple[int, ...] | None = None
    held: list[tuple[float, int, float]] = []  # per voice: (start, pitch, velocity)
    pad_events: list[tuple[float, float, int, float]] = []
    for start, chord, _p, _b in [*bars, (float(final_start), tonic_chord, -2, 0)]:
        new = _voicing(_chord_pcs(chord, scale, tonic), voicing, lo, hi)
        vel = 58 + 22 * level(start)
        for v, pitch in enumerate(new):
            if voicing is not None and voicing[v] == pitch:
                continue
            if voicing is not None:
                pad_events.append((held[v][0], start, held[v][1], held[v][2]))
            if len(held) <= v:
                held.append((start, pitch, vel))
            else:
                held[v] = (start, pitch, vel)
        voicing = new
    for s, pitch, vel in held:
        pad_events.append((s, final_end, pitch, vel))
    for s, e, pitch, vel in pad_events:
        parts["pad"].add(s, e - s, pitch, vel)
        if "pad2" in parts:
            parts["pad2"].add(s, e - s, pitch, vel - 8)

    # Bass: the chord roots, in a pattern of the mood's, livelier where the scene is.
    bass_pitch = 36 + (tonic - 36) % 12
    for i, (start, chord, _p, _b) in enumerate(bars):
        root_pc = _chord_pcs(chord, scale, tonic)[0]
        fifth_pc = _chord_pcs(chord, scale, tonic)[2]
        candidates = [n for n in range(33, 52) if n % 12 == root_pc]
        root = min(candidates, key=lambda n: (abs(n - bass_pitch), n))
        bass_pitch = root
        fifth = root + (fifth_pc - root_pc) % 12
        if fifth > 52:
            fifth -= 12
        nxt_pc = _chord_pcs(bars[i + 1][1], scale, tonic)[0] if i + 1 < len(bars) else tonic
        lvl = level(start)
        vel = 70 + 30 * lvl
        kind = style.bass_kind
        if i < intro:
            parts["bass"].add(start, 4, root, vel - 10)
        elif kind == "long":
            if lvl > 0.6:
                parts["bass"].add(start, 2, root, vel)
                parts["bass"].add(start + 2, 2, fifth, vel - 8)
            else:
                parts["bass"].add(start, 4, root, vel)
        elif kind == "root5":
            parts["bass"].add(start, 2, root, vel)
            parts["bass"].add(start + 2, 2, fifth if lvl > 0.4 else root, vel - 8)
        elif kind == "pulse":
            step = 0.5 if lvl > 0.5 else 1.0
            for k in range(int(4 / step)):
                parts["bass"].add(start + k * step, step * 0.8, root, vel - (0 if k % 4 == 0 else 14))
        elif kind == "drive":
            for on, pitch in ((0, root), (1.5, root), (2, fifth), (3, root), (3.5, root)):
                parts["bass"].add(
                    start + on, 0.45 if on % 1 else 0.9, pitch, vel - (0 if on in (0, 2) else 12)
                )
            # a chromatic step into the next root (the fifth when the root stays)
            target = min(
                (n for n in range(root - 6, root + 7) if n % 12 == nxt_pc), key=lambda n: abs(n - root)
            )
            approach = fifth if target == root else target - 1 if target > root else target + 1
            parts["bass"].notes[-1] = (start + 3.5, start + 3.95, approach, round(vel - 12))
        else:  # oompah
            parts["bass"].add(start, 0.6, root, vel)
            parts["bass"].add(start + 2, 0.6, fifth, vel - 10)
    # the final root, doubled an octave below where the instrument has it
    final_root = min((n for n in range(33, 52) if n % 12 == tonic), key=lambda n: abs(n - bass_pitch))
    parts["bass"].add(final_start, final_end - final_start, final_root, 78)

    # Accompaniment: arpeggios, an ostinato, a strum or offbeat chords.
    for start, chord, p, _b in bars:
        lvl = level(start)
        if lvl < style.motion_from or (p == -1 and style.motion_kind in ("strum", "offbeat")):
            continue
        pcs = _chord_pcs(chord, scale, tonic)
        root = 48 + (pcs[0] - 48) % 12
        vel = 50 + 30 * lvl
        motion = parts["motion"]
        if style.motion_kind in ("arp", "slowarp"):
            tones = [root, root + (pcs[2] - pcs[0]) % 12, root + 12, root + 12 + (pcs[1] - pcs[0]) % 12]
            tones.append(tones[1] + 12)
            order = (0, 1, 2, 3, 4, 3, 2, 1)
            step = 1.0 if style.motion_kind == "slowarp" else 0.5
            for k in range(int(4 / step)):
                motion.add(start + k * step, step * 2, tones[order[k % 8]], vel - (0 if k % 4 == 0 else 8))
        elif style.motion_kind == "ostinato":
            low = root - 12 if root - 12 >= 40 else root
            fifth = low + (pcs[2] - pcs[0]) % 12
            for k in range(8):
                pitch = fifth if (lvl > 0.6 and k in (2, 6)) else low
                motion.add(start + k * 0.5, 0.35, pitch, vel - (0 if k % 4 == 0 else 12))
        elif style.motion_kind == "strum":
            chord_notes = _voicing(pcs, None, 52, 72)
            for on, down in ((0, True), (1, True), (1.5, False), (2.5, False), (3, True), (3.5, False)):
                strings = chord_notes if down else chord_notes[::-1]
                for s, pitch in enumerate(strings):
                    motion.add(start + on + s * 0.02, 0.45, pitch, vel - (0 if down else 14) - s * 2)
        else:  # offbeat: the "pah" of an oom-pah
            chord_notes = _voicing(pcs, None, 55, 72)
            for on in (1, 3):
                for pitch in chord_notes[1:]:
                    motion.add(start + on, 0.4, pitch, vel - 6)

    # Percussion, for the upbeat moods only: after the intro, softer where the scene is quiet.
    if "drums" in parts:
        drums = parts["drums"]
        for start, _chord, p, b in bars:
            if p < 0:
                continue
            lvl = level(start)
            phrase_end = b == len(chords_by_phrase[p]) - 1
            if style.drums == "kit":
                for on in (0, 2) + ((2.5,) if lvl > 0.6 else ()):
                    drums.add(start + on, 0.2, 36, 72 + 20 * lvl)
                for on in (1, 3):
                    drums.add(start + on, 0.2, 38 if lvl > 0.7 else 37, 50 + 25 * lvl)
                for k in range(8 if lvl > 0.3 else 4):
                    on = k * (0.5 if lvl > 0.3 else 1.0)
                    hat = 46 if phrase_end and on == 3.5 else 42
                    drums.add(start + on, 0.2, hat, (48 if k % 2 == 0 else 34) + 18 * lvl)
            else:  # shaker: maracas in eighths and a soft side stick
                for k in range(8):
                    drums.add(start + k * 0.5, 0.2, 70, (46 if k % 2 == 0 else 32) + 18 * lvl)
                for on in (1, 3):
                    drums.add(start + on, 0.2, 37, 40 + 20 * lvl)
        drums.add(final_start, 1, 36, 70)
        drums.add(final_start, final_end - final_start, 57 if style.drums == "kit" else 81, 55)

    # Melody: the motif and its development, phrase by phrase, landing on the tonic.
    motif = _motif(style, rng)
    lead_base = style.lead_tonic - 6 + (tonic - style.lead_tonic + 6) % 12
    phrase_start = 4.0 * intro
    last_degree = 0
    for p, chords in enumerate(chords_by_phrase):
        final = p == len(chords_by_phrase) - 1
        for on, ln, d, raised in _phrase_melody(motif, chords, p, final):
            start = phrase_start + on
            pitch = lead_base + 12 * (d // 7) + scale[d % 7] + (1 if raised and scale[6] == 10 else 0)
            vel = 66 + 26 * level(start) + rng.uniform(-3, 3)
            parts["lead"].add(start, ln * style.lead_legato, pitch, vel)
            last_degree = d
        phrase_start += 4 * len(chords)
    final_degree = 7 if last_degree >= 4 else 0
    parts["lead"].add(final_start, final_end - final_start, lead_base + 12 * (final_degree // 7), 70)
    # the accompaniment's last word: a rolled tonic chord, let ring
    tonic_pcs = _chord_pcs(tonic_chord, scale, tonic)
    roll_root = 48 + (tonic - 48) % 12
    for k, pitch in enumerate((roll_root, roll_root + (tonic_pcs[2] - tonic) % 12, roll_root + 12)):
        parts["motion"].add(final_start + 0.12 * k, final_end - final_start - 0.12 * k, pitch, 60)

    return _midi(parts, tempo, key, cues, intro, final_start, final_end, end_beat)


def _midi(
    parts: dict[str, _Part],
    tempo: _Tempo,
    key: str,
    cues: Sequence[Cue],
    intro: int,
    final_start: float,
    final_end: float,
    end_beat: float,
) -> mido.MidiFile:
    def tick(beat: float) -> int:
        return max(0, round(beat * TPB))

    def track(events: list[tuple[int, int, mido.Message | mido.MetaMessage]]) -> mido.MidiTrack:
        events.sort(key=lambda e: (e[0], e[1]))
        out = mido.MidiTrack()
        now = 0
        for t, _order, msg in events:
            out.append(msg.copy(time=t - now))
            now = t
        out.append(mido.MetaMessage("end_of_track", time=max(0, tick(end_beat) - now)))
        return out

    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    meta: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name="scriptvid score")),
        (0, 0, mido.MetaMessage("key_signature", key=key)),
        (0, 0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
    ]
    for beat, spb in tempo.changes:
        meta.append((tick(beat), 1, mido.MetaMessage("set_tempo", tempo=round(spb * 1e6))))
    midi.tracks.append(track(meta))

    # Expression, sampled every 50 ms: the intro fades in, each scene's intensity is approached
    # smoothly (time constant 0.7 s), and the final chord dies away a little as it rings.
    intro_end = min(3.0, tempo.seconds(4.0 * intro) if intro else tempo.seconds(final_end) / 4)
    t_final, t_end = tempo.seconds(final_start), tempo.seconds(final_end)
    curve: list[tuple[int, int]] = []
    smooth = _intensity_at(cues, 0.0)
    t, dt = 0.0, 0.05
    while t < tempo.seconds(end_beat):
        smooth += (_intensity_at(cues, t) - smooth) * (1 - math.exp(-dt / 0.7))
        value = 92 + 35 * smooth
        value *= min(1.0, 0.5 + 0.5 * t / intro_end) if intro_end > 0 else 1.0
        if t > t_final:
            value *= 1 - 0.2 * min(1.0, (t - t_final) / max(t_end - t_final, 1e-3))
        cc = max(1, min(127, round(value)))
        if not curve or curve[-1][1] != cc:
            curve.append((tick(tempo.beat(t)), cc))
        t += dt

    for part in parts.values():
        ch = part.channel
        events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
        if part.program is not None:
            events.append((0, 0, mido.Message("program_change", channel=ch, program=part.program)))
        for control, value in ((7, part.volume), (10, part.pan), (91, part.reverb), (93, 0)):
            events.append((0, 0, mido.Message("control_change", channel=ch, control=control, value=value)))
        for t_tick, cc in curve:
            events.append((t_tick, 1, mido.Message("control_change", channel=ch, control=11, value=cc)))
        # No two notes of one pitch overlap on a channel: the earlier one is cut where the next begins.
        notes = sorted(part.notes)
        ends: dict[int, int] = {}
        timed = []
        for s, e, pitch, vel in reversed(notes):
            on, off = tick(s), min(tick(min(e, final_end)), ends.get(pitch, 1 << 40))
            ends[pitch] = on
            if off > on:
                timed.append((on, off, pitch, vel))
        for on, off, pitch, vel in timed:
            events.append((off, 2, mido.Message("note_off", channel=ch, note=pitch, velocity=0)))
            events.append((on, 3, mido.Message("note_on", channel=ch, note=pitch, velocity=vel)))
        midi.tracks.append(track(events))
    return midi
