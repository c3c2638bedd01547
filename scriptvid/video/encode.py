"""Frames streamed into FFmpeg: the one way every picture of a film is encoded."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import fsutil, media, proc
from ..errors import StageError
from ..settings import VideoSettings


def encode(
    pieces: list[tuple[Path, int]],
    frames: Iterator[np.ndarray],
    video: VideoSettings,
    threads: int = 0,
    background: bool = False,
) -> None:
    """Stream I420 frames into one FFmpeg that cuts them into pieces: the first `n` frames to the
    first path, and so on. Each piece starts with a key frame that nothing before it refers to, so
    the pieces join without re-encoding, in this order or with others between them.

    `threads` limits x264's threads (each costs a frame's worth of memory; 0: x264 decides);
    `background`: at a lower CPU priority (`proc.popen_stdin`). The pieces appear at their paths
    together, once all of them are encoded.
    """
    pieces = [(path, count) for path, count in pieces if count > 0]
    if not pieces:
        return
    total = sum(count for _, count in pieces)
    # One encoder for all the pieces: an FFmpeg costs 50 ms of CPU to start, and x264 fills and
    # drains its threads' pipeline once instead of once a piece.
    starts = [sum(count for _, count in pieces[:i]) for i in range(1, len(pieces))]
    args = [
        *media.FFMPEG,
        *media.raw_video_input(video.width, video.height, video.fps),
        "-frames:v",
        str(total),
        *media.x264_args(video),
        *(["-threads", str(threads)] if threads else []),
        "-an",
    ]
    if starts:
        args += [
            *("-forced-idr", "1", "-force_key_frames", "expr:" + "+".join(f"eq(n,{s})" for s in starts)),
            *("-f", "segment", "-segment_frames", ",".join(map(str, starts)), "-reset_timestamps", "1"),
            # Every piece starts at time 0 like a piece encoded alone (the first one too: without
            # this the muxer shifts it by x264's B-frame delay, which the join shows as a stutter).
            *("-avoid_negative_ts", "disabled", "-segment_format", "mp4"),
            *("-segment_format_options", f"movflags=+faststart:video_track_timescale={video.fps * 1000}"),
        ]
    else:
        args += ["-movflags", "+faststart"]
    first = pieces[0][0]
    first.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{first.name}.", suffix=".tmp", dir=first.parent) as tmp:
        made = [Path(tmp) / f"{i}.mp4" for i in range(len(pieces))]
        out = str(Path(tmp) / "%d.mp4") if starts else str(made[0])
        with proc.popen_stdin([*args, out], background=background) as ff:
            assert ff.stdin is not None
            for _ in range(total):
                ff.stdin.write(next(frames).data)
        if missing := [str(piece) for piece in made if not piece.exists()]:
            raise StageError(
                f"FFmpeg cut {len(made) - len(missing)} pieces of {len(made)} (missing: {missing})"
            )
        for piece, (path, _) in zip(made, pieces, strict=True):
            with open(piece, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(piece, path)
        for folder in {path.parent for path, _ in pieces}:
            fsutil.fsync_dir(folder)
