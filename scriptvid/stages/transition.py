"""transition: the blend into a scene from the one before it (or, for the first scene, from the title
card): the outgoing tail and the incoming head decoded together, mixed frame by frame as the renderer
mixes its fades (I420, no conversion), and encoded with the film's settings.

Writes the scene's `into.mp4` when the way into it is a dissolve or a fade (nothing for a cut). It
runs as soon as both sides are animated, while other scenes are still being drawn, so that the
assembler only joins what is there.
"""

from __future__ import annotations

import io
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .. import media, proc, timeline
from ..errors import StageError
from ..runner import Job
from ..video.canvas import Canvas
from ..video.encode import encode

NAME = "transition"
# Transitions are made one at a time per process: each is a decoder and an encoder of a few hundred MB,
# made beside a scene's own render; two at once would take the daemon past its memory budget.
_ONE_AT_A_TIME = threading.Lock()


def _sides(job: Job) -> tuple[Path | None, Path | None, str]:
    """The outgoing tail (the title card's, or the previous scene's piece), the incoming head, and
    what each was made of: the title card's fingerprint, the pieces' names (see animate)."""
    names = timeline.scene_names(job.project)
    index = names.index(job.scene_name)
    head = timeline.piece(job.out_dir, "head")
    if index == 0:
        return job.project.title_tail, head, job.fingerprint_of("title", None)
    tail = timeline.piece(job.project.scenes_dir / names[index - 1], "tail")
    return tail, head, tail.name if tail else ""


def inputs(job: Job) -> dict[str, Any]:
    handover = timeline.incoming(job.project, job.scene_name, job.film)
    if not handover.seconds:
        return {"version": "1", "handover": handover}  # a cut: nothing to blend, whatever the sides
    _, head, tail_made_of = _sides(job)
    return {
        "version": "2",
        "handover": handover,
        # The frames of both sides, not the steps that made them: a scene made again with the same
        # frames at its ends (a line edited in its middle) keeps its blends.
        "tail": tail_made_of,
        "head": head.name if head else "",
        "video": job.film.video,
    }


def outputs(job: Job) -> list[Path]:
    handover = timeline.incoming(job.project, job.scene_name, job.film)
    return [job.project.into_file(job.scene_name)] if handover.seconds else []


def run(job: Job) -> None:
    out = job.project.into_file(job.scene_name)
    handover = timeline.incoming(job.project, job.scene_name, job.film)
    if not handover.seconds:
        out.unlink(missing_ok=True)  # the blend of an earlier version, which must not be joined now
        return
    tail, head, _ = _sides(job)
    if tail is None or head is None:
        raise StageError(f"a side of the blend was not animated (tail: {tail}, head: {head})")
    v = job.film.video
    count = round(handover.seconds * v.fps)
    stacked = Canvas(v.width, 2 * v.height)  # the outgoing frame above the incoming one
    blended = Canvas(v.width, v.height)
    with _ONE_AT_A_TIME, proc.popen_stdout(_stacked_decoder(tail, head, count)) as decoder:

        def frames() -> Iterator[np.ndarray]:
            for k in range(count):
                _read_frame(decoder, stacked, f"{tail} or {head} is shorter than its transition")
                into = (k + 0.5) / count  # how far into the next scene
                for plane, both in zip(blended.planes, stacked.planes, strict=True):
                    outgoing, incoming = np.split(both, 2)
                    if handover.kind == "fade":  # through black: out of the one, then into the other
                        np.copyto(plane, outgoing if into < 0.5 else incoming)
                    else:
                        cv2.addWeighted(outgoing, 1 - into, incoming, into, 0, dst=plane)
                if handover.kind == "fade":
                    blended.fade(abs(1 - 2 * into))
                yield blended.data

        # One thread: a few frames, made while other scenes are being rendered on the other cores.
        encode([(out, count)], frames(), v, threads=1)


def _stacked_decoder(tail: Path, head: Path, count: int) -> list[str]:
    """One FFmpeg decoding both pieces, one thread each (a few frames: as fast, in far less memory),
    each frame of the one above the same frame of the other."""
    return [
        *media.FFMPEG,
        *("-threads", "1", "-i", str(tail)),
        *("-threads", "1", "-i", str(head)),
        *("-filter_complex", "[0:v][1:v]vstack=inputs=2[v]", "-map", "[v]"),
        *("-frames:v", str(count), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"),
    ]


def _read_frame(decoder: subprocess.Popen[bytes], canvas: Canvas, short: str) -> None:
    """The next frame, straight into the canvas (a new buffer for each frame cost more in page
    faults than the blend itself)."""
    stdout = decoder.stdout
    assert isinstance(stdout, io.BufferedReader)
    if stdout.readinto(canvas.data.reshape(-1).data) != canvas.data.size:  # waits for all of it, or the end
        raise StageError(short)
