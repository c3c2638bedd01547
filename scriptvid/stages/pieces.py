"""The pieces of a film that belong to no one scene: the title card, and the transitions that blend
the tail of one scene into the head of the next.

Each is named after what it was made from (the digests of the pieces it blends, the settings), so
one whose inputs did not change is found and reused. They are made ahead, as soon as both sides of
a transition are animated (`around`, called at the end of each scene's animate), so that the
assembler mostly joins what is there; it makes whatever is still missing.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .. import fsutil, log, media, proc, status, timeline
from ..errors import StageError
from ..fsutil import file_digest
from ..project import Project
from ..settings import Settings
from ..video import camera
from ..video.canvas import Canvas
from ..video.encode import encode

# Pieces are made one at a time per process: each is a decoder and an encoder of a few hundred MB,
# made beside a scene's own render; two at once would take the daemon past its memory budget.
_ONE_AT_A_TIME = threading.Lock()
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def around(project: Project, scene: str, settings: Settings) -> None:
    """Make what `scene`, just animated, completes: the title card before the first scene, and the
    transitions into and out of it whose other side is animated in this run too."""
    names = timeline.scene_names(project)
    index = names.index(scene)
    ready = {e["name"] for e in status.read(project).get("scenes", []) if "animate" in e.get("done", [])}
    ready.add(scene)
    pieces_dir = project.render_dir / "pieces"
    # the piece each scene's incoming transition starts from
    tails = {i: project.scenes_dir / names[i - 1] / "tail.mp4" for i in range(1, len(names))}
    if index == 0:
        tails[0] = title_card(settings, fsutil.read_json(project.path / "script.json", {}), pieces_dir)[1]
    for i in (index, index + 1):  # into this scene, and into the next
        if i == len(names) or names[i] not in ready or (i > 0 and names[i - 1] not in ready):
            continue
        handover = timeline.incoming(project, names[i], settings)
        if handover.seconds:
            head = project.scenes_dir / names[i] / "head.mp4"
            transition(settings, tails[i], head, handover, pieces_dir)


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def transition(
    settings: Settings, tail: Path, head: Path, handover: timeline.Handover, pieces_dir: Path
) -> Path:
    """The tail of one scene blended into the head of the next: decoded, mixed frame by frame as the
    renderer mixes its fades (I420, no conversion), encoded with the film's settings."""
    v = settings.video
    out = pieces_dir / f"x-{_key(file_digest(tail), file_digest(head), handover, v)}.mp4"
    if out.exists():
        return out
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
        encode([(out, count)], frames(), settings.video, threads=1)
    log.get().info("piece made", piece=out.name, kind=handover.kind, head=head.parent.name)
    return out


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
    assert decoder.stdout is not None
    data = decoder.stdout.read(canvas.data.size)  # a pipe: read() waits for all of it, or the end
    if len(data) != canvas.data.size:
        raise StageError(short)
    canvas.data[:] = np.frombuffer(data, dtype=np.uint8).reshape(canvas.data.shape)


def title_card(settings: Settings, script: dict[str, Any], pieces_dir: Path) -> tuple[Path, Path]:
    """The title card's body and tail (the part the first transition blends away)."""
    v = settings.video
    page = script.get("title_page", {})
    lines = _title_lines(script.get("title", ""), page)
    out = timeline.title_handover(settings)
    key = _key(lines, v, out)
    body, tail = pieces_dir / f"title-{key}.mp4", pieces_dir / f"title-{key}-tail.mp4"
    if body.exists() and (tail.exists() or not out.seconds):
        return body, tail
    with _ONE_AT_A_TIME:
        image = title_image(lines, v.width, v.height)
        total = camera.frame_count(timeline.TITLE_SECONDS, v.fps)
        tail_frames = round(out.seconds * v.fps)
        move = camera.plan("push in")
        move = camera.Move(move.start, camera.Pose(1.04, 0, 0), 1.0)
        stream = camera.frames(
            camera.Layers.still(image), move, (v.width, v.height), total, fade_in=round(0.8 * v.fps)
        )
        encode([(body, total - tail_frames), (tail, tail_frames)], iter(stream), settings.video, threads=1)
    log.get().info("piece made", piece=body.name, kind="title")
    return body, tail


def _title_lines(title: str, page: dict[str, str]) -> list[tuple[str, str]]:
    """(style, text) lines of the title card, from the title page as the script wrote it."""
    lines = [("title", _plain(title))]
    credit = _plain(page.get("Credit", page.get("credit", "")))
    author = _plain(page.get("Author", page.get("Authors", page.get("author", ""))))
    if author:
        lines.append(("small", credit or "by"))
        lines.append(("name", author))
    source = _plain(page.get("Source", ""))
    if source:
        lines.append(("small", source))
    return lines


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_]", "", str(text))).strip()


def title_image(lines: list[tuple[str, str]], width: int, height: int) -> np.ndarray:
    """A quiet title card: the title large, credit and author beneath, on a deep gradient."""
    top, bottom = np.array([24, 28, 46], np.float32), np.array([58, 44, 70], np.float32)
    ramp = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    image = Image.fromarray(np.broadcast_to(top + (bottom - top) * ramp, (height, width, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    unit = height / 1080
    sizes = {"title": 96, "name": 48, "small": 34}
    blocks = []
    for style, text in lines:
        font = ImageFont.truetype(str(FONT_BOLD if style != "small" else FONT), int(sizes[style] * unit))
        chars = max(12, int(width * 0.8 / (sizes[style] * unit * 0.55)))
        for row in textwrap.wrap(text, chars)[:3] or [""]:
            blocks.append((row, font, style))
    heights = [int(sizes[s] * unit * 1.35) for _, _, s in blocks]
    y = (height - sum(heights)) / 2
    for (row, font, style), h in zip(blocks, heights, strict=True):
        colour = (246, 240, 228) if style == "title" else (214, 206, 220)
        draw.text((width / 2, y + h / 2), row, font=font, fill=colour, anchor="mm")
        y += h + (unit * 24 if style == "title" else 0)
    return np.asarray(image)
