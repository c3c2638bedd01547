"""image: diffusers. A picture per scene from a local diffusers text-to-image pipeline folder.

Any pipeline that `DiffusionPipeline.from_pretrained` can build from a folder's model_index.json
(SD 1.5, SDXL, SD-Turbo, SD 3.x, FLUX ...) is loaded from that folder alone (`local_files_only`, and
`HF_HUB_OFFLINE` set before diffusers is imported), once per worker process, on first use. The
picture is generated at the film's aspect ratio (longer side `max_side`, both sides multiples of 16,
which every one of those models accepts), from the scene's image prompt and the looks of its
characters, with a generator seeded by scene.yaml's `seed` on the CPU, so that the same inputs give
the same picture on any device; then it is fitted to the frame (scaled to cover it, the overflow cut
evenly). It writes image.png only: animate moves a camera over it, and lipsync finds no drawn mouths.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from ...backends import Backend
from ...errors import StageError
from ...settings import CharacterSettings, DiffusersImageSettings
from .interface import ImageRequest

LIBRARIES = ("torch", "diffusers", "transformers")
INSTALL = "pip install 'scriptvid[ai]' (or scripts/setup ai)"
# Component folders that hold no weights of their own.
_NO_WEIGHTS = ("scheduler", "tokenizer", "tokenizer_2", "tokenizer_3", "feature_extractor", "image_processor")
_WEIGHTS = (".safetensors", ".bin", ".pt", ".pth", ".gguf")

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

# Colour words for the characters' clothes and hair: a text encoder knows "teal", not "#2e86ab".
_COLOURS = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "red": (200, 30, 30),
    "orange": (240, 140, 20),
    "yellow": (240, 220, 40),
    "green": (40, 150, 60),
    "teal": (30, 130, 150),
    "blue": (40, 80, 200),
    "purple": (120, 50, 160),
    "pink": (240, 130, 170),
    "brown": (120, 75, 40),
    "beige": (220, 200, 160),
    "navy": (20, 30, 90),
    "maroon": (110, 20, 30),
    "olive": (110, 110, 30),
}


def colour_word(hex_colour: str) -> str:
    rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return min(_COLOURS, key=lambda n: sum((a - b) ** 2 for a, b in zip(_COLOURS[n], rgb, strict=True)))


def describe(name: str, look: CharacterSettings) -> str:
    """A character's settings in words, for the prompt."""
    words = [f"{look.height} " if look.height else "", f"{look.build} " if look.build else ""]
    parts = ["".join(words) + "person"]
    if look.hair == "bald":
        parts.append("bald")
    elif look.hair or look.hair_colour:
        colour = colour_word(look.hair_colour) + " " if look.hair_colour else ""
        parts.append(f"{colour}{look.hair or ''} hair".replace("  ", " ").strip())
    if look.colour:
        parts.append(f"wearing {colour_word(look.colour)}")
    return f"{name.title()}, a " + ", ".join(parts)


def prompt_for(req: ImageRequest) -> str:
    people = [describe(n, req.characters[n]) for n in req.scene.characters if n in req.characters]
    return "; ".join([req.prompt, *people])


def generation_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The film's aspect ratio with the longer side `max_side`, both sides multiples of 16."""
    scale = max_side / max(width, height)
    return tuple(max(16, round(side * scale / 16) * 16) for side in (width, height))  # type: ignore[return-value]


class DiffusersImageBackend(Backend):
    NAME = "diffusers"
    SECTION = "diffusers_image"
    VERSION = "1"
    CONCURRENT = False  # one picture at a time per model (and per device)

    settings: DiffusersImageSettings

    @classmethod
    def check(cls, settings: DiffusersImageSettings) -> str:
        missing = [lib for lib in LIBRARIES if importlib.util.find_spec(lib) is None]
        if missing:
            return f"{', '.join(missing)} not installed: {INSTALL}"
        problem = model_folder_problem(settings.model, "diffusers_image.model")
        if problem:
            return problem
        if settings.device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                return f"diffusers_image.device is {settings.device}, but torch sees no CUDA GPU here"
            count = torch.cuda.device_count()
            if int(settings.device.partition(":")[2] or 0) >= count:
                return f"diffusers_image.device is {settings.device}; this machine has {count} GPU(s)"
        return ""

    @classmethod
    def model_paths(cls, settings: DiffusersImageSettings) -> list[Path]:
        return [Path(settings.model)] if settings.model else []

    @classmethod
    def pool(cls, settings: DiffusersImageSettings) -> str:
        return "cpu" if settings.device == "cpu" else "gpu"

    def __init__(self, settings: DiffusersImageSettings) -> None:
        super().__init__(settings)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before diffusers reads it: never the network
        import torch
        from diffusers import DiffusionPipeline

        self.device = _device(settings.device, torch)
        dtype = _dtype(settings.dtype, self.device, torch)
        pipe = DiffusionPipeline.from_pretrained(settings.model, local_files_only=True, dtype=dtype)
        if settings.scheduler:
            import diffusers

            scheduler_cls = getattr(diffusers, SCHEDULERS[settings.scheduler])
            pipe.scheduler = scheduler_cls.from_config(pipe.scheduler.config)
        if settings.attention_slicing and hasattr(pipe, "enable_attention_slicing"):
            pipe.enable_attention_slicing()
        if settings.vae_tiling and hasattr(getattr(pipe, "vae", None), "enable_tiling"):
            pipe.vae.enable_tiling()
        if settings.cpu_offload and self.device.startswith("cuda"):
            pipe.enable_model_cpu_offload(device=self.device)
        else:
            pipe.to(self.device)
        pipe.set_progress_bar_config(disable=True)
        self.pipe = pipe
        self.takes = set(inspect.signature(pipe.__call__).parameters)
        self.torch = torch

    def render(self, req: ImageRequest, out_dir: Path) -> None:
        s = self.settings
        width, height = generation_size(req.width, req.height, s.max_side)
        args: dict[str, Any] = {
            "prompt": prompt_for(req),
            "num_inference_steps": s.steps,
            "guidance_scale": s.guidance,
            "width": width,
            "height": height,
            # On the CPU, so that one seed gives one picture whatever the device.
            "generator": self.torch.Generator(device="cpu").manual_seed(req.seed),
        }
        if "negative_prompt" in self.takes and s.negative_prompt and s.guidance > 1:
            args["negative_prompt"] = s.negative_prompt
        try:
            with self.torch.inference_mode():
                picture = self.pipe(**args).images[0]
        except self.torch.cuda.OutOfMemoryError:
            self.torch.cuda.empty_cache()
            raise StageError(
                f"the GPU ran out of memory making a {width}x{height} picture; retry with smaller settings "
                "(diffusers_image.max_side, or cpu_offload, attention_slicing, vae_tiling)"
            ) from None
        fitted = ImageOps.fit(picture.convert("RGB"), (req.width, req.height), Image.Resampling.LANCZOS)
        fitted.save(out_dir / "image.png")


def model_folder_problem(folder: str, key: str) -> str:
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
        weighed = name not in _NO_WEIGHTS and (part / "config.json").is_file()
        if weighed and not any(p.suffix in _WEIGHTS for p in part.iterdir()):
            return f"{key}: {part} has a config.json but no weights (.safetensors or .bin)"
    return ""


def _device(setting: str, torch: Any) -> str:
    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting


def _dtype(setting: str, device: str, torch: Any) -> Any:
    if setting == "auto":
        return torch.float16 if device.startswith("cuda") else torch.float32
    return getattr(torch, setting)
