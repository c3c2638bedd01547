"""What a voice backend is asked for and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class VoiceProfile:
    """How one character sounds in one line: the cast's choice for the character, with the line's
    delivery applied. A backend uses what it can: a single voice varies pitch and pace; a
    multi-speaker model picks `speaker` (or the `index`-th of its speakers); a cloning model copies
    `clip`."""

    pitch: float = 0.0  # semitones from the model's own voice
    length_scale: float = 1.0  # above 1 is slower
    noise_scale: float = 0.667  # expressiveness of the generator (Piper)
    noise_w: float = 0.8  # variation of phoneme lengths (Piper)
    volume: float = 1.0
    speaker: str = ""  # a speaker's name in a multi-speaker model
    clip: str = ""  # a reference recording to clone, a path inside the project
    index: int = 0  # this character's place in the cast: distinct characters, distinct numbers


class Backend(Protocol):
    sample_rate: int

    def speak(self, text: str, profile: VoiceProfile) -> np.ndarray:
        """`text` spoken with `profile`: float32 mono in -1..1 at `sample_rate`."""
        ...
