"""lipsync: the speaking character's mouth follows its own voice; the others keep theirs shut.

The default backend (`mouths`) turns the voice track into a mouth opening per video frame for each
drawn figure (`mouths.json`); animate draws those mouths on the figures as it renders the frames.
Narration and voice-over move no mouth, and a speaker who is not drawn in the scene moves none.

A backend that works on real frames (`musetalk`: generated pictures have no drawn mouths) cannot
run before there are frames: this step writes who speaks when (`mouths.json`, `speakers`), and the
model runs in the animate step, on each frame before it is encoded (see animate/__init__.py), so
that a scene's frames are encoded once and never in between.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ... import backends, fsutil
from ...audio import read_wav
from ...runner import Job
from ...settings import Settings
from .interface import SyncRequest

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


def on_frames(settings: Settings) -> bool:
    """Whether the configured backend is a model that works on real frames (a FrameBackend)."""
    cls, _ = backends.configured(NAME, settings)
    return hasattr(cls, "sync")


def _speakers(cues: list[dict[str, Any]]) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for c in cues:
        if not c["narration"]:
            out.setdefault(c["character"], []).append((c["start"], c["end"]))
    return out


def request(job: Job) -> SyncRequest:
    """What the frame backend needs to sync the scene's frames (read in the animate step)."""
    audio, rate = read_wav(job.out_dir / "voice" / "track.wav")
    spoken = fsutil.read_json(job.out_dir / "mouths.json")["speakers"]
    return SyncRequest(
        audio=audio,
        rate=rate,
        fps=job.settings.video.fps,
        speakers={name: [(float(a), float(b)) for a, b in spans] for name, spans in spoken.items()},
        characters=tuple(job.scene.scene.characters),
    )


def run(job: Job) -> None:
    fps = job.settings.video.fps
    audio, rate = read_wav(job.out_dir / "voice" / "track.wav")
    cues = fsutil.read_json(job.out_dir / "voice" / "cues.json")["cues"]
    frames = math.ceil(audio.size / rate * fps - 1e-6)
    if on_frames(job.settings):  # the model itself runs on the frames, in the animate step
        speakers = _speakers(cues)
        fsutil.write_json(
            job.out_dir / "mouths.json", {"fps": fps, "frames": frames, "tracks": {}, "speakers": speakers}
        )
        return
    figures = fsutil.read_json(job.out_dir / "figures.json", {"figures": []})["figures"]
    tracks: dict[str, list[float]] = {}
    with backends.use(NAME, job.settings) as backend:
        for figure in figures:
            name = figure["character"]
            spans = [(c["start"], c["end"]) for c in cues if c["character"] == name and not c["narration"]]
            if spans:
                tracks[name] = backend.openings(audio, rate, fps, spans)
    fsutil.write_json(job.out_dir / "mouths.json", {"fps": fps, "frames": frames, "tracks": tracks})
