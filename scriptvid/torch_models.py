"""What the backends that run torch models share: their checks, their devices, loading a diffusers
pipeline from a local folder, and naming an out-of-memory error.

Nothing here imports torch at module level: the drawn pipeline runs without it. Every loader sets
the Hugging Face libraries offline before they are imported, and loads with `local_files_only`:
model weights are read from the folders the settings name, never downloaded.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import StageError

INSTALL = "pip install 'scriptvid[ai]' (or scripts/setup ai)"
DIFFUSERS = ("torch", "diffusers", "transformers")
# Component folders of a pipeline that hold no weights of their own.
_NO_WEIGHTS = ("scheduler", "tokenizer", "tokenizer_2", "tokenizer_3", "feature_extractor", "image_processor")
WEIGHTS = (".safetensors", ".bin", ".pt", ".pth", ".gguf")

SCHEDULERS = {
    "ddim": "DDIMScheduler",
    "euler": "EulerDiscreteScheduler",
    "euler-ancestral": "EulerAncestralDiscreteScheduler",
    "dpm-multistep": "DPMSolverMultistepScheduler",
    "unipc": "UniPCMultistepScheduler",
    "pndm": "PNDMScheduler",
    "lms": "LMSDiscreteScheduler",
    "heun": "HeunDiscreteScheduler",
}


def offline() -> None:
    """Tell the Hugging Face libraries, before they are imported, never to try the network."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "DIFFUSERS_OFFLINE"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def missing_libraries(names: tuple[str, ...] = DIFFUSERS) -> str:
    """Empty when every library can be imported; else which are missing and how to install them."""
    missing = [lib for lib in names if importlib.util.find_spec(lib) is None]
    return f"{', '.join(missing)} not installed: {INSTALL}" if missing else ""


def device_problem(device: str, key: str) -> str:
    """Empty when `device` (auto, cpu, cuda, cuda:N) is there; else what is wrong, naming `key`."""
    if not device.startswith("cuda"):
        return ""
    import torch

    if not torch.cuda.is_available():
        return f"{key} is {device}, but torch sees no CUDA GPU here"
    count = torch.cuda.device_count()
    if int(device.partition(":")[2] or 0) >= count:
        return f"{key} is {device}; this machine has {count} GPU(s)"
    return ""


def device_name(setting: str) -> str:
    """The device a setting means, without importing torch: auto and cuda are the first GPU when
    there is one. What the per-device turns are keyed by (see backends.use)."""
    if setting in ("auto", "cuda"):
        return "cuda:0"
    return setting


def pool_of(device: str) -> str:
    return "cpu" if device == "cpu" else "gpu"


def resolve_device(setting: str) -> str:
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting


def resolve_dtype(setting: str, device: str) -> Any:
    import torch

    if setting == "auto":
        return torch.float16 if device.startswith("cuda") else torch.float32
    return getattr(torch, setting)


def pipeline_folder_problem(folder: str, key: str) -> str:
    """What is wrong with a diffusers pipeline folder, in a sentence naming the file; "" when none."""
    if not folder:
        return f"no model folder: set {key} to a local diffusers pipeline folder (one with model_index.json)"
    path = Path(folder)
    if not path.is_dir():
        return f"{key}: {folder} is not a folder; put the pipeline's files there (nothing is downloaded)"
    index = path / "model_index.json"
    try:
        components = json.loads(index.read_text("utf-8"))
    except FileNotFoundError:
        return f"{key}: {index} is missing; this is not a diffusers pipeline folder"
    except (OSError, ValueError) as exc:
        return f"{key}: {index} cannot be read: {exc}"
    for name, value in components.items():
        if name.startswith("_") or not isinstance(value, list) or value[0] is None:
            continue
        part = path / name
        if not part.is_dir():
            return f"{key}: {part} is missing (model_index.json names it)"
        problem = weights_problem(part, key) if name not in _NO_WEIGHTS else ""
        if problem:
            return problem
    return ""


def weights_problem(part: Path, key: str) -> str:
    """A model folder with a config.json must have weights beside it."""
    if (part / "config.json").is_file() and not any(p.suffix in WEIGHTS for p in part.iterdir()):
        return f"{key}: {part} has a config.json but no weights (.safetensors or .bin)"
    return ""


def load_pipeline(folder: str, settings: Any) -> tuple[Any, str]:
    """A diffusers pipeline from a local folder (its class from model_index.json), with the memory
    options of `settings` (device, dtype, scheduler, cpu_offload, attention_slicing, vae_tiling, where the
    section has them), on its device; and that device."""
    offline()
    from diffusers import DiffusionPipeline

    device = resolve_device(settings.device)
    pipe = DiffusionPipeline.from_pretrained(
        folder, local_files_only=True, dtype=resolve_dtype(settings.dtype, device)
    )
    if getattr(settings, "scheduler", ""):
        import diffusers

        scheduler_cls = getattr(diffusers, SCHEDULERS[settings.scheduler])
        pipe.scheduler = scheduler_cls.from_config(pipe.scheduler.config)
    if getattr(settings, "attention_slicing", False) and hasattr(pipe, "enable_attention_slicing"):
        pipe.enable_attention_slicing()
    if getattr(settings, "vae_tiling", False) and hasattr(getattr(pipe, "vae", None), "enable_tiling"):
        pipe.vae.enable_tiling()
    if getattr(settings, "cpu_offload", False) and device.startswith("cuda"):
        pipe.enable_model_cpu_offload(device=device)
    else:
        pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe, device


@contextmanager
def out_of_memory_named(what: str, smaller: str) -> Iterator[None]:
    """A GPU out-of-memory error in the block fails the step with a message that says what was being
    made and which settings make it smaller; the worker goes on (the memory is given back first)."""
    import torch

    try:
        yield
    except torch.cuda.OutOfMemoryError:
        free_memory()
        raise StageError(
            f"the GPU ran out of memory making {what}; retry with smaller settings ({smaller})"
        ) from None


# torch's default generators are one per device and shared by every thread: a library that samples
# from them (transformers' generate) gives the same output for the same seed only when no other thread
# seeds or draws from that generator at the same time.
_generator_locks: dict[str, threading.Lock] = {}
_generator_locks_lock = threading.Lock()


@contextmanager
def seeded(seed: int, device: str) -> Iterator[None]:
    """torch's generators seeded with `seed`, the one of `device` held alone for the block."""
    import torch

    key = "cpu" if device == "cpu" else device_name(device)
    with _generator_locks_lock:
        lock = _generator_locks.setdefault(key, threading.Lock())
    with lock:
        torch.manual_seed(seed)
        yield


def free_memory() -> None:
    """Give the memory of models that are no longer referenced back to the GPU."""
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
