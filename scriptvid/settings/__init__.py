"""Settings: validated once, at the edge, then frozen and typed.

Layers, lowest first: the defaults below (also written out, commented, in config/scriptvid.yaml),
the config file, `SCRIPTVID_*` environment variables, the project sidecar, the scene sidecar.
Every layer is checked against the dataclasses here when it is read; an error names the file, the
key and what is allowed. Code receives `Settings`, never a raw dict.

schema.py says how a setting is declared and checked; sections.py holds the film's, the characters'
and the service's sections; backend_sections.py each backend's own.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, InputError
from .backend_sections import (
    CameraSettings,
    DiffusersAnimateSettings,
    DiffusersImageSettings,
    FluidSynthSettings,
    MouthsSettings,
    MuseTalkSettings,
    PiperSettings,
    StoryboardSettings,
    TextSettings,
)
from .schema import (
    build_section,
    check_mapping,
    load_yaml,
    merge,
    merge_layers,
    option,
    parse_yaml,
    section,
    service_keys,
    without_service_keys,
)
from .sections import (
    AudioSettings,
    BackendSettings,
    CharacterSettings,
    CharacterVoice,
    DaemonSettings,
    LedgerSettings,
    LimitSettings,
    MusicSettings,
    SubtitleSettings,
    TimingSettings,
    TransitionSettings,
    VideoSettings,
    VoiceSettings,
    WatchSettings,
)

__all__ = [
    "AudioSettings",
    "BackendSettings",
    "CameraSettings",
    "CharacterSettings",
    "CharacterVoice",
    "DaemonSettings",
    "DiffusersAnimateSettings",
    "DiffusersImageSettings",
    "FluidSynthSettings",
    "LedgerSettings",
    "LimitSettings",
    "MouthsSettings",
    "MuseTalkSettings",
    "MusicSettings",
    "PiperSettings",
    "Settings",
    "StoryboardSettings",
    "SubtitleSettings",
    "TextSettings",
    "TimingSettings",
    "TransitionSettings",
    "VideoSettings",
    "VoiceSettings",
    "WatchSettings",
    "build",
    "env_layer",
    "film_settings_dict",
    "load_yaml",
    "merge",
    "parse_yaml",
    "project_layer",
    "service_layers",
    "validate",
]


@dataclass(frozen=True)
class Settings:
    seed: int = option(0, "base seed; a scene's seed is derived from it and the scene number", min=0)
    video: VideoSettings = section(VideoSettings, "the picture")
    audio: AudioSettings = section(AudioSettings, "the sound")
    timing: TimingSettings = section(TimingSettings, "how long scenes and pauses last")
    transitions: TransitionSettings = section(TransitionSettings, "between scenes")
    music: MusicSettings = section(MusicSettings, "the score")
    subtitles: SubtitleSettings = section(SubtitleSettings, "subtitles")
    voice: VoiceSettings = section(VoiceSettings, "every voice")
    # Per character (upper-case name): how they look and sound, the same in every scene.
    characters: dict[str, CharacterSettings] = option({}, "per character, how they look and sound")
    backends: BackendSettings = section(BackendSettings, "which backend each stage uses")
    text: TextSettings = section(TextSettings, "the text parser")
    storyboard: StoryboardSettings = section(StoryboardSettings, "the drawn storyboard frames")
    diffusers_image: DiffusersImageSettings = section(
        DiffusersImageSettings, "pictures made by a diffusion model"
    )
    camera: CameraSettings = section(CameraSettings, "the drawn camera")
    diffusers_animate: DiffusersAnimateSettings = section(
        DiffusersAnimateSettings, "clips made by an image-to-video model"
    )
    piper: PiperSettings = section(PiperSettings, "the Piper voice")
    mouths: MouthsSettings = section(MouthsSettings, "the drawn mouths")
    musetalk: MuseTalkSettings = section(MuseTalkSettings, "lip sync on real frames")
    fluidsynth: FluidSynthSettings = section(FluidSynthSettings, "the composed score")
    limits: LimitSettings = section(LimitSettings, "what scripts are refused")
    watch: WatchSettings = section(WatchSettings, "the inbox watcher", service=True)
    daemon: DaemonSettings = section(DaemonSettings, "the daemon's workers", service=True)
    ledger: LedgerSettings = section(LedgerSettings, "the ledger of runs and steps", service=True)


def validate(data: Mapping[str, Any], file: str, *, error: type = ConfigError) -> None:
    """Check one layer of settings; raise `error` naming the file, the key and what is allowed."""
    check_mapping(Settings, data, "", file, error)


def _upper_names(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Character names in any case are one character (`Mara` in a sidecar is `MARA` of the config)."""
    chars = data.get("characters")
    if not isinstance(chars, dict):
        return data
    return {**data, "characters": {str(k).strip().upper(): v for k, v in chars.items()}}


def build(layers: Sequence[tuple[str, Mapping[str, Any]]]) -> Settings:
    """Merge validated (name, data) layers in order over the defaults, and freeze."""
    merged = merge_layers([(name, _upper_names(data)) for name, data in layers])
    return typing.cast(Settings, build_section(Settings, merged))


# ---------------------------------------------------------------------------------------------
# Where layers come from

ENV_PREFIX = "SCRIPTVID_"
# Environment variables that are not settings but say where things are.
ENV_NON_SETTINGS = {
    "SCRIPTVID_ROOT",
    "SCRIPTVID_CONFIG",
    "SCRIPTVID_LOG_FORMAT",
    "SCRIPTVID_LOG_LEVEL",
    "SCRIPTVID_TEST_DELAY",
}


def env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    """`SCRIPTVID_VIDEO__WIDTH=1280` sets video.width; values are read as YAML scalars."""
    data: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in ENV_NON_SETTINGS:
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return data


def default_config_path(root: Path) -> Path | None:
    """The first config file that exists: config/scriptvid.yaml beside the root, then /etc/scriptvid."""
    for candidate in (root / "config" / "scriptvid.yaml", Path("/etc/scriptvid/scriptvid.yaml")):
        if candidate.is_file():
            return candidate
    return None


def service_layers(
    root: Path, config: Path | None = None, environ: Mapping[str, str] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The layers below any project: the config file, then the environment. Validated here."""
    environ = os.environ if environ is None else environ
    layers: list[tuple[str, dict[str, Any]]] = []
    path = config or (Path(environ["SCRIPTVID_CONFIG"]) if environ.get("SCRIPTVID_CONFIG") else None)
    path = path or default_config_path(root)
    if path is not None:
        if not path.is_file():
            raise ConfigError("config file not found", file=str(path))
        data = load_yaml(path, error=ConfigError)
        validate(data, str(path))
        layers.append((str(path), data))
    env = env_layer(environ)
    if env:
        validate(env, "environment (SCRIPTVID_*)")
        layers.append(("environment", env))
    return layers


def project_layer(data: Mapping[str, Any], file: str) -> dict[str, Any]:
    """A project sidecar, project.yaml or a scene's `settings:`: film settings only, checked as
    input (not config). The machine's own settings (the watcher, the workers, the ledger, where
    models lie) are refused, naming the file to set them in."""
    validate(data, file, error=InputError)
    service = service_keys(Settings, data)
    if service:
        raise InputError(
            f"{service[0]!r} is a daemon setting, not a film's; set it in config/scriptvid.yaml instead",
            file=file,
            key=service[0],
        )
    return dict(data)


def film_settings_dict(settings: Settings) -> dict[str, Any]:
    """The settings a project.yaml records: everything but the machine's own."""
    return without_service_keys(Settings, dataclasses.asdict(settings))
