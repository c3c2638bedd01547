"""What a lipsync backend does."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Backend(Protocol):
    def openings(
        self, audio: np.ndarray, rate: int, fps: int, spans: list[tuple[float, float]]
    ) -> list[float]:
        """How far one character's mouth is open (0..1) in each video frame of `audio`, speaking
        only within `spans` (seconds)."""
        ...
