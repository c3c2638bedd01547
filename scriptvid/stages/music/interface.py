"""What a music backend is asked for and what it must give back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Cue:
    """One scene's span in the film, with how much is going on in it (0..1)."""

    start: float
    end: float
    intensity: float


@dataclass(frozen=True)
class MusicRequest:
    duration: float  # seconds: the film's length, which the WAV matches to the sample frame
    cues: tuple[Cue, ...]  # the scenes, in order (see mood.scene_intensity)
    mood: str  # one of mood.MOODS
    seed: int
    sample_rate: int = 48000


class Backend(Protocol):
    def render(self, req: MusicRequest, out_wav: Path) -> None:
        """A score of exactly `req.duration` seconds, 16-bit stereo at `req.sample_rate`, to `out_wav`."""
        ...
