"""animate: diffusers. The scene's picture set in motion by a local image-to-video pipeline.

Any diffusers pipeline that starts from a picture (LTX-Video, Wan, Stable Video Diffusion: `image`;
AnimateDiff video-to-video over an SD base: `video`) is loaded from its folder alone, once per worker
process, on first use; the arguments a pipeline takes are read from its signature.

A scene lasts as long as its dialogue, longer than such a model makes at once (a few seconds). It is
covered by segments: the first starts from image.png, each next one from the last frame of the one
before (that frame is not repeated), with a seed of its own derived from the scene's, until the
frames at the model's frame rate reach the scene's length. The frames are brought to the film's rate
by taking, for each film frame, the model frame nearest in time (frames repeat where the model's
rate is lower than the film's, and are skipped where it is higher: no blending, which would ghost
whatever moves), and to the film's size by scaling to cover the frame and cutting the overflow evenly.
Segments are generated only as the encoder asks for frames: a scene's frames are never all in memory.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps

from ... import torch_models
from ...backends import Backend
from ...errors import ConfigError
from ...settings import DiffusersAnimateSettings
from ..image.diffusion import generation_size
from .interface import AnimateRequest

SPATIAL_MULTIPLE = 32  # LTX-Video needs 32; Wan 16, SVD and AnimateDiff 8: 32 suits them all
# Frame rates of models whose pipelines take none as an argument (others say theirs in their signature).
_MODEL_FPS = {"Wan": 16, "AnimateDiff": 8, "CogVideoX": 8, "HunyuanVideo": 24, "Mochi": 30}
_DEFAULT_FPS = 16
_DEFAULT_SEGMENT = 16
_SMALLER = "diffusers_animate.max_side or segment_frames, or cpu_offload, vae_tiling"
_WHICH = (
    "LTXImageToVideoPipeline, WanImageToVideoPipeline, StableVideoDiffusionPipeline or"
    " AnimateDiffVideoToVideoPipeline"
)


class DiffusersAnimateBackend(Backend):
    NAME = "diffusers"
    SECTION = "diffusers_animate"
    VERSION = "1"
    CONCURRENT = False

    settings: DiffusersAnimateSettings

    @classmethod
    def check(cls, settings: DiffusersAnimateSettings) -> str:
        return (
            torch_models.missing_libraries()
            or torch_models.pipeline_folder_problem(settings.model, "diffusers_animate.model")
            or torch_models.device_problem(settings.device, "diffusers_animate.device")
        )

    @classmethod
    def model_paths(cls, settings: DiffusersAnimateSettings) -> list[Path]:
        return [Path(settings.model)] if settings.model else []

    @classmethod
    def pool(cls, settings: DiffusersAnimateSettings) -> str:
        return torch_models.pool_of(settings.device)

    @classmethod
    def device(cls, settings: DiffusersAnimateSettings) -> str:
        return torch_models.device_name(settings.device)

    def __init__(self, settings: DiffusersAnimateSettings) -> None:
        super().__init__(settings)
        self.pipe, self.device_used = torch_models.load_pipeline(settings.model, settings)
        self.takes = set(inspect.signature(self.pipe.__call__).parameters)
        kind = type(self.pipe).__name__
        if not self.takes & {"image", "video"}:
            raise ConfigError(
                f"diffusers_animate.model: {kind} makes video from text alone; the scene's picture must"
                f" start the clip: use an image-to-video or video-to-video pipeline ({_WHICH})",
                key="diffusers_animate.model",
            )
        self.fps = settings.model_fps or model_fps(self.pipe, self.takes)
        self.segment = segment_frames(self.pipe, settings.segment_frames)
        import torch

        self.torch = torch

    def close(self) -> None:
        del self.pipe

    def clip(self, req: AnimateRequest) -> Iterator[np.ndarray]:
        width, height = generation_size(*req.size, self.settings.max_side, SPATIAL_MULTIPLE)
        with Image.open(req.folder / "image.png") as still:
            start = ImageOps.fit(still.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
        wanted = [round(i * self.fps / req.fps) for i in range(req.frames)]
        made = self._model_frames(start, wanted[-1] + 1, req)
        index, frame = next(made)
        for target in wanted:
            while index < target:
                index, frame = next(made)
            yield fit(frame, req.size)

    def _model_frames(
        self, start: Image.Image, count: int, req: AnimateRequest
    ) -> Iterator[tuple[int, np.ndarray]]:
        """`count` frames at the model's rate, numbered, generated a segment at a time."""
        index, segment, image = 0, 0, start
        while index < count:
            frames = self._segment(image, req, segment)
            for frame in frames if segment == 0 else frames[1:]:  # the first is the last one before
                if index < count:
                    yield index, frame
                index += 1
            image = Image.fromarray(frames[-1])
            segment += 1

    def _segment(self, image: Image.Image, req: AnimateRequest, number: int) -> np.ndarray:
        """One segment's frames (frames x height x width x 3, uint8), starting from `image`."""
        s = self.settings
        args: dict[str, Any] = {
            "num_inference_steps": s.steps,
            "width": image.width,
            "height": image.height,
            "output_type": "np",
            # On the CPU, so that one seed gives one clip on any device; a seed per segment.
            "generator": self.torch.Generator(device="cpu").manual_seed(req.seed * 1000 + number),
        }
        if "num_frames" in self.takes:
            args["num_frames"] = self.segment
        if "image" in self.takes:
            args["image"] = image
        else:  # video-to-video: the segment's start held still, set moving
            args["video"] = [image] * self.segment
            args["strength"] = s.strength
        prompt = ". ".join(p for p in (req.motion, req.prompt) if p)
        if "prompt" in self.takes:
            args["prompt"] = prompt
        if "negative_prompt" in self.takes and s.negative_prompt and s.guidance > 1:
            args["negative_prompt"] = s.negative_prompt
        if "guidance_scale" in self.takes:
            args["guidance_scale"] = s.guidance
        elif "max_guidance_scale" in self.takes:  # Stable Video Diffusion ramps guidance over the frames
            args["max_guidance_scale"] = max(s.guidance, 1.0)
            args["min_guidance_scale"] = min(1.0, max(s.guidance, 1.0))
        if "frame_rate" in self.takes:
            args["frame_rate"] = self.fps
        elif "fps" in self.takes:
            args["fps"] = self.fps
        what = f"{self.segment} frames of {image.width}x{image.height}"
        with torch_models.out_of_memory_named(what, _SMALLER), self.torch.inference_mode():
            frames = self.pipe(**args).frames
        return to_uint8(frames)


def to_uint8(frames: Any) -> np.ndarray:
    """A pipeline's frames (a batch of one, as floats 0..1 or as PIL images) as uint8 RGB arrays."""
    first = frames[0]
    if isinstance(first, list):  # PIL images
        return np.stack([np.asarray(f.convert("RGB")) for f in first])
    array = np.asarray(first, dtype=np.float32)
    return (np.clip(array, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scaled to cover `size`, the overflow cut evenly."""
    w, h = size
    scale = max(w / frame.shape[1], h / frame.shape[0])
    sw, sh = max(w, round(frame.shape[1] * scale)), max(h, round(frame.shape[0] * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(frame, (sw, sh), interpolation=interpolation)
    x, y = (sw - w) // 2, (sh - h) // 2
    return np.ascontiguousarray(scaled[y : y + h, x : x + w])


def model_fps(pipe: Any, takes: set[str]) -> int:
    """The rate the model makes frames at: its pipeline's default argument, or what it is known for."""
    for name in ("frame_rate", "fps"):
        if name in takes:
            default = inspect.signature(pipe.__call__).parameters[name].default
            if isinstance(default, int | float) and default > 0:
                return int(default)
    kind = type(pipe).__name__
    return next((fps for family, fps in _MODEL_FPS.items() if kind.startswith(family)), _DEFAULT_FPS)


def segment_frames(pipe: Any, setting: int) -> int:
    """Frames per segment: the setting, or the pipeline's default; rounded to what the model's video
    encoder takes (k x its temporal compression + 1, as LTX-Video's 8k+1 and Wan's 4k+1)."""
    frames = setting
    if not frames:
        default = inspect.signature(pipe.__call__).parameters.get("num_frames")
        frames = default.default if default is not None and isinstance(default.default, int) else 0
    if not frames:  # Stable Video Diffusion's default is its UNet's
        frames = getattr(getattr(getattr(pipe, "unet", None), "config", None), "num_frames", 0) or 0
    frames = frames or _DEFAULT_SEGMENT
    # AnimateDiff's motion modules attend over at most this many frames.
    longest = getattr(getattr(getattr(pipe, "unet", None), "config", None), "motion_max_seq_length", None)
    if isinstance(longest, int) and longest > 1:
        frames = min(frames, longest)
    ratio = getattr(pipe, "vae_temporal_compression_ratio", None) or getattr(
        pipe, "vae_scale_factor_temporal", 1
    )
    if isinstance(ratio, int) and ratio > 1:
        frames = max(1, round((frames - 1) / ratio)) * ratio + 1
    return max(frames, 2)  # a segment must move past its first frame
