"""The default lipsync backend: a drawn mouth opens as far as the voice is loud."""

from __future__ import annotations

import math

import numpy as np

from ...backends import Backend
from ...settings import MouthsSettings


class MouthsBackend(Backend):
    """Opening = loudness of the voice in each frame's window, eased so the mouth does not flicker."""

    NAME = "mouths"
    settings: MouthsSettings

    def openings(
        self, audio: np.ndarray, rate: int, fps: int, spans: list[tuple[float, float]]
    ) -> list[float]:
        closed, wide = self.settings.closed_db, self.settings.open_db
        frames = math.ceil(audio.size / rate * fps - 1e-6)
        hop = rate / fps
        out = np.zeros(frames, dtype=np.float32)
        for start, end in spans:
            for f in range(int(start * fps), min(math.ceil(end * fps), frames)):
                window = audio[int(f * hop) : int((f + 1) * hop)]
                if window.size:
                    rms = float(np.sqrt(np.mean(window.astype(np.float64) ** 2)))
                    db = 20 * math.log10(max(rms, 1e-6))
                    out[f] = min(max((db - closed) / max(wide - closed, 1e-3), 0.0), 1.0)
        # Open fast, close a little slower, as a mouth does. A mouth that has closed is closed
        # exactly, so that a line's openings are the same wherever the line falls in the scene.
        eased = np.zeros_like(out)
        level = 0.0
        for i, target in enumerate(out):
            level += (float(target) - level) * (0.75 if target > level else 0.5)
            level = level if level > 0.02 else 0.0
            eased[i] = level
        return [round(float(x), 3) for x in eased]
