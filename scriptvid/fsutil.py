"""Writing files so that no reader ever sees half of one, even across a power cut."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(dest: Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside `dest`; renamed over `dest` only when the block succeeds.

    The temporary name starts with a dot and ends in `.tmp` (plus `suffix`, so tools that go by
    the extension, like FFmpeg, still know the format), so watchers and people skip it.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    prefix = "." + fit_name(dest.name, room=len(suffix) + 16) + "."
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=f".tmp{suffix}", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(dest: Path, data: bytes) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def write_text(dest: Path, text: str) -> None:
    # A file name that is not UTF-8 (bytes a person's tool left) is written as \udcXX escapes
    # instead of failing the write; in JSON those are valid escapes.
    write_bytes(dest, text.encode("utf-8", "backslashreplace"))


def write_json(dest: Path, data: Any) -> None:
    write_text(dest, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def yaml_text(data: Any, header: str = "") -> str:
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def read_json(path: Path, default: Any = None) -> Any:
    """A JSON file scriptvid wrote; `default` when it is missing or spoiled."""
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return default


NAME_MAX = 255  # bytes, on every filesystem a share is likely to use


def fit_name(name: str, room: int = 0) -> str:
    """`name`, or its start and a digest of the whole, so that `room` more bytes still fit in a name.

    Reports and temporaries are named after a person's file; a name at the filesystem's limit must
    not make them impossible to write."""
    raw = os.fsencode(name)
    if len(raw) + room <= NAME_MAX:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:12]
    keep = max(NAME_MAX - room - len(digest) - 1, 1)
    head = raw[:keep].decode("utf-8", "ignore") if _is_utf8(raw) else os.fsdecode(raw[:keep])
    return f"{head}~{digest}"


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def printable(text: str) -> str:
    """`text` with the undecodable bytes of a file name as backslash escapes: storable in a database,
    writable as UTF-8."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no file name decoding made
        raw = text.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:24]
