"""transition: the blend into a scene from the one before it (or, for the first scene, from the title
card): the outgoing tail and the incoming head mixed frame by frame as the renderer mixes its fades
(I420, no conversion), and encoded with the film's settings.

A drawn scene's end is drawn again here, frame by frame as its animation would have drawn it (the
animation never encodes it: the film shows the blend in its place); a video model's end, and the
title card's, is decoded from the piece its step encoded.

Writes the scene's `into.mp4` when the way into it is a dissolve or a fade (nothing for a cut). It
runs as soon as both sides are animated, while other scenes are still being drawn, so that the
assembler only joins what is there.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .. import timeline
from ..runner import Job
from ..video.canvas import Canvas
from ..video.encode import encode
from .animate import Scene, decoded

NAME = "transition"
# Transitions are made one at a time per process: each is an encoder and up to two decoders, made
# beside a scene's own render; two at once would take the daemon past its memory budget.
_ONE_AT_A_TIME = threading.Lock()


def _previous(job: Job) -> Scene | None:
    """The scene before this one; None for the first, which the title card fades into."""
    names = timeline.scene_names(job.project)
    index = names.index(job.scene_name)
    return Scene.of(job.of_scene(names[index - 1])) if index else None


def inputs(job: Job) -> dict[str, Any]:
    handover = timeline.incoming(job.project, job.scene_name, job.film)
    if not handover.seconds:
        return {"version": "1", "handover": handover}  # a cut: nothing to blend, whatever the sides
    previous = _previous(job)
    return {
        "version": "3",
        "handover": handover,
        # What the frames of both sides are made of, not the steps that made them: a scene made
        # again with the same frames at its ends (a line edited in its middle) keeps its blends.
        "tail": previous.end_made_of("tail") if previous else job.fingerprint_of("title", None),
        "head": Scene.of(job).end_made_of("head"),
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
    v = job.film.video
    count = round(handover.seconds * v.fps)
    previous = _previous(job)
    blended = Canvas(v.width, v.height)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_ONE_AT_A_TIME)
        outgoing = stack.enter_context(
            previous.end_frames("tail")
            if previous
            else decoded(job.project.title_tail, (v.width, v.height), count)
        )
        incoming = stack.enter_context(Scene.of(job).end_frames("head"))

        def frames() -> Iterator[np.ndarray]:
            for k in range(count):
                into = (k + 0.5) / count  # how far into the next scene
                sides = blended.planes_of(next(outgoing)), blended.planes_of(next(incoming))
                for plane, a, b in zip(blended.planes, *sides, strict=True):
                    if handover.kind == "fade":  # through black: out of the one, then into the other
                        np.copyto(plane, a if into < 0.5 else b)
                    else:
                        cv2.addWeighted(a, 1 - into, b, into, 0, dst=plane)
                if handover.kind == "fade":
                    blended.fade(abs(1 - 2 * into))
                yield blended.data

        # One thread: a few frames, made while other scenes are being rendered on the other cores.
        encode([(out, count)], frames(), v, threads=1)
