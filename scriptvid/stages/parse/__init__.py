"""parse: the script becomes scenes, one scene.yaml each, with an image and a motion prompt.

The default backend (`text`, text.py) reads Fountain 1.1 and the loose formats people write (video
scripts with [NARRATOR]: labels, `NAME: line` dialogue, Markdown headings, stage plays). The stage
returns the scenes' folders in order, which the ledger makes the scene steps of.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ... import backends, fsutil, log, scenes, tree
from ...errors import InputError
from ...model import Script
from ...project import scene_dir_name
from ...runner import Job
from .prompts import image_prompt, motion_prompt

NAME = "parse"


def scene_seed(base: int, number: int) -> int:
    digest = hashlib.sha256(f"{base}:{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _check_line_lengths(script: Script, file: str, limit: int) -> None:
    for scene in script.scenes:
        for line in scene.dialogue:
            if len(line.text) > limit:
                raise InputError(
                    f"scene {scene.number} ({scene.heading}): a line of {line.character} is {len(line.text)} "
                    f"characters long, more than the limit of {limit} (setting limits.max_line_chars)",
                    file=file,
                )


def inputs(job: Job) -> dict[str, Any]:
    return {
        **backends.identity(NAME, job.settings),
        "script": _script_digest(job),
        "limits": [
            job.settings.limits.max_scenes,
            job.settings.limits.max_script_mb,
            job.settings.limits.max_line_chars,
        ],
        "seed": job.settings.seed,
    }


def _script_digest(job: Job) -> str:
    """What the script says (read link-safely, and no further than the size limit allows)."""
    limit = int(job.settings.limits.max_script_mb * 1_000_000)
    return hashlib.sha256(job.project.read(job.project.script_file, limit=limit)).hexdigest()[:24]


def outputs(job: Job) -> list[Path]:
    return [job.project.path / "script.json"]


def run(job: Job) -> dict[str, Any]:
    source = job.project.script_file
    limit = job.settings.limits.max_script_mb
    data = job.project.read(source, limit=int(limit * 1_000_000))
    if len(data) > limit * 1_000_000:
        size = source.lstat().st_size
        raise InputError(
            f"is {size / 1e6:.1f} MB; scripts are limited to {limit:g} MB (setting limits.max_script_mb)",
            file=source.name,
        )
    with backends.use(NAME, job.settings) as backend:
        script = backend.parse(data, source.name, job.settings.limits.max_scenes)
    _check_line_lengths(script, source.name, job.settings.limits.max_line_chars)
    names, contents, kept = [], {}, []
    for scene in script.scenes:
        folder = job.project.scenes_dir / scene_dir_name(scene.number, scene.heading)
        written = script.prompts.get(scene.number)  # by the parser (an LLM), else from the scene
        spec = scenes.SceneSpec(
            scene=scene,
            image_prompt=written[0] if written else image_prompt(scene, script.title),
            motion_prompt=written[1] if written else motion_prompt(scene),
            seed=scene_seed(job.settings.seed, scene.number),
        )
        target = folder / "scene.yaml"
        tree.check_folder(job.root.path, folder)
        # A scene.yaml a person has edited is theirs: a new parse never overwrites it.
        if tree.lexists(target) and not job.project.written_by_us(target):
            kept.append(str(target.relative_to(job.project.path)))
        else:
            contents[target] = scenes.to_yaml(spec)
        names.append(folder.name)
    job.project.note_written(contents)
    for target, data in contents.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        fsutil.write_bytes(target, data)
    if kept:
        log.get().warning("kept scene.yaml files edited by hand", files=kept)
    fsutil.write_json(
        job.project.path / "script.json",
        {
            "title": script.title,
            "title_page": script.title_page,
            "format": script.format,
            "scenes": names,
            # Film-wide order of appearance: the voice cast is assigned in this order.
            "characters": list(dict.fromkeys(c for s in script.scenes for c in s.characters)),
        },
    )

    log.get().info("script parsed", format=script.format, scenes=len(names), title=script.title)
    return {"title": script.title, "scenes": names, "notes": list(script.notes)}
