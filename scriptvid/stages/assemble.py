"""assemble: scenes in order with their transitions, dialogue and score mixed, subtitles, chapters.

Only short pieces are encoded here: the title card and each transition (the tail of one scene
blended into the head of the next). They are named after what they were made from, so a piece
whose inputs did not change is reused. Everything else is joined as it is, with FFmpeg's concat
demuxer, and the mixed sound is muxed beside it: a scene that did not change is never encoded again.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
import re
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .. import contact_sheet, fsutil, media, proc, scenes, subtitles, timeline
from ..errors import StageError
from ..fsutil import file_digest
from ..runner import Job
from . import mix
from .animate import camera, encode

NAME = "assemble"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def inputs(job: Job) -> dict[str, Any]:
    names = timeline.scene_names(job.project)
    return {
        "version": "1",
        "scenes": {
            n: [
                job.fingerprint_of("animate", job.project.scenes_dir / n),
                job.fingerprint_of("voice", job.project.scenes_dir / n),
            ]
            for n in names
        },
        "sound": job.fingerprint_of(mix.NAME),
        "script": file_digest(job.project.path / "script.json"),
        "settings": [
            job.settings.video,
            job.settings.transitions,
            job.settings.subtitles,
            job.settings.timing.min_scene,
        ],
    }


def outputs(job: Job) -> list[Path]:
    return [job.project.render_dir / "final.mp4", job.project.render_dir / "film.srt", job.project.storyboard]


def run(job: Job) -> None:
    render = job.project.render_dir
    render.mkdir(exist_ok=True)
    layout = timeline.layout(job.project, job.settings)
    script = fsutil.read_json(job.project.path / "script.json", {})

    sound = render / "sound.m4a"  # made by the mix stage, while the scenes were animated
    # The picture and the contact sheet need nothing of each other: while one waits on FFmpeg the
    # other uses the second core, which the scenes no longer need.
    video, _ = _side_by_side(
        lambda: _video(job, layout, script),
        lambda: contact_sheet.render(
            _panels(job, layout), script.get("title", ""), job.project.storyboard, render / "thumbnails"
        ),
    )
    cues = _subtitle_cues(job, layout)
    fsutil.write_text(render / "film.srt", subtitles.srt(cues))
    fsutil.write_text(render / "chapters.txt", _chapters(layout, script.get("title", "")))

    # Picture and sound are copied as they are; burned-in subtitles were drawn when each scene was
    # rendered, the soft ones are a track of their own.
    args = [*media.FFMPEG, "-i", str(video), "-i", str(sound), "-f", "ffmetadata", "-i", "chapters.txt"]
    args += ["-i", "film.srt"] if cues else []
    args += ["-map", "0:v", "-map", "1:a", "-map_metadata", "2", "-map_chapters", "2"]
    args += ["-map", "3:s", "-c:s", "mov_text", "-metadata:s:s:0", "language=eng"] if cues else []
    args += ["-c:v", "copy", "-c:a", "copy"]
    args += ["-metadata", f"title={script.get('title', '')}", "-movflags", "+faststart"]
    args += ["-t", f"{layout.duration:.3f}"]
    with fsutil.atomic_path(render / "final.mp4", ".mp4") as tmp:
        proc.run([*args, str(tmp)], cwd=render)


def _panels(job: Job, layout: timeline.Layout) -> list[contact_sheet.Panel]:
    panels = []
    for placement in layout.scenes:
        folder = job.project.scenes_dir / placement.name
        scene = scenes.read(folder / "scene.yaml").scene
        first = f"{scene.dialogue[0].character}: {scene.dialogue[0].text}" if scene.dialogue else ""
        panels.append(
            contact_sheet.Panel(
                folder / "image.png",
                scene.number,
                scene.heading,
                first or (scene.action[0] if scene.action else ""),
            )
        )
    return panels


def _side_by_side(*jobs: Callable[[], Any], workers: int = 0) -> list[Any]:
    """Run the callables in threads, `workers` at a time (all at once by default), with this task's
    context (its project, its log fields); their results in order."""
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=workers or len(jobs)) as pool:
        futures = [pool.submit(contextvars.copy_context().run, job) for job in jobs]
        return [f.result() for f in futures]


# -- picture --------------------------------------------------------------------------------------


def _video(job: Job, layout: timeline.Layout, script: dict[str, Any]) -> Path:
    """The film's picture, joined from pieces without re-encoding them."""
    render = job.project.render_dir
    pieces_dir = render / "pieces"
    pieces_dir.mkdir(exist_ok=True)
    title_body, title_tail = _title_card(job, layout, script, pieces_dir)
    # Each transition blends the tail before it into the head after it; they are encoded two at a
    # time (x264 on a short piece leaves much of a core idle while FFmpeg decodes and starts up).
    blends: list[Callable[[], Path]] = []
    order: list[Path | int] = [title_body]
    previous_tail = title_tail
    for placement in layout.scenes:
        folder = job.project.scenes_dir / placement.name
        if placement.into.seconds:
            order.append(len(blends))
            blends.append(
                functools.partial(
                    _transition, job, previous_tail, folder / "head.mp4", placement.into, pieces_dir
                )
            )
        order.append(folder / "segment.mp4")
        previous_tail = folder / "tail.mp4"
    made = _side_by_side(*blends, workers=1)
    pieces = [made[p] if isinstance(p, int) else p for p in order]
    listing = "ffconcat version 1.0\n" + "".join(f"file '{_concat_quote(p)}'\n" for p in pieces)
    fsutil.write_text(render / "pieces.ffconcat", listing)
    out = render / "video.mp4"
    with fsutil.atomic_path(out, ".mp4") as tmp:
        proc.run(
            [
                *media.FFMPEG,
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(render / "pieces.ffconcat"),
                "-c",
                "copy",
                "-an",
                str(tmp),
            ]
        )
    _drop_unused(pieces_dir, {*pieces, title_tail})
    return out


def _concat_quote(path: Path) -> str:
    return str(path.resolve()).replace("'", "'\\''")


def _drop_unused(pieces_dir: Path, used: set[Path]) -> None:
    """Pieces of earlier versions of the film; they are ours, made here, and would only pile up."""
    for piece in pieces_dir.glob("*.mp4"):
        if piece not in used:
            piece.unlink()


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _transition(job: Job, tail: Path, head: Path, handover: timeline.Handover, pieces_dir: Path) -> Path:
    """The tail of one scene blended into the head of the next: decoded, mixed frame by frame as the
    renderer mixes its fades (I420, no conversion), encoded with the film's settings."""
    v = job.settings.video
    out = pieces_dir / f"x-{_key(file_digest(tail), file_digest(head), handover, v)}.mp4"
    if out.exists():
        return out
    count = round(handover.seconds * v.fps)
    with contextlib.ExitStack() as stack:
        outgoing = stack.enter_context(proc.popen_stdout(_decoder(tail, count)))
        incoming = stack.enter_context(proc.popen_stdout(_decoder(head, count)))

        def frames() -> Iterator[np.ndarray]:
            a, b = camera.Canvas(v.width, v.height), camera.Canvas(v.width, v.height)
            for k in range(count):
                _read_frame(outgoing, a, tail)
                _read_frame(incoming, b, head)
                into = (k + 0.5) / count  # how far into the next scene
                if handover.kind == "fade":  # through black: out of the one, then into the other
                    (a if into < 0.5 else b).fade(abs(1 - 2 * into))
                    yield (a if into < 0.5 else b).data
                else:
                    yield cv2.addWeighted(a.data, 1 - into, b.data, into, 0, dst=a.data)

        encode([(out, count)], frames(), job.settings)
    return out


def _decoder(piece: Path, count: int) -> list[str]:
    return [
        *media.FFMPEG,
        "-threads",
        "1",  # a few frames: one thread decodes them as fast, in a third of the memory
        "-i",
        str(piece),
        "-frames:v",
        str(count),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-",
    ]


def _read_frame(decoder: subprocess.Popen[bytes], canvas: camera.Canvas, piece: Path) -> None:
    assert decoder.stdout is not None
    data = decoder.stdout.read(canvas.data.size)  # a pipe: read() waits for all of it, or the end
    if len(data) != canvas.data.size:
        raise StageError(f"{piece} is shorter than its transition")
    canvas.data[:] = np.frombuffer(data, dtype=np.uint8).reshape(canvas.data.shape)


def _title_card(
    job: Job, layout: timeline.Layout, script: dict[str, Any], pieces_dir: Path
) -> tuple[Path, Path]:
    v = job.settings.video
    page = script.get("title_page", {})
    lines = _title_lines(script.get("title", ""), page)
    key = _key(lines, v, layout.title.out)
    body, tail = pieces_dir / f"title-{key}.mp4", pieces_dir / f"title-{key}-tail.mp4"
    if body.exists() and (tail.exists() or not layout.title.out.seconds):
        return body, tail
    image = title_image(lines, v.width, v.height)
    total = camera.frame_count(layout.title.duration, v.fps)
    tail_frames = round(layout.title.out.seconds * v.fps)
    move = camera.plan("push in")
    move = camera.Move(move.start, camera.Pose(1.04, 0, 0), 1.0)
    stream = camera.frames(
        camera.Layers.still(image), move, (v.width, v.height), total, fade_in=round(0.8 * v.fps)
    )
    encode([(body, total - tail_frames), (tail, tail_frames)], iter(stream), job.settings)
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


# -- subtitles and chapters ------------------------------------------------------------------------


def _subtitle_cues(job: Job, layout: timeline.Layout) -> list[subtitles.Cue]:
    out = []
    for placement in layout.scenes:
        cues = fsutil.read_json(job.project.scenes_dir / placement.name / "voice" / "cues.json")["cues"]
        out += subtitles.from_voice(cues, placement.start)
    return out


def _ffmeta_escape(text: str) -> str:
    return re.sub(r"([=;#\\\n])", r"\\\1", text)


def _chapters(layout: timeline.Layout, title: str) -> str:
    marks = [(0.0, title or "Title")] + [(p.start, p.heading or p.name) for p in layout.scenes]
    ends = [m[0] for m in marks[1:]] + [layout.duration]
    out = [";FFMETADATA1", f"title={_ffmeta_escape(title)}"]
    for (start, name), end in zip(marks, ends, strict=True):
        out += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={int(start * 1000)}",
            f"END={int(end * 1000)}",
            f"title={_ffmeta_escape(name)}",
        ]
    return "\n".join(out) + "\n"
