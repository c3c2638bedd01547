"""animate: the still becomes the scene's clip: a camera move, parallax, and the mouths of lipsync.

The default backend (`camera`) renders every frame in-process, mouths and subtitles drawn on;
a video model (`diffusers`) generates RGB frames. Where the lipsync backend works on real frames
(a lip-sync model: there are no drawn mouths to move), the frames go through it first, then the
subtitles and the fade are drawn on. The frames are streamed into FFmpeg, split into the pieces
the assembler joins (see timeline.py): `head.mp4`, `segment.mp4`, `tail.mp4`. This is the one place
where a scene's picture is encoded: every scene is encoded once, whichever backends made it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ... import backends, fsutil, subtitles, timeline
from ...errors import StageError
from ...project import Project
from ...runner import Job
from ...video.camera import Overlay, Transform, fade_level, frame_count
from ...video.canvas import Canvas
from ...video.encode import encode
from ...video.mouth import draw_mouth
from .. import lipsync
from .interface import AnimateRequest

UNMOVED = Transform(1.0, 0.0, 0.0)

NAME = "animate"
PIECES = ("head.mp4", "segment.mp4", "tail.mp4")


def _handovers(job: Job) -> tuple[timeline.Handover, timeline.Handover]:
    name = job.scene_name
    return (
        timeline.incoming(job.project, name, job.film),
        timeline.outgoing(job.project, name, job.scene.scene.transition, job.film),
    )


def inputs(job: Job) -> dict[str, Any]:
    into, out = _handovers(job)
    return {
        **backends.identity(NAME, job.settings),
        "image": job.fingerprint_of("image", job.scene_name),
        "lipsync": job.fingerprint_of("lipsync", job.scene_name),
        "voice": job.fingerprint_of("voice", job.scene_name),
        "motion": job.scene.motion_prompt,
        "video": [
            job.settings.video.width,
            job.settings.video.height,
            job.settings.video.fps,
            job.settings.video.crf,
            job.settings.video.preset,
        ],
        "handover": [into.seconds, out.kind, out.seconds],
        # How burned-in subtitles look is in the frames; the soft track's style is not.
        "burn_in": job.settings.subtitles if job.settings.subtitles.burn_in else False,
    }


def outputs(job: Job) -> list[Path]:
    into, out = _handovers(job)
    names = ["segment.mp4"]
    if into.seconds:
        names.insert(0, "head.mp4")
    if out.seconds:
        names.append("tail.mp4")
    return [job.out_dir / n for n in names]


def _mouth_overlay(job: Job, figures: list[dict[str, Any]]) -> Overlay:
    tracks: dict[str, list[float]] = fsutil.read_json(job.out_dir / "mouths.json", {}).get("tracks", {})
    speaking = [f for f in figures if f["character"] in tracks]

    def draw(canvas: Canvas, index: int, where: Transform) -> None:
        zoom = where.scale
        for figure in speaking:
            track = tracks[figure["character"]]
            opening = track[index] if index < len(track) else 0.0
            if opening <= 0.0:
                continue  # a closed mouth is already in the picture
            m = figure["mouth"]
            x, y = where.point(m["x"], m["y"])
            w, h = m["width"] * zoom, m["height"] * zoom
            # The patch covers the skin-coloured ground draw_mouth paints around a wide-open mouth.
            with canvas.patch(x - 1.5 * w, y - 1.5 * h, x + 1.5 * w, y + 2.5 * h) as (rgb, left, top):
                moved = {"x": x - left, "y": y - top, "width": w, "height": h}
                draw_mouth(rgb, moved, opening, figure.get("skin", "#e0b090"))

    return draw


def _subtitle_overlay(job: Job) -> Overlay:
    """The scene's subtitles drawn into its frames, cut into cues exactly as in the .srt."""
    video = job.settings.video
    look = subtitles.Look.of(job.settings)
    cues = []
    for part in subtitles.from_voice(fsutil.read_json(job.out_dir / "voice" / "cues.json")["cues"], look):
        picture, at = subtitles.caption(part.text, look)
        cues.append((round(part.start * video.fps), round(part.end * video.fps), picture, at))

    def draw(canvas: Canvas, index: int, _: Transform) -> None:
        for first, last, picture, (x, y) in cues:
            if first <= index < last:
                h, w = picture.shape[:2]
                with canvas.patch(x, y, x + w, y + h) as (rgb, left, top):
                    subtitles.draw(rgb, picture, (x - left, y - top))

    return draw


def run(job: Job) -> None:
    video = job.settings.video
    into, out = _handovers(job)
    total = frame_count(fsutil.read_json(job.out_dir / "voice" / "cues.json")["duration"], video.fps)
    head = round(into.seconds * video.fps)
    tail = round(out.seconds * video.fps)
    figures = fsutil.read_json(job.out_dir / "figures.json", {"figures": []})["figures"]
    overlays = [_mouth_overlay(job, figures)]
    if job.settings.subtitles.burn_in:
        overlays.append(_subtitle_overlay(job))

    def overlay(canvas: Canvas, index: int, where: Transform) -> None:
        for draw in overlays:
            draw(canvas, index, where)

    request = AnimateRequest(
        folder=job.out_dir,
        motion=job.scene.motion_prompt,
        prompt=job.scene.image_prompt,
        seed=job.scene.seed,
        size=(video.width, video.height),
        fps=video.fps,
        frames=total,
        overlay=overlay,
        fade_out=round(1.2 * video.fps) if out.kind == "end" else 0,
    )
    for name in PIECES:  # pieces a different handover left behind would be joined by mistake
        (job.out_dir / name).unlink(missing_ok=True)
    pieces = [
        (job.out_dir / "head.mp4", head),
        (job.out_dir / "segment.mp4", total - head - tail),
        (job.out_dir / "tail.mp4", tail),
    ]
    synced = lipsync.on_frames(job.settings)  # a lip-sync model works on these frames
    with backends.use(NAME, job.settings) as backend:
        # At a lower CPU priority (the scene's tens of seconds of x264): the short steps beside it,
        # the first look among them, are not slowed by it (the preview: 2.0 s beside one, 1.4 s now).
        if not hasattr(backend, "clip") and not synced:  # the fast path: drawn, mouths and all
            encode(pieces, iter(backend.frames(request)), video, background=True)
            return
        frames = backend.clip(request) if hasattr(backend, "clip") else _as_rgb(backend, request)
        if synced:
            # Closed as soon as the encoder has its frames: the model says what it did, in this step.
            with (
                backends.use(lipsync.NAME, job.settings) as lips,
                closing(lips.sync(frames, lipsync.request(job))) as redrawn,
            ):
                encode(pieces, _finished(redrawn, request), video, background=True)
        else:
            encode(pieces, _finished(frames, request), video, background=True)


def _as_rgb(backend: Any, req: AnimateRequest) -> Iterator[np.ndarray]:
    """A drawing backend's frames as RGB, without the overlays and the fade (drawn on later)."""
    bare = dataclasses.replace(req, overlay=lambda *_: None, fade_out=0)
    w, h = req.size
    for data in backend.frames(bare):
        yield cv2.cvtColor(data.reshape(h * 3 // 2, w), cv2.COLOR_YUV2RGB_I420)


def _finished(frames: Iterable[np.ndarray], req: AnimateRequest) -> Iterator[np.ndarray]:
    """RGB frames as the encoder takes them, with the overlays (subtitles) and the fade drawn on;
    exactly `req.frames` of them, so a backend that made too few is found out here."""
    canvas = Canvas(*req.size)
    count = 0
    for i, rgb in enumerate(frames):
        if i >= req.frames:
            break
        canvas.set_rgb(rgb)
        req.overlay(canvas, i, UNMOVED)
        level = fade_level(i, req.frames, 0, req.fade_out)
        if level < 1.0:
            canvas.fade(level)
        count += 1
        yield canvas.data
    if count != req.frames:
        raise StageError(f"the animate backend made {count} frames of the {req.frames} the scene needs")


def priority(project: Project, scene: str) -> float:
    """0 to 0.999, growing with the scene's length: long animations are handed out first."""
    try:
        cues = fsutil.read_json(project.scenes_dir / scene / "voice" / "cues.json", {})
        return min(float(cues.get("duration", 0.0)), 999.0) / 1000
    except (OSError, ValueError, TypeError, AttributeError):  # the step itself will say what is wrong
        return 0.0
