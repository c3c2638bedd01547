"""Frames streamed into FFmpeg: the one way every picture of a film is encoded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import fsutil, media, proc
from ..settings import VideoSettings


def encode(
    pieces: list[tuple[Path, int]],
    frames: Iterator[np.ndarray],
    video: VideoSettings,
    threads: int = 0,
    background: bool = False,
) -> None:
    """Stream I420 frames into one FFmpeg per piece: the first `n` frames to the first path, and so on.
    `threads` limits x264's threads (each costs a frame's worth of memory; 0: x264 decides);
    `background`: at a lower CPU priority (`proc.popen_stdin`)."""
    for path, count in pieces:
        if count <= 0:
            continue
        args = [
            *media.FFMPEG,
            *media.raw_video_input(video.width, video.height, video.fps),
            "-frames:v",
            str(count),
            *media.x264_args(video),
            *(["-threads", str(threads)] if threads else []),
            "-an",
            "-movflags",
            "+faststart",
        ]
        with (
            fsutil.atomic_path(path, ".mp4") as tmp,
            proc.popen_stdin([*args, str(tmp)], background=background) as ff,
        ):
            assert ff.stdin is not None
            for _ in range(count):
                ff.stdin.write(next(frames).data)
