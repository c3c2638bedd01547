"""The score: a mood becomes a key, a tempo, chord progressions, a bass, pads and a motif that develops.

Everything is decided by one `random.Random` seeded from (mood, seed), so the same inputs give the same
MIDI file. The form is: an intro of pads that fades in, phrases of 4 or 8 bars (one chord a bar), a
cadence (pre-dominant, dominant) with a ritardando, and the tonic chord held until half a second before
the film ends. The tempo is chosen inside the mood's range so that this form fills the film exactly.
Parts are planned in beats; a small tempo map turns the film's seconds (its cues, its end) into beats.
Dynamics follow the cues: expression (CC11) moves smoothly at each scene boundary, and a bar's
velocities and layers (accompaniment, percussion) follow the intensity of the scene it falls in.

`compose` reads as the order of the work: plan the form, then each part in turn (pads, bass,
accompaniment, percussion, melody), then the ending, then the MIDI file.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import mido

from ..interface import Cue
from ..mood import MOODS
from .form import Tempo
from .midi import to_midi
from .parts import BASS, DRUMS, LEAD, MOTION, PAD, PAD2, Part
from .plan import Plan, plan
from .playing import accompaniment, bass, drums, final_roll, melody, pads
from .styles import STYLES

TAIL = 0.5  # seconds between the last note-off and the end of the film: the final chord rings there

__all__ = ["MOODS", "TAIL", "Cue", "Plan", "Tempo", "compose"]


def compose(mood: str, duration: float, cues: Sequence[Cue], seed: int) -> mido.MidiFile:
    """A score for a film of `duration` seconds whose scenes are `cues`; the same inputs give the same
    file. The last note ends `TAIL` seconds before `duration`; the MIDI file itself lasts `duration`."""
    if mood not in STYLES:
        raise ValueError(f"unknown mood {mood!r}; choose one of {', '.join(MOODS)}")
    if duration <= 0:
        raise ValueError(f"duration must be positive, got {duration}")
    style = STYLES[mood]
    rng = random.Random(f"{mood}:{seed}")
    score = plan(style, duration, max(duration - TAIL, duration * 0.6), cues, rng)

    parts = {
        "pad": Part(PAD, style.pads[0], 100, 60, 80, []),
        "bass": Part(BASS, style.bass, 110, 64, 30, []),
        "lead": Part(LEAD, style.lead, 104, 70, 70, []),
        "motion": Part(MOTION, style.motion, 92, 84, 50, []),
    }
    if len(style.pads) > 1:
        parts["pad2"] = Part(PAD2, style.pads[1], 86, 44, 90, [])
    if style.drums:
        parts["drums"] = Part(DRUMS, None, 92, 64, 40, [])

    pads(score, parts["pad"], parts.get("pad2"))
    bass(score, parts["bass"])
    accompaniment(score, parts["motion"])
    if "drums" in parts:
        drums(score, parts["drums"])
    melody(score, parts["lead"], rng)
    final_roll(score, parts["motion"])
    return to_midi(parts, score)
