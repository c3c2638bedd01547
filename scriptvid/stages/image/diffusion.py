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

import inspect
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from ... import torch_models
from ...backends import Backend
from ...settings import CharacterSettings, DiffusersImageSettings
from .interface import ImageRequest

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


def generation_size(width: int, height: int, max_side: int, multiple: int = 16) -> tuple[int, int]:
    """The film's aspect ratio with the longer side `max_side`, both sides multiples of `multiple`."""
    scale = max_side / max(width, height)
    return tuple(  # type: ignore[return-value]
        max(multiple, round(side * scale / multiple) * multiple) for side in (width, height)
    )


class DiffusersImageBackend(Backend):
    NAME = "diffusers"
    SECTION = "diffusers_image"
    VERSION = "1"
    CONCURRENT = False  # one picture at a time per model (and per device)

    settings: DiffusersImageSettings

    @classmethod
    def check(cls, settings: DiffusersImageSettings) -> str:
        return (
            torch_models.missing_libraries()
            or torch_models.pipeline_folder_problem(settings.model, "diffusers_image.model")
            or torch_models.device_problem(settings.device, "diffusers_image.device")
        )

    @classmethod
    def model_paths(cls, settings: DiffusersImageSettings) -> list[Path]:
        return [Path(settings.model)] if settings.model else []

    @classmethod
    def pool(cls, settings: DiffusersImageSettings) -> str:
        return torch_models.pool_of(settings.device)

    @classmethod
    def device(cls, settings: DiffusersImageSettings) -> str:
        return torch_models.device_name(settings.device)

    def __init__(self, settings: DiffusersImageSettings) -> None:
        super().__init__(settings)
        self.pipe, self.device_used = torch_models.load_pipeline(settings.model, settings)
        self.takes = set(inspect.signature(self.pipe.__call__).parameters)
        import torch

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
        smaller = "diffusers_image.max_side, or cpu_offload, attention_slicing, vae_tiling"
        picture_of = f"a {width}x{height} picture"
        with torch_models.out_of_memory_named(picture_of, smaller), self.torch.inference_mode():
            picture = self.pipe(**args).images[0]
        fitted = ImageOps.fit(picture.convert("RGB"), (req.width, req.height), Image.Resampling.LANCZOS)
        fitted.save(out_dir / "image.png")
