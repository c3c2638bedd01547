"""Backend registries: a dict per stage from name to class, one instance per worker process."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from .errors import ConfigError

_instances: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def get(stage: str, name: str, registry: Mapping[str, Callable[[], Any]]) -> Any:
    """The backend `name` of `stage`, created once (models are loaded once per worker)."""
    if name not in registry:
        raise ConfigError(
            f"unknown {stage} backend {name!r}; choose one of {', '.join(sorted(registry))}",
            key=f"backends.{stage}",
        )
    with _lock:
        key = (stage, name)
        if key not in _instances:
            _instances[key] = registry[name]()
        return _instances[key]


def identity(backend: Any) -> dict[str, str]:
    """What a fingerprint records of a backend: a new version redoes its outputs."""
    return {"backend": str(backend.NAME), "version": str(backend.VERSION)}
