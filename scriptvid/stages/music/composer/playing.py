"""The parts, each played over the plan: pads, bass, accompaniment, percussion, melody, the ending."""

from __future__ import annotations

import random

from .harmony import Chord, chord_pcs, voicing
from .melody import make_motif, phrase_melody
from .parts import Part
from .plan import Plan


def pads(score: Plan, pad: Part, pad2: Part | None) -> None:
    """Pads: voice-led four-part chords; a voice that keeps its note is tied over the bar line."""
    lo, hi = score.style.pad_range
    previous: tuple[int, ...] | None = None
    held: list[tuple[float, int, float]] = []  # per voice: (start, pitch, velocity)
    pad_events: list[tuple[float, float, int, float]] = []
    for start, chord, _p, _b in [*score.bars, (score.final_start, Chord(0), -2, 0)]:
        new = voicing(chord_pcs(chord, score.scale, score.tonic), previous, lo, hi)
        vel = 58 + 22 * score.level(start)
        for v, pitch in enumerate(new):
            if previous is not None and previous[v] == pitch:
                continue
            if previous is not None:
                pad_events.append((held[v][0], start, held[v][1], held[v][2]))
            if len(held) <= v:
                held.append((start, pitch, vel))
            else:
                held[v] = (start, pitch, vel)
        previous = new
    for s, pitch, vel in held:
        pad_events.append((s, score.final_end, pitch, vel))
    for s, e, pitch, vel in pad_events:
        pad.add(s, e - s, pitch, vel)
        if pad2 is not None:
            pad2.add(s, e - s, pitch, vel - 8)


def bass(score: Plan, part: Part) -> None:
    """Bass: the chord roots, in a pattern of the mood's, livelier where the scene is."""
    bass_pitch = 36 + (score.tonic - 36) % 12
    for i, (start, chord, _p, _b) in enumerate(score.bars):
        root_pc = chord_pcs(chord, score.scale, score.tonic)[0]
        fifth_pc = chord_pcs(chord, score.scale, score.tonic)[2]
        candidates = [n for n in range(33, 52) if n % 12 == root_pc]
        root = min(candidates, key=lambda n: (abs(n - bass_pitch), n))
        bass_pitch = root
        fifth = root + (fifth_pc - root_pc) % 12
        if fifth > 52:
            fifth -= 12
        nxt_pc = (
            chord_pcs(score.bars[i + 1][1], score.scale, score.tonic)[0]
            if i + 1 < len(score.bars)
            else score.tonic
        )
        lvl = score.level(start)
        vel = 70 + 30 * lvl
        kind = score.style.bass_kind
        if i < score.intro:
            part.add(start, 4, root, vel - 10)
        elif kind == "long":
            if lvl > 0.6:
                part.add(start, 2, root, vel)
                part.add(start + 2, 2, fifth, vel - 8)
            else:
                part.add(start, 4, root, vel)
        elif kind == "root5":
            part.add(start, 2, root, vel)
            part.add(start + 2, 2, fifth if lvl > 0.4 else root, vel - 8)
        elif kind == "pulse":
            step = 0.5 if lvl > 0.5 else 1.0
            for k in range(int(4 / step)):
                part.add(start + k * step, step * 0.8, root, vel - (0 if k % 4 == 0 else 14))
        elif kind == "drive":
            for on, pitch in ((0, root), (1.5, root), (2, fifth), (3, root), (3.5, root)):
                part.add(start + on, 0.45 if on % 1 else 0.9, pitch, vel - (0 if on in (0, 2) else 12))
            # a chromatic step into the next root (the fifth when the root stays)
            target = min(
                (n for n in range(root - 6, root + 7) if n % 12 == nxt_pc), key=lambda n: abs(n - root)
            )
            approach = fifth if target == root else target - 1 if target > root else target + 1
            part.notes[-1] = (start + 3.5, start + 3.95, approach, round(vel - 12))
        else:  # oompah
            part.add(start, 0.6, root, vel)
            part.add(start + 2, 0.6, fifth, vel - 10)
    # the final root, doubled an octave below where the instrument has it
    final_root = min((n for n in range(33, 52) if n % 12 == score.tonic), key=lambda n: abs(n - bass_pitch))
    part.add(score.final_start, score.final_end - score.final_start, final_root, 78)


def accompaniment(score: Plan, part: Part) -> None:
    """Accompaniment: arpeggios, an ostinato, a strum or offbeat chords."""
    for start, chord, phrase, _b in score.bars:
        lvl = score.level(start)
        if lvl < score.style.motion_from or (
            phrase == -1 and score.style.motion_kind in ("strum", "offbeat")
        ):
            continue
        pcs = chord_pcs(chord, score.scale, score.tonic)
        root = 48 + (pcs[0] - 48) % 12
        vel = 50 + 30 * lvl
        if score.style.motion_kind in ("arp", "slowarp"):
            tones = [root, root + (pcs[2] - pcs[0]) % 12, root + 12, root + 12 + (pcs[1] - pcs[0]) % 12]
            tones.append(tones[1] + 12)
            order = (0, 1, 2, 3, 4, 3, 2, 1)
            step = 1.0 if score.style.motion_kind == "slowarp" else 0.5
            for k in range(int(4 / step)):
                part.add(start + k * step, step * 2, tones[order[k % 8]], vel - (0 if k % 4 == 0 else 8))
        elif score.style.motion_kind == "ostinato":
            low = root - 12 if root - 12 >= 40 else root
            fifth = low + (pcs[2] - pcs[0]) % 12
            for k in range(8):
                pitch = fifth if (lvl > 0.6 and k in (2, 6)) else low
                part.add(start + k * 0.5, 0.35, pitch, vel - (0 if k % 4 == 0 else 12))
        elif score.style.motion_kind == "strum":
            chord_notes = voicing(pcs, None, 52, 72)
            for on, down in ((0, True), (1, True), (1.5, False), (2.5, False), (3, True), (3.5, False)):
                strings = chord_notes if down else chord_notes[::-1]
                for s, pitch in enumerate(strings):
                    part.add(start + on + s * 0.02, 0.45, pitch, vel - (0 if down else 14) - s * 2)
        else:  # offbeat: the "pah" of an oom-pah
            chord_notes = voicing(pcs, None, 55, 72)
            for on in (1, 3):
                for pitch in chord_notes[1:]:
                    part.add(start + on, 0.4, pitch, vel - 6)


def drums(score: Plan, part: Part) -> None:
    """Percussion, for the upbeat moods only: after the intro, softer where the scene is quiet."""
    for start, _chord, phrase, b in score.bars:
        if phrase < 0:
            continue
        lvl = score.level(start)
        phrase_end = b == len(score.chords_by_phrase[phrase]) - 1
        if score.style.drums == "kit":
            for on in (0, 2) + ((2.5,) if lvl > 0.6 else ()):
                part.add(start + on, 0.2, 36, 72 + 20 * lvl)
            for on in (1, 3):
                part.add(start + on, 0.2, 38 if lvl > 0.7 else 37, 50 + 25 * lvl)
            for k in range(8 if lvl > 0.3 else 4):
                on = k * (0.5 if lvl > 0.3 else 1.0)
                hat = 46 if phrase_end and on == 3.5 else 42
                part.add(start + on, 0.2, hat, (48 if k % 2 == 0 else 34) + 18 * lvl)
        else:  # shaker: maracas in eighths and a soft side stick
            for k in range(8):
                part.add(start + k * 0.5, 0.2, 70, (46 if k % 2 == 0 else 32) + 18 * lvl)
            for on in (1, 3):
                part.add(start + on, 0.2, 37, 40 + 20 * lvl)
    part.add(score.final_start, 1, 36, 70)
    part.add(
        score.final_start, score.final_end - score.final_start, 57 if score.style.drums == "kit" else 81, 55
    )


def melody(score: Plan, part: Part, rng: random.Random) -> None:
    """Melody: the motif and its development, phrase by phrase, landing on the tonic."""
    motif = make_motif(score.style, rng)
    lead_base = score.style.lead_tonic - 6 + (score.tonic - score.style.lead_tonic + 6) % 12
    phrase_start = 4.0 * score.intro
    last_degree = 0
    for phrase, chords in enumerate(score.chords_by_phrase):
        final = phrase == len(score.chords_by_phrase) - 1
        for on, ln, d, raised in phrase_melody(motif, chords, phrase, final):
            start = phrase_start + on
            pitch = (
                lead_base + 12 * (d // 7) + score.scale[d % 7] + (1 if raised and score.scale[6] == 10 else 0)
            )
            vel = 66 + 26 * score.level(start) + rng.uniform(-3, 3)
            part.add(start, ln * score.style.lead_legato, pitch, vel)
            last_degree = d
        phrase_start += 4 * len(chords)
    final_degree = 7 if last_degree >= 4 else 0
    part.add(score.final_start, score.final_end - score.final_start, lead_base + 12 * (final_degree // 7), 70)


def final_roll(score: Plan, part: Part) -> None:
    """The accompaniment's last word: a rolled tonic chord, let ring."""
    tonic_pcs = chord_pcs(Chord(0), score.scale, score.tonic)
    roll_root = 48 + (score.tonic - 48) % 12
    for k, pitch in enumerate((roll_root, roll_root + (tonic_pcs[2] - score.tonic) % 12, roll_root + 12)):
        part.add(score.final_start + 0.12 * k, score.final_end - score.final_start - 0.12 * k, pitch, 60)
