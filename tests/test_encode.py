"""Frames encoded in pieces by one FFmpeg: each piece stands alone, and the pieces joined as they are
play every frame once, in order, on an even clock (what the assembler and an edit's kept pieces
rely on)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from scriptvid import media
from scriptvid.settings import VideoSettings
from scriptvid.video.encode import encode

from conftest import ffprobe, raw_frames

W, H, FPS = 160, 96, 24
VIDEO = VideoSettings(width=W, height=H, fps=FPS, crf=18, preset="veryfast")


def _frames(count: int) -> list[np.ndarray]:
    """I420 frames, each with its number written into its picture as a bright bar's position."""
    out = []
    for i in range(count):
        frame = np.full((H * 3 // 2, W), 128, np.uint8)
        frame[:H] = 40
        frame[10:40, 2 + 2 * i : 10 + 2 * i] = 230
        out.append(frame)
    return out


def _decode(path: Path) -> np.ndarray:
    raw = raw_frames(path, "yuv420p")
    return np.frombuffer(raw, np.uint8).reshape(-1, H * 3 // 2, W)[:, :H]  # the luma


def test_pieces_stand_alone_and_join_into_every_frame_in_order(tmp_path: Path) -> None:
    source = _frames(70)
    sizes = [12, 1, 30, 27]
    pieces = [(tmp_path / f"piece-{i}.mp4", n) for i, n in enumerate(sizes)]
    encode(pieces, iter(source), VIDEO)
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p, _ in pieces]  # no temporaries left
    for path, count in pieces:
        stream = ffprobe(path)["streams"][0]
        assert int(stream["nb_frames"]) == count
        assert float(stream["start_time"]) == 0.0  # each starts like a piece encoded alone
        probe = ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=key_frame"]
        first = subprocess.run(
            [*probe, "-read_intervals", "%+#1", "-of", "csv=p=0", str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[0]
        assert first.strip(",") == "1"

    listing = tmp_path / "join.ffconcat"
    listing.write_text(
        "ffconcat version 1.0\n" + "".join(f"file '{media.concat_quote(p)}'\n" for p, _ in pieces)
    )
    joined = tmp_path / "joined.mp4"
    subprocess.run(
        [*media.FFMPEG, "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(joined)],
        check=True,
    )
    probe = ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time"]
    pts = subprocess.run(
        [*probe, "-of", "csv=p=0", str(joined)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    steps = np.diff(sorted(float(t) for t in pts))
    assert len(pts) == 70 and np.all(np.abs(steps - 1 / FPS) < 0.002), steps  # no stutter at a join
    frames = _decode(joined).astype(int)
    for i, frame in enumerate(frames):
        # The frame shown is the frame that was sent: nearest to its own source among its neighbours.
        errors = [np.abs(frame - source[j][:H]).mean() for j in range(max(i - 2, 0), min(i + 3, 70))]
        assert min(errors) == np.abs(frame - source[i][:H]).mean() and min(errors) < 3


def test_one_piece_is_a_plain_mp4(tmp_path: Path) -> None:
    out = tmp_path / "only.mp4"
    encode([(out, 10), (tmp_path / "empty.mp4", 0)], iter(_frames(10)), VIDEO)
    assert [p.name for p in tmp_path.iterdir()] == ["only.mp4"]
    assert int(ffprobe(out)["streams"][0]["nb_frames"]) == 10
