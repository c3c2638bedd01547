"""What a voice backend is asked for and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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
    clip: str = ""  # a recording to clone, as the settings name it (see `Recording` for its content)
    index: int = 0  # this character's place in the cast: distinct characters, distinct numbers


@dataclass(frozen=True)
class Recording:
    """The recording a profile's `clip` names, read from the project, and where a backend may keep
    what it derives from it (a cloning model's conditioning), so that it is computed once per clip."""

    data: bytes
    digest: str  # of `data`: what is kept is found again by it
    keep: Path  # a folder of the project for what backends derive from recordings


class Backend(Protocol):
    sample_rate: int

    def speak(self, text: str, profile: VoiceProfile, recording: Recording | None = None) -> np.ndarray:
        """`text` spoken with `profile` (copying `recording` where the backend clones voices):
        float32 mono in -1..1 at `sample_rate`."""
        ...
