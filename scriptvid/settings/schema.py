"""How a setting is declared, checked and built: frozen dataclasses whose fields carry their default,
a one-line help and their rules; one layer of raw YAML is checked against them, layers are merged,
and the result is built into the dataclasses.

Rules a field may carry in its metadata: `min`, `max`, `choices`, `even` (H.264 frame sizes),
`pattern` (a regular expression the whole text must match), `lower` (compared and kept in lower
case), `service` (a setting of the machine, e.g. where a model lies: a film's sidecar may not set it).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

from .. import tree
from ..errors import ConfigError, InputError

MAX_YAML_BYTES = 1_000_000


def option(default: Any, help: str, **rules: Any) -> Any:
    """A setting with its default, a one-line help and optional rules (see the module's docstring)."""
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"help": help, **rules})
    return field(default=default, metadata={"help": help, **rules})


def section(cls: type, help: str, **rules: Any) -> Any:
    """A nested section of settings (a dataclass), with its help."""
    return field(default_factory=cls, metadata={"help": help, **rules})


# ---------------------------------------------------------------------------------------------
# Reading YAML safely


# libyaml's parser where PyYAML has it (ten times the speed of the pure-Python one: a run reads its
# settings and scene files hundreds of times).
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What was read, by file and version (inode, size, mtime): a run reads the same few files many times.
_read: dict[tuple[str, int, int, int], dict[str, Any]] = {}
_READ_KEPT = 1024


def load_yaml(
    path: Path,
    *,
    error: type[ConfigError] | type[InputError] = InputError,
    base: Path | None = None,
) -> dict[str, Any]:
    """A YAML file that must hold a mapping (or nothing). Errors name the file and the line.

    With `base` (the data folder), the file is one people can write to: it is read without following
    a link below `base` (see `tree.read_bytes`)."""
    try:
        st = os.lstat(path) if base is not None else path.stat()
        if st.st_size > MAX_YAML_BYTES:
            raise error(
                f"is {st.st_size} bytes; settings files are limited to {MAX_YAML_BYTES}", file=str(path)
            )
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
        if key in _read:
            return copy.deepcopy(_read[key])
        raw = tree.read_bytes(base, path, MAX_YAML_BYTES)
        if len(raw) > MAX_YAML_BYTES:
            raise error(f"is over {MAX_YAML_BYTES} bytes; settings files are limited to that", file=str(path))
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"is not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path)) from None
    except tree.Refused as exc:
        raise error(str(exc).removeprefix(f"{path}: "), file=str(path)) from None
    except OSError as exc:
        raise error(f"cannot be read: {exc.strerror}", file=str(path)) from None
    data = parse_yaml(text, str(path), error=error)
    if len(_read) >= _READ_KEPT:
        _read.clear()
    _read[key] = copy.deepcopy(data)
    return data


def parse_yaml(
    text: str, name: str, *, error: type[ConfigError] | type[InputError] = InputError
) -> dict[str, Any]:
    try:
        # Settings never need anchors; refusing aliases makes an alias bomb a one-line error.
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
                raise error(
                    f"is not valid YAML: {where}YAML aliases (*name) are not allowed in scriptvid files",
                    file=name,
                )
        data = yaml.load(text, Loader=_Loader)
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
# Types


def _optional(tp: Any) -> Any | None:
    """`X` for a hint `X | None`, else None."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(rest) == 1 and len(typing.get_args(tp)) == 2:
            return rest[0]
    return None


def _mapping_of(tp: Any) -> type | None:
    """The dataclass `C` for a hint `dict[str, C]`, else None."""
    if typing.get_origin(tp) is dict:
        value = typing.get_args(tp)[1]
        if dataclasses.is_dataclass(value):
            return typing.cast(type, value)
    return None


@functools.cache
def fields_of(cls: type) -> list[tuple[dataclasses.Field[Any], Any]]:
    """Each field of a settings dataclass with its resolved type (resolved once per class)."""
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls)]


# ---------------------------------------------------------------------------------------------
# Validation


def describe(f: dataclasses.Field[Any], tp: Any) -> str:
    """What a field allows, in words."""
    meta = f.metadata
    inner = _optional(tp)
    if "choices" in meta:
        return "one of " + ", ".join(str(c) or '""' for c in meta["choices"])
    kind = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(
        inner or tp, "a mapping"
    )
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        kind += f" from {lo} to {hi}"
    elif lo is not None:
        kind += f" of at least {lo}"
    if "pattern_help" in meta:
        kind += f" ({meta['pattern_help']})"
    if inner is not None:
        kind += ", or null"
    return kind


def _check_value(f: dataclasses.Field[Any], tp: Any, value: Any, key: str, file: str, error: type) -> Any:
    allowed = describe(f, tp)
    raw = value  # as the person wrote it, for the message
    inner = _optional(tp)
    if inner is not None:
        if value is None:
            return None
        tp = inner
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
    else:
        raise TypeError(f"setting {key} has a type the checker does not know: {tp}")
    if not ok:
        raise error(f"{raw!r} is not allowed; expected {allowed}", file=file, key=key)
    meta = f.metadata
    if meta.get("lower"):
        value = value.lower()
    if "choices" in meta and value not in meta["choices"]:
        raise error(f"{raw!r} is not allowed; expected {allowed}", file=file, key=key)
    if ("min" in meta and value < meta["min"]) or ("max" in meta and value > meta["max"]):
        raise error(f"{raw!r} is out of range; expected {allowed}", file=file, key=key)
    if meta.get("even") and value % 2:
        raise error(f"{raw!r} must be even (H.264 needs even frame sizes)", file=file, key=key)
    if "pattern" in meta and value and not re.fullmatch(meta["pattern"], value):
        raise error(f"{raw!r} is not allowed; expected {allowed}", file=file, key=key)
    return value


def check_mapping(cls: type, data: Mapping[str, Any], prefix: str, file: str, error: type) -> None:
    """Check one layer's mapping for the dataclass `cls`; raise `error` naming file, key and rule."""
    if not isinstance(data, Mapping):
        names = ", ".join(f.name for f in dataclasses.fields(cls))
        raise error(f"must be a mapping of {names}", file=file, key=prefix.rstrip("."))
    known = dict((f.name, (f, tp)) for f, tp in fields_of(cls))
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in known:
            raise error(f"unknown setting; allowed here: {', '.join(known)}", file=file, key=dotted)
        f, tp = known[key]
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                names = ", ".join(g.name for g in dataclasses.fields(tp))
                raise error(f"must be a mapping of {names}", file=file, key=dotted)
            check_mapping(typing.cast(type, tp), value, dotted + ".", file, error)
        elif (item := _mapping_of(tp)) is not None:
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise error(f"{value!r} is not allowed; expected a mapping of names", file=file, key=dotted)
            for name, entry in value.items():
                check_mapping(item, entry if entry is not None else {}, f"{dotted}.{name}.", file, error)
        else:
            _check_value(f, tp, value, dotted, file, error)


def service_keys(cls: type, data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The keys in one layer that belong to the machine, not to a film (rule `service`)."""
    out = []
    known = {f.name: (f, tp) for f, tp in fields_of(cls)}
    for key, value in data.items():
        if key not in known:
            continue
        f, tp = known[key]
        if f.metadata.get("service"):
            out.append(f"{prefix}{key}")
        elif dataclasses.is_dataclass(tp) and isinstance(value, dict):
            out += service_keys(typing.cast(type, tp), value, f"{prefix}{key}.")
    return out


def without_service_keys(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a full settings mapping (`dataclasses.asdict`) without the machine's own keys."""
    out = {}
    for f, tp in fields_of(cls):
        if f.metadata.get("service") or f.name not in data:
            continue
        value = data[f.name]
        out[f.name] = (
            without_service_keys(typing.cast(type, tp), value) if dataclasses.is_dataclass(tp) else value
        )
    return out


# ---------------------------------------------------------------------------------------------
# Building


def _value(tp: Any, value: Any, f: dataclasses.Field[Any]) -> Any:
    inner = _optional(tp)
    if inner is not None:
        return None if value is None else _value(inner, value, f)
    if dataclasses.is_dataclass(tp):
        return build_section(typing.cast(type, tp), value)
    if (item := _mapping_of(tp)) is not None:
        return {k.upper(): build_section(item, v or {}) for k, v in value.items()}
    if tp is float:
        return float(value)
    if tp is str and f.metadata.get("lower"):
        return value.lower()
    return value


def build_section(cls: type, data: Mapping[str, Any]) -> Any:
    kwargs = {f.name: _value(tp, data[f.name], f) for f, tp in fields_of(cls) if f.name in data}
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


def merge_layers(layers: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for _, data in layers:
        merged = merge(merged, data)
    return merged
