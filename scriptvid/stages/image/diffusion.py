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
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, ImageOps

from ... import torch_models
from ...backends import Backend
from ...errors import ConfigError
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
            or ip_adapter_problem(settings)
            or torch_models.device_problem(settings.device, "diffusers_image.device")
        )

    @classmethod
    def model_paths(cls, settings: DiffusersImageSettings) -> list[Path]:
        adapter = [Path(settings.ip_adapter)] if settings.ip_adapter else []
        return [Path(settings.model), *adapter] if settings.model else adapter

    @classmethod
    def uses_references(cls, settings: DiffusersImageSettings) -> bool:
        """A picture per character is made first (stages/cast.py) where there is an IP-Adapter to use it."""
        return bool(settings.ip_adapter)

    @classmethod
    def pool(cls, settings: DiffusersImageSettings) -> str:
        return torch_models.pool_of(settings.device)

    @classmethod
    def device(cls, settings: DiffusersImageSettings) -> str:
        return torch_models.device_name(settings.device)

    def __init__(self, settings: DiffusersImageSettings) -> None:
        super().__init__(settings)
        self.pipe, self.device_used = torch_models.load_pipeline(settings.model, settings)
        if settings.ip_adapter:
            self._load_ip_adapter(settings)
        self.takes = set(inspect.signature(self.pipe.__call__).parameters)
        import torch

        self.torch = torch

    def _load_ip_adapter(self, s: DiffusersImageSettings) -> None:
        if not hasattr(self.pipe, "load_ip_adapter"):
            raise ConfigError(
                f"diffusers_image.ip_adapter: {type(self.pipe).__name__} takes no IP-Adapter (Stable"
                " Diffusion 1.5 and SDXL pipelines do); leave ip_adapter empty for this model",
                key="diffusers_image.ip_adapter",
            )
        weights = PurePosixPath(s.ip_adapter_weights)
        self.pipe.load_ip_adapter(
            s.ip_adapter,
            subfolder=str(weights.parent),
            weight_name=weights.name,
            # A path with a "/" is taken from the adapter folder itself, not from beside the weights.
            image_encoder_folder=s.ip_adapter_encoder
            if "/" in s.ip_adapter_encoder
            else f"./{s.ip_adapter_encoder}",
            local_files_only=True,
        )
        if s.cpu_offload and self.device_used.startswith("cuda"):
            self.pipe.enable_model_cpu_offload(device=self.device_used)
        else:
            self.pipe.to(self.device_used)

    def close(self) -> None:
        del self.pipe

    def portrait(self, name: str, look: CharacterSettings, seed: int, path: Path) -> None:
        """A picture of one character, facing the camera, from its description: its reference."""
        who = describe(name, look)
        prompt = f"portrait photo of {who}, facing the camera, head and shoulders, plain background"
        side = self.settings.max_side // 16 * 16
        picture = self._generate(prompt, side, side, seed, [])
        picture.convert("RGB").save(path, format="PNG")

    def render(self, req: ImageRequest, out_dir: Path) -> None:
        width, height = generation_size(req.width, req.height, self.settings.max_side)
        references = [req.references[n] for n in req.scene.characters if n in req.references]
        picture = self._generate(prompt_for(req), width, height, req.seed, references)
        fitted = ImageOps.fit(picture.convert("RGB"), (req.width, req.height), Image.Resampling.LANCZOS)
        fitted.save(out_dir / "image.png")

    def _generate(
        self, prompt: str, width: int, height: int, seed: int, references: list[Path]
    ) -> Image.Image:
        s = self.settings
        args: dict[str, Any] = {
            "prompt": prompt,
            "num_inference_steps": s.steps,
            "guidance_scale": s.guidance,
            "width": width,
            "height": height,
            # On the CPU, so that one seed gives one picture whatever the device.
            "generator": self.torch.Generator(device="cpu").manual_seed(seed),
        }
        if "negative_prompt" in self.takes and s.negative_prompt and s.guidance > 1:
            args["negative_prompt"] = s.negative_prompt
        if s.ip_adapter:
            # One adapter, the scene's characters' pictures together; with no one in the scene, a grey
            # picture at no weight (a pipeline with an adapter loaded must be given one).
            pictures = [Image.open(p).convert("RGB") for p in references]
            self.pipe.set_ip_adapter_scale(s.ip_adapter_scale if pictures else 0.0)
            args["ip_adapter_image"] = [pictures or [Image.new("RGB", (224, 224), (128, 128, 128))]]
        smaller = "diffusers_image.max_side, or cpu_offload, attention_slicing, vae_tiling"
        picture_of = f"a {width}x{height} picture"
        with torch_models.out_of_memory_named(picture_of, smaller), self.torch.inference_mode():
            return self.pipe(**args).images[0]


def ip_adapter_problem(s: DiffusersImageSettings) -> str:
    """What is missing from the IP-Adapter folder the settings name; "" when nothing is (or none is named)."""
    if not s.ip_adapter:
        return ""
    folder = Path(s.ip_adapter)
    if not folder.is_dir():
        return f"diffusers_image.ip_adapter: {folder} is not a folder; put the IP-Adapter's files there"
    weights = folder / s.ip_adapter_weights
    if not weights.is_file():
        return f"diffusers_image.ip_adapter_weights: {weights} is missing"
    encoder = folder / s.ip_adapter_encoder
    if not (encoder / "config.json").is_file():
        return f"diffusers_image.ip_adapter_encoder: {encoder / 'config.json'} is missing (the image encoder)"
    return torch_models.weights_problem(encoder, "diffusers_image.ip_adapter_encoder")
