"""lipsync: the speaking character's mouth follows its own voice; the others keep theirs shut.

The default backend (`mouths`) turns the voice track into a mouth opening per video frame for each
drawn figure (`mouths.json`); animate draws those mouths on the figures as it renders the frames.
Narration and voice-over move no mouth, and a speaker who is not drawn in the scene moves none.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ... import backends, fsutil
from ...audio import read_wav
from ...runner import Job

NAME = "lipsync"


class MouthsBackend:
    """Opening = loudness of the voice in each frame's window, eased so the mouth does not flicker."""

    NAME = "mouths"
    VERSION = "1"

    def openings(
        self, audio: np.ndarray, rate: int, fps: int, spans: list[tuple[float, float]]
    ) -> list[float]:
        frames = math.ceil(audio.size / rate * fps - 1e-6)
        hop = rate / fps
        out = np.zeros(frames, dtype=np.float32)
        for start, end in spans:
            for f in range(int(start * fps), min(math.ceil(end * fps), frames)):
                window = audio[int(f * hop) : int((f + 1) * hop)]
                if window.size:
                    rms = float(np.sqrt(np.mean(window.astype(np.float64) ** 2)))
                    db = 20 * math.log10(max(rms, 1e-6))
                    out[f] = min(max((db + 42.0) / 24.0, 0.0), 1.0)  # -42 dBFS closed .. -18 dBFS wide
        # Open fast, close a little slower, as a mouth does.
        eased = np.zeros_like(out)
        level = 0.0
        for i, target in enumerate(out):
            level += (float(target) - level) * (0.75 if target > level else 0.5)
            eased[i] = level if level > 0.02 else 0.0
        return [round(float(x), 3) for x in eased]


class Backend(Protocol):
    NAME: str
    VERSION: str

    def openings(
        self, audio: np.ndarray, rate: int, fps: int, spans: list[tuple[float, float]]
    ) -> list[float]:
        """How far one character's mouth is open (0..1) in each video frame of `audio`, speaking
        only within `spans` (seconds)."""
        ...


BACKENDS: dict[str, type[Backend]] = {MouthsBackend.NAME: MouthsBackend}


def inputs(job: Job) -> dict[str, Any]:
    return {
        **backends.identity(backends.get(NAME, job.settings.backends.lipsync, BACKENDS)),
        "voice": job.fingerprint_of("voice"),
        "image": job.fingerprint_of("image"),
        "fps": job.settings.video.fps,
    }


def outputs(job: Job) -> list[Path]:
    return [job.out_dir / "mouths.json"]


def run(job: Job) -> None:
    backend = backends.get(NAME, job.settings.backends.lipsync, BACKENDS)
    fps = job.settings.video.fps
    audio, rate = read_wav(job.out_dir / "voice" / "track.wav")
    cues = fsutil.read_json(job.out_dir / "voice" / "cues.json")["cues"]
    figures = fsutil.read_json(job.out_dir / "figures.json", {"figures": []})["figures"]
    tracks: dict[str, list[float]] = {}
    for figure in figures:
        name = figure["character"]
        spans = [(c["start"], c["end"]) for c in cues if c["character"] == name and not c["narration"]]
        if spans:
            tracks[name] = backend.openings(audio, rate, fps, spans)
    frames = math.ceil(audio.size / rate * fps - 1e-6)
    fsutil.write_json(job.out_dir / "mouths.json", {"fps": fps, "frames": frames, "tracks": tracks})
