"""Settings: validated once, at the edge, then frozen and typed.

Layers, lowest first: the defaults below (also written out, commented, in config/scriptvid.yaml),
the config file, `SCRIPTVID_*` environment variables, the project sidecar, the scene sidecar.
Every layer is checked against the dataclasses here when it is read; an error names the file, the
key and what is allowed. Code receives `Settings`, never a raw dict.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, InputError

MAX_YAML_BYTES = 1_000_000


def _opt(default: Any, help: str, **rules: Any) -> Any:
    """A setting with its default, a one-line help and optional rules (min, max, choices)."""
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"help": help, **rules})
    return field(default=default, metadata={"help": help, **rules})


@dataclass(frozen=True)
class VideoSettings:
    width: int = _opt(1920, "frame width in pixels (even)", min=160, max=7680, even=True)
    height: int = _opt(1080, "frame height in pixels (even)", min=90, max=4320, even=True)
    fps: int = _opt(30, "frames per second", min=1, max=120)
    crf: int = _opt(20, "x264 quality, lower is better", min=0, max=51)
    preset: str = _opt(
        "veryfast",
        "x264 speed preset",
        choices=("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"),
    )


@dataclass(frozen=True)
class AudioSettings:
    sample_rate: int = _opt(48000, "sample rate of the mix", choices=(44100, 48000))
    loudness: float = _opt(-16.0, "integrated loudness target in LUFS", min=-40.0, max=-6.0)
    true_peak: float = _opt(-1.0, "true peak ceiling in dBTP", min=-9.0, max=0.0)
    aac_coder: str = _opt(
        "fast",
        "FFmpeg's AAC coder at 192 kb/s: fast (a third of the time; measured closer to the mix overall)"
        " or twoloop (FFmpeg's default; finer above 10 kHz)",
        choices=("fast", "twoloop"),
    )


@dataclass(frozen=True)
class TimingSettings:
    line_pause: float = _opt(0.35, "silence between two dialogue lines, seconds", min=0.0, max=5.0)
    scene_lead: float = _opt(0.6, "silence before a scene's first line, seconds", min=0.0, max=10.0)
    scene_tail: float = _opt(0.8, "silence after a scene's last line, seconds", min=0.0, max=10.0)
    reading_wpm: int = _opt(170, "words per minute for scenes without dialogue", min=40, max=600)
    min_scene: float = _opt(2.5, "shortest scene, seconds", min=0.5, max=60.0)
    max_scene: float = _opt(12.0, "longest scene without dialogue, seconds", min=1.0, max=600.0)


@dataclass(frozen=True)
class TransitionSettings:
    default: str = _opt(
        "dissolve", "transition where the script names none", choices=("cut", "dissolve", "fade")
    )
    duration: float = _opt(0.6, "length of a dissolve or fade, seconds", min=0.1, max=3.0)


@dataclass(frozen=True)
class MusicSettings:
    enabled: bool = _opt(True, "compose and mix a score")
    mood: str = _opt(
        "auto",
        "mood of the score; auto guesses it from the script",
        choices=("auto", "calm", "warm", "tense", "sad", "upbeat", "mysterious", "epic", "playful"),
    )
    level: float = _opt(-20.0, "score level under the dialogue, dB relative to speech", min=-60.0, max=0.0)
    refit: float = _opt(
        2.0,
        "an edit that moves scene boundaries by at most this many seconds keeps the score, fitted to"
        " the new length, rather than composing a new one; 0 composes anew on every change",
        min=0.0,
        max=30.0,
    )


@dataclass(frozen=True)
class SubtitleSettings:
    burn_in: bool = _opt(False, "draw the subtitles into the picture as well as writing the .srt")


@dataclass(frozen=True)
class VoiceSettings:
    narrate_action: bool = _opt(False, "have the narrator read action lines aloud")
    length_scale: float = _opt(1.0, "speaking pace for every voice; above 1 is slower", min=0.5, max=2.0)


@dataclass(frozen=True)
class BackendSettings:
    """Which backend each stage uses; the names are checked against the registries at start-up."""

    parse: str = _opt("text", "script parser")
    image: str = _opt("storyboard", "still picture per scene")
    animate: str = _opt("camera", "still to clip")
    voice: str = _opt("piper", "text to speech")
    lipsync: str = _opt("mouths", "mouths that follow the voice")
    music: str = _opt("fluidsynth", "the score")


@dataclass(frozen=True)
class LimitSettings:
    max_scenes: int = _opt(500, "refuse scripts with more scenes", min=1, max=100_000)
    max_script_mb: float = _opt(10.0, "refuse scripts larger than this, megabytes", min=0.01, max=1000.0)
    max_line_chars: int = _opt(2000, "refuse scripts with a longer dialogue line", min=40, max=100_000)


@dataclass(frozen=True)
class WatchSettings:
    stable_seconds: float = _opt(1.0, "a file must keep its size and mtime this long", min=0.0, max=600.0)
    poll: bool = _opt(False, "poll the inbox instead of using inotify (network filesystems)")
    poll_interval: float = _opt(1.0, "seconds between polls", min=0.1, max=60.0)
    orphan_seconds: float = _opt(
        60.0, "a sidecar whose script has not come after this long is reported", min=1.0, max=86400.0
    )


@dataclass(frozen=True)
class DaemonSettings:
    workers: int = _opt(2, "worker threads running stages", min=1, max=64)
    retries: int = _opt(3, "tries after the first for a transient failure", min=0, max=20)


@dataclass(frozen=True)
class Settings:
    seed: int = _opt(0, "base seed; a scene's seed is derived from it and the scene number", min=0)
    video: VideoSettings = field(default_factory=VideoSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    timing: TimingSettings = field(default_factory=TimingSettings)
    transitions: TransitionSettings = field(default_factory=TransitionSettings)
    music: MusicSettings = field(default_factory=MusicSettings)
    subtitles: SubtitleSettings = field(default_factory=SubtitleSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    # Per character, upper-case name -> look and voice; free-form mappings checked by the
    # image and voice backends ({"colour": "#aa3344", "voice": {"length_scale": 1.1}}).
    characters: dict[str, dict[str, Any]] = _opt({}, "per-character look and voice")
    backends: BackendSettings = field(default_factory=BackendSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)


# Sections that belong to the service, not to a film: a project sidecar may not set them.
DAEMON_SECTIONS = ("watch", "daemon")


# ---------------------------------------------------------------------------------------------
# Reading YAML safely


class _NoAliasLoader(yaml.SafeLoader):
    """Sidecars never need anchors; refusing aliases makes an alias bomb a one-line error."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed in scriptvid files", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml(path: Path, *, error: type[ConfigError] | type[InputError] = InputError) -> dict[str, Any]:
    """A YAML file that must hold a mapping (or nothing). Errors name the file and the line."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise error(f"is {size} bytes; settings files are limited to {MAX_YAML_BYTES}", file=str(path))
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"is not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise error(f"cannot be read: {exc.strerror}", file=str(path)) from None
    return parse_yaml(text, str(path), error=error)


def parse_yaml(
    text: str, name: str, *, error: type[ConfigError] | type[InputError] = InputError
) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise error(f"is not valid YAML: {where}{exc.problem or exc.context}", file=name) from None
    except yaml.YAMLError as exc:
        raise error(f"is not valid YAML: {exc}", file=name) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"must hold a mapping of settings, not a {type(data).__name__}", file=name)
    return data


# ---------------------------------------------------------------------------------------------
# Validation


def _describe(f: dataclasses.Field[Any], tp: Any) -> str:
    meta = f.metadata
    if "choices" in meta:
        return "one of " + ", ".join(str(c) for c in meta["choices"])
    kind = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(tp, "a mapping")
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        kind += f" from {lo} to {hi}"
    elif lo is not None:
        kind += f" of at least {lo}"
    return kind


def _check_value(f: dataclasses.Field[Any], tp: Any, value: Any, key: str, file: str, error: type) -> Any:
    allowed = _describe(f, tp)
    raw = value  # as the person wrote it, for the message
    ok: bool
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok:
            value = float(value)
            ok = value == value and abs(value) != float("inf")  # NaN and inf are not settings
    elif tp is str:
        ok = isinstance(value, str)
    else:  # dict[str, dict[str, Any]]
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, dict) for k, v in value.items()
        )
        if ok:
            value = {k.upper(): v for k, v in value.items()}
    if not ok:
        raise error(f"{raw!r} is not allowed; expected {allowed}", file=file, key=key)
    meta = f.metadata
    if "choices" in meta and value not in meta["choices"]:
        raise error(f"{raw!r} is not allowed; expected {allowed}", file=file, key=key)
    if ("min" in meta and value < meta["min"]) or ("max" in meta and value > meta["max"]):
        raise error(f"{raw!r} is out of range; expected {allowed}", file=file, key=key)
    if meta.get("even") and value % 2:
        raise error(f"{raw!r} must be even (H.264 needs even frame sizes)", file=file, key=key)
    return value


def _check_mapping(cls: type, data: Mapping[str, Any], prefix: str, file: str, error: type) -> None:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in fields:
            raise error(f"unknown setting; allowed here: {', '.join(fields)}", file=file, key=dotted)
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                raise error(
                    f"must be a mapping of {', '.join(f.name for f in dataclasses.fields(tp))}",
                    file=file,
                    key=dotted,
                )
            _check_mapping(typing.cast(type, tp), value, dotted + ".", file, error)
        else:
            origin = typing.get_origin(tp) or tp
            _check_value(fields[key], origin if origin is not dict else dict, value, dotted, file, error)


def validate(data: Mapping[str, Any], file: str, *, error: type = ConfigError) -> None:
    """Check one layer of settings; raise `error` naming the file, the key and what is allowed."""
    _check_mapping(Settings, data, "", file, error)


def _build(cls: type, data: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        tp = hints[f.name]
        value = data[f.name]
        if dataclasses.is_dataclass(tp):
            kwargs[f.name] = _build(typing.cast(type, tp), value)
        elif tp is float:
            kwargs[f.name] = float(value)
        elif typing.get_origin(tp) is dict:
            kwargs[f.name] = {k.upper(): v for k, v in value.items()}
        else:
            kwargs[f.name] = value
    return cls(**kwargs)


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge of two layers: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def build(layers: Sequence[tuple[str, Mapping[str, Any]]]) -> Settings:
    """Validate each (name, data) layer, merge them in order over the defaults, and freeze."""
    merged: dict[str, Any] = {}
    for _, data in layers:
        merged = merge(merged, data)
    return typing.cast(Settings, _build(Settings, merged))


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
    """A project sidecar or project.yaml: film settings only, checked as input (not config)."""
    film_sections = [f.name for f in dataclasses.fields(Settings) if f.name not in DAEMON_SECTIONS]
    for key in data:
        if key in DAEMON_SECTIONS:
            raise InputError(
                f"{key!r} is a daemon setting; set it in config/scriptvid.yaml instead", file=file, key=key
            )
        if key not in film_sections:
            raise InputError(f"unknown setting; allowed here: {', '.join(film_sections)}", file=file, key=key)
    validate(data, file, error=InputError)
    return dict(data)


def film_settings_dict(settings: Settings) -> dict[str, Any]:
    """The settings a project.yaml records: everything but the daemon's own sections."""
    data = dataclasses.asdict(settings)
    for section in DAEMON_SECTIONS:
        data.pop(section)
    return data
