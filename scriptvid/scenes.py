"""scene.yaml: one scene as a person reads and edits it, and as every stage after parse sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fsutil
from .errors import InputError
from .model import Line, Scene
from .settings import load_yaml, validate

SCENE_HEADER = """\
# One scene of the film. Edit and save: scriptvid redoes what the change affects.
#   dialogue        the lines, in order; a line's voice follows its character
#   image_prompt    what the picture shows; motion_prompt: static, push in, pull out, pan left,
#                   pan right, tilt up, tilt down, parallax
#   seed            another number gives another picture
#   duration        seconds; null times the scene from its dialogue
#   transition      out of this scene: "CUT TO:", "DISSOLVE TO:", "FADE OUT." or "" for the default
#   settings        any film setting (see project.yaml), for this scene only
"""

_CONTENT_KEYS = {
    "number": int,
    "heading": str,
    "location": str,
    "time_of_day": str,
    "interior": str,
    "action": list,
    "characters": list,
    "dialogue": list,
    "transition": str,
    "scene_number": str,
    "synopsis": str,
    "section": str,
}
_KNOB_KEYS = {
    "image_prompt": str,
    "motion_prompt": str,
    "seed": int,
    "duration": (int, float),
    "settings": dict,
}
_LINE_KEYS = {"character": str, "text": str, "parenthetical": str, "extension": str, "dual": bool}


@dataclass(frozen=True)
class SceneSpec:
    """A scene with the knobs a person can turn in its scene.yaml."""

    scene: Scene
    image_prompt: str
    motion_prompt: str
    seed: int
    duration: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def to_yaml_dict(self) -> dict[str, Any]:
        data = self.scene.to_dict()
        data.update(
            image_prompt=self.image_prompt,
            motion_prompt=self.motion_prompt,
            seed=self.seed,
            duration=self.duration,
            settings=self.settings,
        )
        return data


def to_yaml(spec: SceneSpec) -> bytes:
    return fsutil.yaml_text(spec.to_yaml_dict(), header=SCENE_HEADER).encode("utf-8")


def _typed(data: dict[str, Any], key: str, types: Any, file: str, default: Any) -> Any:
    value = data.get(key, default)
    if value is None:
        return default
    if (isinstance(value, bool) and types is not bool) or not isinstance(value, types):
        expected = types.__name__ if isinstance(types, type) else "a number"
        raise InputError(f"must be {expected}, not {type(value).__name__}", file=file, key=key)
    return value


def read(path: Path, base: Path | None = None) -> SceneSpec:
    """Read and check a scene.yaml; errors name the file and the key. `base`: see `load_yaml`."""
    file = str(path)
    data = load_yaml(path, base=base)
    unknown = set(data) - set(_CONTENT_KEYS) - set(_KNOB_KEYS)
    if unknown:
        allowed = ", ".join([*_CONTENT_KEYS, *_KNOB_KEYS])
        raise InputError(f"unknown key; allowed: {allowed}", file=file, key=sorted(unknown)[0])
    lines = []
    for i, raw in enumerate(_typed(data, "dialogue", list, file, [])):
        key = f"dialogue[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("character"), str) or "text" not in raw:
            raise InputError("each line needs a character and a text", file=file, key=key)
        for k, v in raw.items():
            if k not in _LINE_KEYS:
                raise InputError(
                    f"unknown key; allowed: {', '.join(_LINE_KEYS)}", file=file, key=f"{key}.{k}"
                )
            if not isinstance(v, _LINE_KEYS[k]):
                if k == "text" and isinstance(v, int | float):  # `text: 42` is still something to say
                    raw = {**raw, "text": str(v)}
                    continue
                raise InputError(f"must be {_LINE_KEYS[k].__name__}", file=file, key=f"{key}.{k}")
        lines.append(
            Line(
                character=raw["character"].strip().upper(),
                text=str(raw["text"]).strip(),
                parenthetical=raw.get("parenthetical", ""),
                extension=raw.get("extension", ""),
                dual=raw.get("dual", False),
            )
        )
    for key in ("action", "characters"):
        for i, item in enumerate(_typed(data, key, list, file, [])):
            if not isinstance(item, str):
                raise InputError("must be a list of text", file=file, key=f"{key}[{i}]")
    duration = _typed(data, "duration", (int, float), file, None)
    if duration is not None and not 0.5 <= duration <= 600:
        raise InputError(
            f"{duration!r} is out of range; expected seconds from 0.5 to 600", file=file, key="duration"
        )
    seed = _typed(data, "seed", int, file, 0)
    if seed < 0:
        raise InputError(
            f"{seed} is out of range; expected a whole number of at least 0", file=file, key="seed"
        )
    overrides = _typed(data, "settings", dict, file, {})
    validate(overrides, f"{file} (settings)", error=InputError)
    characters = [c.strip().upper() for c in _typed(data, "characters", list, file, [])]
    for line in lines:  # a speaker added by hand is in the scene
        if line.character not in characters:
            characters.append(line.character)
    scene = Scene(
        number=_typed(data, "number", int, file, 0),
        heading=_typed(data, "heading", str, file, ""),
        location=_typed(data, "location", str, file, ""),
        time_of_day=_typed(data, "time_of_day", str, file, ""),
        interior=_typed(data, "interior", str, file, ""),
        action=tuple(_typed(data, "action", list, file, [])),
        characters=tuple(characters),
        dialogue=tuple(lines),
        transition=_typed(data, "transition", str, file, ""),
        scene_number=str(data.get("scene_number") or ""),
        synopsis=_typed(data, "synopsis", str, file, ""),
        section=_typed(data, "section", str, file, ""),
    )
    return SceneSpec(
        scene=scene,
        image_prompt=_typed(data, "image_prompt", str, file, ""),
        motion_prompt=_typed(data, "motion_prompt", str, file, "static"),
        seed=seed,
        duration=float(duration) if duration is not None else None,
        settings=overrides,
    )


def transition_kind(written: str, default: str) -> str:
    """The transition as the assembler knows it: cut, dissolve or fade (through black)."""
    text = written.upper()
    if "DISSOLVE" in text or "MIX" in text:
        return "dissolve"
    if "FADE" in text or "BLACK" in text:
        return "fade"
    if "CUT" in text:
        return "cut"
    return default
