"""assemble: the title card, the scenes in order with the transitions into them, the sound of `mix`,
subtitles, chapters; and the contact sheet.

Nothing is encoded here: every picture was made by the step before (title, animate, transition), so
the pieces are joined as they are with FFmpeg's concat demuxer and the sound is muxed beside them.
A scene that did not change is never encoded again.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .. import contact_sheet, fsutil, media, proc, scenes, subtitles, timeline
from ..fsutil import file_digest
from ..runner import Job

NAME = "assemble"


def inputs(job: Job) -> dict[str, Any]:
    names = timeline.scene_names(job.project)
    return {
        "version": "2",
        "scenes": {
            n: [
                job.fingerprint_of("animate", n),
                job.fingerprint_of("transition", n),
                job.fingerprint_of("voice", n),
            ]
            for n in names
        },
        "title": job.fingerprint_of("title", None),
        "sound": job.fingerprint_of("mix", None),
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

    sound = job.project.sound_file  # made while the scenes were animated
    look = subtitles.Look.of(job.settings)
    cues = _subtitle_cues(job, layout, look)
    fsutil.write_text(render / "film.srt", subtitles.srt(cues))
    # The soft track is made from the same cues with the film's subtitle style (see subtitles.ass).
    fsutil.write_text(render / "film.ass", subtitles.ass(cues, look))
    fsutil.write_text(render / "chapters.txt", _chapters(layout, script.get("title", "")))
    _list_pieces(job, layout)
    # The film and the contact sheet need nothing of each other: while one waits on FFmpeg the other
    # uses the second core, which the scenes no longer need.
    _side_by_side(
        lambda: _join(job, layout, sound, bool(cues), script.get("title", "")),
        lambda: contact_sheet.render(
            _panels(job, layout), script.get("title", ""), job.project.storyboard, render / "thumbnails"
        ),
    )


def _join(job: Job, layout: timeline.Layout, sound: Path, subtitled: bool, title: str) -> None:
    """The pieces of the picture joined as they are, with the sound, the chapters and the subtitles,
    in one pass: burned-in subtitles were drawn when each scene was rendered, the soft ones are a
    track of their own."""
    render = job.project.render_dir
    args = [*media.FFMPEG, *("-f", "concat", "-safe", "0", "-i", "pieces.ffconcat")]
    args += ["-i", str(sound), "-f", "ffmetadata", "-i", "chapters.txt"]
    args += ["-i", "film.ass"] if subtitled else []
    args += ["-map", "0:v", "-map", "1:a", "-map_metadata", "2", "-map_chapters", "2"]
    args += ["-map", "3:s", "-c:s", "mov_text", "-metadata:s:s:0", "language=eng"] if subtitled else []
    args += ["-c:v", "copy", "-c:a", "copy"]
    args += ["-metadata", f"title={title}", "-movflags", "+faststart"]
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


def _side_by_side(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the callables in threads, with this task's context (its project, its log fields)."""
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(contextvars.copy_context().run, job) for job in jobs]
        return [f.result() for f in futures]


# -- picture --------------------------------------------------------------------------------------


def _list_pieces(job: Job, layout: timeline.Layout) -> None:
    """The film's picture as FFmpeg's concat demuxer reads it: the title card, then each scene's
    blend into it and its body's pieces, joined without encoding them again."""
    order: list[Path] = [job.project.title_card]
    for placement in layout.scenes:
        if placement.into.seconds:
            order.append(job.project.into_file(placement.name))
        order += timeline.body(job.project.scenes_dir / placement.name)
    listing = "ffconcat version 1.0\n" + "".join(f"file '{media.concat_quote(p)}'\n" for p in order)
    fsutil.write_text(job.project.render_dir / "pieces.ffconcat", listing)


# -- subtitles and chapters ------------------------------------------------------------------------


def _subtitle_cues(job: Job, layout: timeline.Layout, look: subtitles.Look) -> list[subtitles.Cue]:
    out = []
    for placement in layout.scenes:
        cues = fsutil.read_json(job.project.scenes_dir / placement.name / "voice" / "cues.json")["cues"]
        out += subtitles.from_voice(cues, look, placement.start)
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
