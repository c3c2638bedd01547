"""Backends: for each stage, the backends there are by name, and the one way they are built.

`CATALOGUE` names each backend's class as "module:Class" and is all that the settings and the
command line need: a class is imported only when its backend is checked or used, and a backend's
heavy libraries (torch, diffusers, ...) only when it is loaded.

A backend class (a subclass of `Backend`) says what it is (`NAME`, `VERSION`), has a settings
section of its own (`settings.<NAME>`), answers `check(section)` cheaply (its library and model
present?), names the files its output depends on (`model_paths`), says its pool (`cpu` or `gpu`)
and whether one instance may serve several threads at once. It is loaded (constructed with its
section) lazily, once per worker process and section, by `use()`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from .settings import Settings

CATALOGUE: dict[str, dict[str, str]] = {
    "parse": {
        "text": "scriptvid.stages.parse.text:TextParser",
        "ollama": "scriptvid.stages.parse.llm:OllamaParser",
    },
    "image": {
        "storyboard": "scriptvid.stages.image.storyboard:StoryboardBackend",
        "diffusers": "scriptvid.stages.image.diffusion:DiffusersImageBackend",
    },
    "animate": {
        "camera": "scriptvid.stages.animate.camera:CameraBackend",
        "diffusers": "scriptvid.stages.animate.diffusion:DiffusersAnimateBackend",
    },
    "voice": {
        "piper": "scriptvid.stages.voice.piper:PiperBackend",
        "coqui": "scriptvid.stages.voice.coqui:CoquiBackend",
    },
    "lipsync": {
        "mouths": "scriptvid.stages.lipsync.mouths:MouthsBackend",
        "musetalk": "scriptvid.stages.lipsync.musetalk:MuseTalkBackend",
    },
    "music": {
        "fluidsynth": "scriptvid.stages.music.fluidsynth:FluidSynthBackend",
        "musicgen": "scriptvid.stages.music.musicgen:MusicGenBackend",
    },
}


class Backend:
    """What every backend has; a stage's interface.py adds the method the stage calls."""

    NAME = ""
    VERSION = "1"
    # The settings section the backend is built with: settings.<SECTION>, or settings.<NAME> when empty
    # (a name that several stages' backends share, like diffusers, needs a section per stage).
    SECTION = ""
    # Whether one instance may be used by several threads at once. A model on a GPU may not: its
    # stage's steps then take turns on it, one at a time per worker process.
    CONCURRENT = True

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    @classmethod
    def check(cls, settings: Any) -> str:
        """Empty when the backend can be used here; else what is missing and how to get it."""
        return ""

    @classmethod
    def model_paths(cls, settings: Any) -> list[Path]:
        """The model files or folders that the output depends on (their digest is in the identity)."""
        return []

    @classmethod
    def model_identity(cls, settings: Any) -> list[str]:
        """What identifies a model that is not a file here (one a server holds: its name and digest)."""
        return []

    @classmethod
    def pool(cls, settings: Any) -> str:
        """`gpu` when this backend runs on a GPU, else `cpu`: its steps go to that pool's workers."""
        return "cpu"

    @classmethod
    def device(cls, settings: Any) -> str:
        """The GPU this backend's model lives on (`cuda:0`), or "" for none: the models on one GPU
        take turns, and may be unloaded for each other (see `use`)."""
        return ""

    def close(self) -> None:
        """Let go of what the backend holds (a model unloaded to make room for another)."""


def backend_class(stage: str, name: str) -> type[Backend]:
    if name not in CATALOGUE[stage]:
        raise ConfigError(
            f"unknown {stage} backend {name!r}; choose one of {', '.join(CATALOGUE[stage])}",
            key=f"backends.{stage}",
        )
    module, _, attr = CATALOGUE[stage][name].partition(":")
    cls: type[Backend] = getattr(importlib.import_module(module), attr)
    return cls


def configured(stage: str, settings: Settings) -> tuple[type[Backend], Any]:
    """The class of the backend `settings` names for `stage`, and its settings section."""
    cls = backend_class(stage, getattr(settings.backends, stage))
    return cls, getattr(settings, cls.SECTION or cls.NAME)


def problems(settings: Settings) -> dict[str, str]:
    """`backends.<stage>` -> what is missing, for every configured backend that cannot be used here."""
    out = {}
    for stage in CATALOGUE:
        cls, section = configured(stage, settings)
        missing = cls.check(section)
        if missing:
            out[f"backends.{stage}"] = f"{cls.NAME}: {missing}"
    return out


def pool(stage: str, settings: Settings) -> str:
    cls, section = configured(stage, settings)
    return cls.pool(section)


def identity(stage: str, settings: Settings) -> dict[str, Any]:
    """What a fingerprint records of a stage's backend: its name and version, its settings and a
    digest of its model, so that another model or another setting redoes what the backend made."""
    cls, section = configured(stage, settings)
    return {
        "backend": cls.NAME,
        "version": cls.VERSION,
        "settings": dataclasses.asdict(section),
        "model": [*(model_digest(p) for p in cls.model_paths(section)), *cls.model_identity(section)],
    }


# -- loading --------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Slot:
    """One loaded backend: loading it holds only its own slot, never the others."""

    device: str
    loading: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    backend: Backend | None = None
    turns: threading.Lock | None = None  # held while in use, for a backend that serves one at a time
    users: int = 0  # blocks using it now (under _slots_lock): a model in use is never unloaded


_slots: dict[tuple[str, str, str], _Slot] = {}
_slots_lock = threading.Lock()
# One at a time per GPU, whichever model: the scenes of every project queue through it. Re-entrant,
# because one step may use two models on one GPU (animate's frames through lipsync's model).
_device_turns: dict[str, threading.RLock] = {}


@contextmanager
def use(stage: str, settings: Settings) -> Iterator[Any]:
    """The stage's backend, loaded on first use in this process and kept; held alone while in the
    block when it may not serve two threads at once, and the only model at work on its GPU.

    With `daemon.keep_models` off, the other models on that GPU that are not in use are unloaded
    before this one is used: for a GPU that cannot hold all of them at once."""
    cls, section = configured(stage, settings)
    device = cls.device(section)
    with _slots_lock:
        slot = _slots.setdefault((stage, cls.NAME, repr(section)), _Slot(device))
        turn = _device_turns.setdefault(device, threading.RLock()) if device else None
    with turn if turn is not None else nullcontext():
        if device and not settings.daemon.keep_models:
            _unload_others(slot)
        with _slots_lock:
            slot.users += 1
        try:
            with slot.loading:
                if slot.backend is None:
                    missing = cls.check(section)
                    if missing:
                        raise ConfigError(f"{cls.NAME}: {missing}", key=f"backends.{stage}")
                    began = time.monotonic()
                    slot.backend = cls(section)
                    from . import log

                    log.get().info(  # once per process and settings: a GPU worker's models stay loaded
                        "backend loaded",
                        stage=stage,
                        backend=cls.NAME,
                        device=device or "cpu",
                        seconds=round(time.monotonic() - began, 2),
                    )
                    slot.turns = None if cls.CONCURRENT else threading.Lock()
            backend = slot.backend
            with slot.turns if slot.turns is not None else nullcontext():
                yield backend
        finally:
            with _slots_lock:
                slot.users -= 1


def preload(stage: str, settings: Settings) -> None:
    """Load the stage's backend now, where it runs on this machine's CPU and can run here, so that
    its first step does not wait for it (Piper's voice: 0.4 s, which every worker's first voice of
    the daemon's first film waited for, and with them its first look). A backend that cannot be
    loaded is left to its step, which says why."""
    from . import log

    try:
        cls, section = configured(stage, settings)
        if cls.pool(section) != "cpu" or cls.device(section) or cls.check(section):
            return
        with use(stage, settings):
            pass
    except Exception as exc:
        log.get().warning("backend not loaded ahead of its steps", stage=stage, error=str(exc)[:300])


def _unload_others(keep: _Slot) -> None:
    from . import log

    with _slots_lock:
        idle = [s for s in _slots.values() if s is not keep and s.device == keep.device and not s.users]
        dropped = [s.backend for s in idle if s.backend is not None]
        for s in idle:
            s.backend = None
    for backend in dropped:
        log.get().info("model unloaded to make room on the GPU", backend=backend.NAME, device=keep.device)
        backend.close()
    if dropped:
        from .torch_models import free_memory

        del backend  # with the list, the last references: the memory can go back now
        dropped.clear()
        free_memory()


# -- identity of a model -----------------------------------------------------------------------------

# Files up to this size are configs, vocabularies and weight indexes: hashed whole. Larger ones are
# weights: their name and size stand for them (hashing gigabytes on every fingerprint would cost minutes).
_SMALL = 1 << 20
_digests: dict[tuple[str, int, int], str] = {}


def model_digest(path: Path) -> str:
    """A digest of a model file or folder: what changes when the model is swapped or retrained."""
    if not path.exists():
        return f"missing:{path}"
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256()
    for file in files:
        stat = file.stat()
        name = str(file.relative_to(path)) if path.is_dir() else file.name
        if stat.st_size <= _SMALL:
            key = (str(file), stat.st_size, stat.st_mtime_ns)
            if key not in _digests:
                _digests[key] = hashlib.sha256(file.read_bytes()).hexdigest()
            h.update(f"{name}\0{_digests[key]}\n".encode())
        else:
            h.update(f"{name}\0{stat.st_size}\n".encode())
    return h.hexdigest()[:24]
