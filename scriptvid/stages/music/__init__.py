"""music: a score for the whole film, as long as the film, following its scenes.

The default backend (`fluidsynth`) composes from the mood (set in the settings or guessed from
the script) and renders with the General MIDI soundfont.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from ... import backends, scenes, timeline
from ...runner import Job
from .composer import Cue, guess_mood, scene_intensity
from .fluidsynth import FluidSynthBackend, MusicRequest

NAME = "music"


class Backend(Protocol):
    NAME: str
    VERSION: str

    def render(self, req: MusicRequest, out_wav: Path) -> None:
        """A score of exactly `req.duration` seconds, 16-bit stereo at `req.sample_rate`, to `out_wav`."""
        ...


BACKENDS: dict[str, type[Backend]] = {FluidSynthBackend.NAME: FluidSynthBackend}


def _scene_texts(job: Job) -> list[str]:
    texts = []
    for name in timeline.scene_names(job.project):
        scene = scenes.read(job.project.scenes_dir / name / "scene.yaml").scene
        texts.append(" ".join([scene.heading, *scene.action, *(ln.text for ln in scene.dialogue)]))
    return texts


def request(job: Job) -> MusicRequest:
    layout = timeline.layout(job.project, job.settings)
    texts = _scene_texts(job)
    mood = job.settings.music.mood
    if mood == "auto":
        mood = guess_mood("\n".join(texts))
    cues = tuple(
        Cue(start=p.start, end=p.start + p.duration, intensity=scene_intensity(text))
        for p, text in zip(layout.scenes, texts, strict=True)
    )
    return MusicRequest(
        duration=layout.duration,
        cues=cues,
        mood=mood,
        seed=job.settings.seed,
        sample_rate=job.settings.audio.sample_rate,
    )


def inputs(job: Job) -> dict[str, Any]:
    if not job.settings.music.enabled:
        return {"enabled": False}
    req = request(job)
    return {
        **backends.identity(backends.get(NAME, job.settings.backends.music, BACKENDS)),
        "request": [
            req.duration,
            [(c.start, c.end, c.intensity) for c in req.cues],
            req.mood,
            req.seed,
            req.sample_rate,
        ],
    }


def outputs(job: Job) -> list[Path]:
    return [job.project.music_dir / "score.wav"] if job.settings.music.enabled else []


def run(job: Job) -> None:
    if not job.settings.music.enabled:
        (job.project.music_dir / "score.wav").unlink(missing_ok=True)
        return
    backend = backends.get(NAME, job.settings.backends.music, BACKENDS)
    job.project.music_dir.mkdir(exist_ok=True)
    backend.render(request(job), job.project.music_dir / "score.wav")
