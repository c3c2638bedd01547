"""animate: the still becomes the scene's clip: a camera move, parallax, and the mouths of lipsync.

The default backend (`camera`) renders every frame in-process and streams it into FFmpeg, split
into the pieces the assembler joins (see timeline.py): `head.mp4`, `segment.mp4`, `tail.mp4`.
This is the one place where a scene's picture is encoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ... import backends, fsutil, log, subtitles, timeline
from ...errors import Cancelled
from ...runner import Job
from ...video import camera
from ...video.canvas import Canvas
from ...video.encode import encode
from ...video.mouth import draw_mouth

NAME = "animate"
PIECES = ("head.mp4", "segment.mp4", "tail.mp4")


@dataclass(frozen=True)
class AnimateRequest:
    folder: Path  # the scene folder: image.png, and the storyboard's layers and figures.json
    motion: str  # the scene's motion prompt
    size: tuple[int, int]
    frames: int
    overlay: camera.Overlay  # moving mouths and subtitles, drawn on each finished frame
    fade_out: int  # frames of fade to black at the end (the film's last scene)


class Backend(Protocol):
    NAME: str
    VERSION: str

    def frames(self, req: AnimateRequest) -> Iterator[np.ndarray]:
        """Exactly `req.frames` frames of `req.size` in I420 (`Canvas` holds one)."""
        ...


class CameraBackend:
    """A camera move over the still, with parallax between the background and the figures."""

    NAME = "camera"
    VERSION = "1"

    def frames(self, req: AnimateRequest) -> Iterator[np.ndarray]:
        figures = fsutil.read_json(req.folder / "figures.json", {"figures": []})["figures"]
        background = req.folder / "background.png"
        layers = camera.Layers.load(
            background if background.exists() else req.folder / "image.png", req.folder / "figures.png"
        )
        move = camera.plan(req.motion, _focus(figures, *req.size))
        return camera.frames(layers, move, req.size, req.frames, overlay=req.overlay, fade_out=req.fade_out)


BACKENDS: dict[str, type[Backend]] = {CameraBackend.NAME: CameraBackend}


def _handovers(job: Job) -> tuple[timeline.Handover, timeline.Handover]:
    assert job.scene_dir is not None
    name = job.scene_dir.name
    return (
        timeline.incoming(job.project, name, job.film),
        timeline.outgoing(job.project, name, job.scene.scene.transition, job.film),
    )


def inputs(job: Job) -> dict[str, Any]:
    into, out = _handovers(job)
    return {
        **backends.identity(backends.get(NAME, job.settings.backends.animate, BACKENDS)),
        "image": job.fingerprint_of("image"),
        "lipsync": job.fingerprint_of("lipsync"),
        "voice": job.fingerprint_of("voice"),
        "motion": job.scene.motion_prompt,
        "video": [
            job.settings.video.width,
            job.settings.video.height,
            job.settings.video.fps,
            job.settings.video.crf,
            job.settings.video.preset,
        ],
        "handover": [into.seconds, out.kind, out.seconds],
        "burn_in": job.settings.subtitles.burn_in,
    }


def outputs(job: Job) -> list[Path]:
    into, out = _handovers(job)
    names = ["segment.mp4"]
    if into.seconds:
        names.insert(0, "head.mp4")
    if out.seconds:
        names.append("tail.mp4")
    return [job.out_dir / n for n in names]


def _focus(figures: list[dict[str, Any]], w: int, h: int) -> tuple[float, float]:
    """Where the people stand, as offsets from the centre in fractions of the frame."""
    if not figures:
        return (0.0, 0.0)
    xs = [(f["box"][0] + f["box"][2]) / 2 for f in figures]
    ys = [(f["box"][1] * 0.7 + f["box"][3] * 0.3) for f in figures]
    return (sum(xs) / len(xs) / w - 0.5, sum(ys) / len(ys) / h - 0.5)


def _mouth_overlay(job: Job, figures: list[dict[str, Any]]) -> camera.Overlay:
    tracks: dict[str, list[float]] = fsutil.read_json(job.out_dir / "mouths.json", {}).get("tracks", {})
    speaking = [f for f in figures if f["character"] in tracks]

    def draw(canvas: Canvas, index: int, where: camera.Transform) -> None:
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


def _subtitle_overlay(job: Job) -> camera.Overlay:
    """The scene's subtitles drawn into its frames, cut into cues exactly as in the .srt."""
    video = job.settings.video
    cues = []
    for part in subtitles.from_voice(fsutil.read_json(job.out_dir / "voice" / "cues.json")["cues"]):
        picture, at = subtitles.caption(part.text, video.width, video.height)
        cues.append((round(part.start * video.fps), round(part.end * video.fps), picture, at))

    def draw(canvas: Canvas, index: int, _: camera.Transform) -> None:
        for first, last, picture, (x, y) in cues:
            if first <= index < last:
                h, w = picture.shape[:2]
                with canvas.patch(x, y, x + w, y + h) as (rgb, left, top):
                    subtitles.draw(rgb, picture, (x - left, y - top))

    return draw


def run(job: Job) -> None:
    backend = backends.get(NAME, job.settings.backends.animate, BACKENDS)
    video = job.settings.video
    into, out = _handovers(job)
    total = camera.frame_count(fsutil.read_json(job.out_dir / "voice" / "cues.json")["duration"], video.fps)
    head = round(into.seconds * video.fps)
    tail = round(out.seconds * video.fps)
    figures = fsutil.read_json(job.out_dir / "figures.json", {"figures": []})["figures"]
    overlays = [_mouth_overlay(job, figures)]
    if job.settings.subtitles.burn_in:
        overlays.append(_subtitle_overlay(job))

    def overlay(canvas: Canvas, index: int, where: camera.Transform) -> None:
        for draw in overlays:
            draw(canvas, index, where)

    request = AnimateRequest(
        folder=job.out_dir,
        motion=job.scene.motion_prompt,
        size=(video.width, video.height),
        frames=total,
        overlay=overlay,
        fade_out=round(1.2 * video.fps) if out.kind == "end" else 0,
    )
    for name in PIECES:  # pieces a different handover left behind would be joined by mistake
        (job.out_dir / name).unlink(missing_ok=True)
    encode(
        [
            (job.out_dir / "head.mp4", head),
            (job.out_dir / "segment.mp4", total - head - tail),
            (job.out_dir / "tail.mp4", tail),
        ],
        iter(backend.frames(request)),
        job.settings.video,
    )
    _make_pieces_around(job)


def _make_pieces_around(job: Job) -> None:
    """The title card and the transitions this scene completes, made now, while other scenes are
    still being animated, rather than all at assembly. The assembler makes whatever is missing, so
    a failure here is only logged (assembly will meet it again and report it)."""
    from .. import pieces  # here, not at the top: pieces builds on this package

    assert job.scene_dir is not None
    try:
        pieces.around(job.project, job.scene_dir.name, job.film)
    except Cancelled:
        raise
    except Exception as exc:
        log.get().warning("pieces not made ahead", error=str(exc))
