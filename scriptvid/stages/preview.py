"""preview: a first look at the film, `NAME.preview.mp4` in the outbox, made as soon as every scene has
its picture and its voice, long before the scenes are animated; once, before the film's first render.

The title card and each scene's still, small (`preview.width`), each on screen from its scene's start
in the film to the next one's, with the dialogue on the film's timeline: what the film will show and
say, and when. No camera moves, transitions or score: those are what take the time. It is written
straight into the outbox (whole or not at all) and replaced by nothing else: the film is `NAME.mp4`,
and the edits after it are seen in the film itself.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .. import fsutil, media, proc, timeline
from ..audio import pcm16
from ..runner import Job
from . import title
from .mix import dialogue_track, speech_level
from .publish import place

NAME = "preview"
SPEECH_LEVEL = -20.0  # dBFS RMS of the preview's speech (it has no score to sit over)


def _size(job: Job) -> tuple[int, int]:
    v = job.film.video
    width = min(job.film.preview.width, v.width) & ~1
    return width, max(2, round(width * v.height / v.width / 2) * 2)


def _target(job: Job) -> Path:
    return job.root.outbox / f"{job.project.name}.preview.mp4"


def _wanted(job: Job) -> bool:
    """Only before the first film: after it, an edit's new film comes in seconds, and a preview made
    on the way would hold up the one scene being animated (measured: 1.8 s of a 12.9 s edit)."""
    return job.film.preview.enabled and not (job.project.render_dir / "final.mp4").exists()


def inputs(job: Job) -> dict[str, Any]:
    names = timeline.scene_names(job.project)
    if not _wanted(job):
        return {"enabled": job.film.preview.enabled, "film": "made"}
    return {
        "version": "1",
        "size": _size(job),
        "title": title.inputs(job)["lines"],
        "scenes": {n: [job.fingerprint_of("image", n), job.fingerprint_of("voice", n)] for n in names},
        "timing": [job.film.transitions, job.film.timing.min_scene, job.film.audio.sample_rate],
    }


def outputs(job: Job) -> list[Path]:
    return [_target(job)] if _wanted(job) else []


def run(job: Job) -> dict[str, Any]:
    if not _wanted(job):
        return {}
    render = job.project.render_dir
    render.mkdir(exist_ok=True)
    width, height = _size(job)
    layout = timeline.layout(job.project, job.film)
    rate = job.film.audio.sample_rate

    card = render / "preview-title.png"
    # At the stills' size: the concat demuxer takes pictures of one size (it dropped a smaller first one).
    v = job.film.video
    Image.fromarray(title.title_image(title.lines(job), v.width, v.height)).save(card, compress_level=1)
    stills = [card] + [job.project.scenes_dir / p.name / "image.png" for p in layout.scenes]
    starts = [0.0] + [p.start for p in layout.scenes] + [layout.duration]
    listing = "ffconcat version 1.0\n"
    for still, start, end in zip(stills, starts, starts[1:], strict=False):
        listing += f"file '{media.concat_quote(still)}'\nduration {max(end - start, 0.04):.3f}\n"
    # The concat demuxer holds the last picture for its duration only if it is named once more.
    listing += f"file '{media.concat_quote(stills[-1])}'\n"
    fsutil.write_text(render / "preview.ffconcat", listing)

    job.root.outbox.mkdir(parents=True, exist_ok=True)
    made = render / "preview.mp4"
    pictures, voices = render / "preview-pictures.mp4", render / "preview-voices.m4a"
    # The pictures are encoded while the voices are put on the timeline and encoded (the AAC encoder is
    # the longer of the two, and one FFmpeg of this version encodes its streams one after the other),
    # then put together.
    ctx = contextvars.copy_context()  # the child is registered under this run, as any other
    with ThreadPoolExecutor(1) as beside:
        drawing = beside.submit(
            ctx.run,
            proc.run,
            [
                *media.FFMPEG,
                *("-f", "concat", "-safe", "0", "-i", str(render / "preview.ffconcat")),
                # One frame per still, each as long as its scene (a variable frame rate): 14 frames to
                # encode rather than twelve a second.
                *("-vf", f"scale={width}:{height}:flags=area,format=yuv420p", "-fps_mode", "vfr"),
                *("-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "26"),
                *("-an", str(pictures)),
            ],
        )
        speech = dialogue_track(job.project, layout, rate)
        peak = float(np.max(np.abs(speech), initial=0.0))
        gain = min(10 ** ((SPEECH_LEVEL - speech_level(speech, rate)) / 20), 0.9 / peak) if peak else 1.0
        proc.run(
            [
                *media.FFMPEG,
                *("-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "-"),
                # Speech only: at 24 kHz, about half the samples of the film's rate to encode.
                *("-c:a", "aac", "-aac_coder", "fast", "-ar", "24000", "-b:a", "64k", str(voices)),
            ],
            input=pcm16(speech * gain).tobytes(),
        )
        drawing.result()
    with fsutil.atomic_path(made, ".mp4") as tmp:
        proc.run(
            [
                *media.FFMPEG,
                *("-i", str(pictures), "-i", str(voices), "-map", "0:v", "-map", "1:a", "-c", "copy"),
                *("-t", f"{layout.duration:.3f}", "-movflags", "+faststart", str(tmp)),
            ]
        )
    place(made, _target(job))
    return {"outputs": {"preview": str(_target(job))}}
