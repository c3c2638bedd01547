"""cast: a reference picture per character, once per film, so that a character is the same person in
every scene.

Only where the image backend draws from reference pictures (diffusers with an IP-Adapter); for the
others this step has nothing to make. Each character's picture is the one the sidecar names
(`characters.NAME.image`, a file beside the script, copied into source/ at intake), or else a
portrait the image backend makes from the character's description, with a seed of the character's
own (the film's seed and the name), so that it does not change when scenes change. Written to
`cast/<name>.png`; the image step hands each scene's characters' pictures to the backend.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zlib
from pathlib import Path
from typing import Any

from PIL import Image

from .. import backends, fsutil, tree
from ..errors import InputError
from ..project import CHARACTER_FILE_LIMIT, Project, slugify
from ..runner import Job
from ..settings import CharacterSettings, Settings

NAME = "cast"


def wanted(film: Settings) -> bool:
    """Whether the film's image backend draws from reference pictures."""
    cls, section = backends.configured("image", film)
    uses = getattr(cls, "uses_references", None)
    return bool(uses and uses(section))


def characters(project: Project) -> list[str]:
    return [str(c) for c in fsutil.read_json(project.path / "script.json", {}).get("characters", [])]


def reference(project: Project, name: str) -> Path:
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]  # two names of one slug stay two files
    return project.cast_dir / f"{slugify(name) or 'character'}-{digest}.png"


def look(film: Settings, name: str) -> CharacterSettings:
    return film.characters.get(name, CharacterSettings())


def seed_of(film: Settings, name: str) -> int:
    return (film.seed * 1_000_003 + zlib.crc32(name.encode())) % (1 << 31)


def _given(job: Job, name: str) -> bytes | None:
    chosen = look(job.film, name).image
    if not chosen:
        return None
    return character_file(job.project, chosen, f"characters.{name}.image", "picture")


def character_file(project: Project, chosen: str, key: str, what: str) -> bytes:
    """The content of a file a character's settings name (see `Project.character_file`), or an
    InputError naming the setting."""
    path = project.character_file(chosen)
    if not tree.lexists(path):
        where = "the project folder" if "/" in chosen else str(project.source_dir)
        raise InputError(
            f"{chosen} is not in {where}: put the {what} there"
            + ("" if "/" in chosen else " (or drop it beside the script with the script again)"),
            file=str(project.settings_file),
            key=key,
        )
    try:
        content = project.read(path, limit=CHARACTER_FILE_LIMIT)
    except (OSError, tree.Refused) as exc:
        raise InputError(
            f"{chosen} cannot be read: {exc}", file=str(project.settings_file), key=key
        ) from None
    if len(content) > CHARACTER_FILE_LIMIT:
        raise InputError(
            f"{chosen} is over {CHARACTER_FILE_LIMIT >> 20} MB", file=str(project.settings_file), key=key
        )
    return content


def inputs(job: Job) -> dict[str, Any]:
    if not wanted(job.film):
        return {"version": "1", "references": False}
    people = {}
    for name in characters(job.project):
        given = _given(job, name)
        people[name] = {
            "look": {k: v for k, v in dataclasses.asdict(look(job.film, name)).items() if k != "voice"},
            "given": hashlib.sha256(given).hexdigest()[:24] if given is not None else "",
            "seed": seed_of(job.film, name),
        }
    return {"version": "1", **backends.identity("image", job.film), "characters": people}


def outputs(job: Job) -> list[Path]:
    if not wanted(job.film):
        return []
    return [reference(job.project, name) for name in characters(job.project)]


def run(job: Job) -> None:
    if not wanted(job.film):
        return
    for name in characters(job.project):
        target = reference(job.project, name)
        given = _given(job, name)
        if given is not None:
            try:
                with Image.open(io.BytesIO(given)) as picture, fsutil.atomic_path(target, ".png") as tmp:
                    picture.convert("RGB").save(tmp, format="PNG")
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                raise InputError(
                    f"{look(job.film, name).image} is not a picture that can be read ({exc})",
                    file=str(job.project.sidecar_file or job.project.settings_file),
                    key=f"characters.{name}.image",
                ) from None
            continue
        with backends.use("image", job.film) as backend, fsutil.atomic_path(target, ".png") as tmp:
            backend.portrait(name, look(job.film, name), seed_of(job.film, name), tmp)
