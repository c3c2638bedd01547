"""lipsync: the speaking character's mouth follows its own voice; the others keep theirs shut.

The default backend (`mouths`) turns the voice track into a mouth opening per video frame for each
drawn figure (`mouths.json`); animate draws those mouths on the figures as it renders the frames.
Narration and voice-over move no mouth, and a speaker who is not drawn in the scene moves none.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ... import backends, fsutil
from ...audio import read_wav
from ...runner import Job

NAME = "lipsync"


def inputs(job: Job) -> dict[str, Any]:
    return {
        **backends.identity(NAME, job.settings),
        "voice": job.fingerprint_of("voice", job.scene_name),
        "image": job.fingerprint_of("image", job.scene_name),
        "fps": job.settings.video.fps,
    }


def outputs(job: Job) -> list[Path]:
    return [job.out_dir / "mouths.json"]


def run(job: Job) -> None:
    fps = job.settings.video.fps
    audio, rate = read_wav(job.out_dir / "voice" / "track.wav")
    cues = fsutil.read_json(job.out_dir / "voice" / "cues.json")["cues"]
    figures = fsutil.read_json(job.out_dir / "figures.json", {"figures": []})["figures"]
    tracks: dict[str, list[float]] = {}
    with backends.use(NAME, job.settings) as backend:
        for figure in figures:
            name = figure["character"]
            spans = [(c["start"], c["end"]) for c in cues if c["character"] == name and not c["narration"]]
            if spans:
                tracks[name] = backend.openings(audio, rate, fps, spans)
    frames = math.ceil(audio.size / rate * fps - 1e-6)
    fsutil.write_json(job.out_dir / "mouths.json", {"fps": fps, "frames": frames, "tracks": tracks})
