"""FFmpeg and ffprobe, as argument lists: the encoder settings every piece of a film shares."""

from __future__ import annotations

from pathlib import Path

from .settings import VideoSettings

FFMPEG = ("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y")


def x264_args(video: VideoSettings) -> list[str]:
    """One set of encoder settings for every piece, so the pieces join without re-encoding."""
    return [
        "-c:v",
        "libx264",
        "-preset",
        video.preset,
        "-crf",
        str(video.crf),
        "-pix_fmt",
        "yuv420p",
        "-profile:v",
        "high",
        "-r",
        str(video.fps),
        "-video_track_timescale",
        str(video.fps * 1000),
        "-x264-params",
        f"keyint={video.fps * 4}:min-keyint=1:scenecut=40",
    ]


def concat_quote(path: Path) -> str:
    """A path as FFmpeg's concat demuxer reads it from a listing (`file '...'`)."""
    return str(path.resolve()).replace("'", "'\\''")


def raw_video_input(width: int, height: int, fps: int) -> list[str]:
    """FFmpeg reading raw I420 frames (see `stages.animate.camera.Canvas`) from its stdin."""
    return [
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "pipe:0",
    ]
