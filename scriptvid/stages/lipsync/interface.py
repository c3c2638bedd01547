"""What a lipsync backend does: drawn mouths (`Backend`) or a model on real frames (`FrameBackend`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Backend(Protocol):
    """For drawn figures: how far each mouth opens, which animate draws as it renders."""

    def openings(
        self, audio: np.ndarray, rate: int, fps: int, spans: list[tuple[float, float]]
    ) -> list[float]:
        """How far one character's mouth is open (0..1) in each video frame of `audio`, speaking
        only within `spans` (seconds)."""
        ...


@dataclass(frozen=True)
class SyncRequest:
    audio: np.ndarray  # the scene's voice track (float32 mono), every character's lines at their times
    rate: int
    fps: int
    # Who speaks when, in seconds, for each character that speaks on screen (not narration).
    speakers: dict[str, list[tuple[float, float]]]
    characters: tuple[str, ...]  # the scene's characters in the order they appear (left to right)


class FrameBackend(Protocol):
    """For real frames: a lip-sync model that redraws the speaking characters' mouths in the frames
    animate made, driven by their voices. Runs inside the animate step, before the subtitles."""

    def sync(self, frames: Iterator[np.ndarray], req: SyncRequest) -> Iterator[np.ndarray]:
        """The same frames (RGB, uint8), with each speaker's lower face following the voice while
        they speak; a frame where no face is found passes through unchanged."""
        ...
