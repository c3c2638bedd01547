"""music: a score for the whole film, as long as the film, following its scenes.

The default backend (`fluidsynth`) composes from the mood (set in the settings or guessed from
the script) and renders with the General MIDI soundfont.

The backend's render is kept as `composed.wav`, with the request it answered in `composed.json`;
`score.wav` is that render fitted to the film. An edit that only moves the scenes a little (a line
rewritten, a pause lengthened: every scene boundary and the end within `music.refit` seconds of
where the score was composed for them, the same mood, the scenes' intensities about the same) keeps
the composition and fits it to the new length: padded with silence after the final chord, or cut
short under a fade. A composer would not rewrite a score for a reworded line either, and a new
render would cost seconds on every edit. The fit is measured against the composition, not the
last fit, so a run of small edits cannot drift: past `music.refit`, the score is composed anew.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

from ... import audio, backends, fsutil, log, scenes, timeline
from ...fsutil import file_digest
from ...runner import Job
from .interface import Cue, MusicRequest
from .mood import guess_mood, scene_intensity

NAME = "music"
REFIT_FADE = 1.5  # seconds: a score cut short fades out over this much of its end
INTENSITY_SLACK = 0.15  # a scene's intensity (0..1) may move this much and keep the score


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
        **backends.identity(NAME, job.settings),
        "request": _request_record(req),
        "refit": job.settings.music.refit,
    }


def _request_record(req: MusicRequest) -> dict[str, Any]:
    return {
        "duration": req.duration,
        "cues": [[c.start, c.end, c.intensity] for c in req.cues],
        "mood": req.mood,
        "seed": req.seed,
        "sample_rate": req.sample_rate,
    }


def outputs(job: Job) -> list[Path]:
    return [job.project.music_dir / "score.wav"] if job.settings.music.enabled else []


def run(job: Job) -> None:
    music_dir = job.project.music_dir
    if not job.settings.music.enabled:
        (music_dir / "score.wav").unlink(missing_ok=True)
        return
    music_dir.mkdir(exist_ok=True)
    req = request(job)
    wanted = {**backends.identity(NAME, job.settings), **_request_record(req)}
    composed, record = music_dir / "composed.wav", music_dir / "composed.json"
    previous = fsutil.read_json(record, None)
    if previous is not None and still_fits(previous, wanted, job.settings.music.refit, composed):
        log.get().info(
            "score kept, fitted to the new length",
            composed_for=round(previous["duration"], 3),
            film=round(req.duration, 3),
        )
    else:
        record.unlink(missing_ok=True)  # never a record beside a render it does not describe
        with backends.use(NAME, job.settings) as backend:
            backend.render(req, composed)
        fsutil.write_json(record, {**wanted, "wav": file_digest(composed)})
    fit(composed, req.duration, music_dir / "score.wav")


def still_fits(previous: dict[str, Any], wanted: dict[str, Any], slack: float, composed: Path) -> bool:
    """Whether the score composed for `previous` serves `wanted` once fitted to its length."""
    same = ("backend", "version", "settings", "model", "mood", "seed", "sample_rate")
    if any(previous.get(k) != wanted[k] for k in same) or len(previous["cues"]) != len(wanted["cues"]):
        return False
    if abs(previous["duration"] - wanted["duration"]) > slack:
        return False
    for (s0, e0, i0), (s1, e1, i1) in zip(previous["cues"], wanted["cues"], strict=True):
        if abs(s0 - s1) > slack or abs(e0 - e1) > slack or abs(i0 - i1) > INTENSITY_SLACK:
            return False
    return composed.exists() and file_digest(composed) == previous.get("wav")


def fit(composed: Path, duration: float, out: Path) -> None:
    """`composed` made exactly `duration` long: silence after its end, or cut short under a fade."""
    with wave.open(str(composed), "rb") as wav:
        rate, length = wav.getframerate(), wav.getnframes()
    frames = round(duration * rate)
    fade = round(REFIT_FADE * rate) if frames < length else 0
    with fsutil.atomic_path(out, ".wav") as tmp:
        audio.copy(composed, tmp, frames, fade=fade)
