"""lipsync: musetalk. MuseTalk (v1.5, TMElyralab, MIT code) redraws the lower face of whoever speaks,
in the real frames animate made, from the voice.

MuseTalk is built from parts: a diffusers UNet2DConditionModel (8 channels in: the latents of the
face with its lower half blanked, then of the whole face; 4 out), the SD VAE (sd-vae-ft-mse) and the
encoder of whisper-tiny. Its released weights are loaded from a local folder in their published
layout (`models/` of the MuseTalk repository):

    musetalkV15/musetalk.json, musetalkV15/unet.pth      the UNet's config and state dict
    sd-vae/config.json, sd-vae/diffusion_pytorch_model.bin   (or .safetensors)
    whisper/config.json, whisper/pytorch_model.bin, whisper/preprocessor_config.json

What runs per frame is what MuseTalk's inference runs: no denoising loop, one UNet pass at timestep 0.
The audio: every whisper encoder state (embeddings and each layer, five for whisper-tiny) at 50 per
second, for each video frame a window of ten steps around it (at 25 fps: four before its own two, four
after), with a sinusoidal position code: 50 tokens. The face: the box of OpenCV's face cascade,
reaching 10 % lower to take in the chin (MuseTalk's own crop comes from face landmarks, which would
need a download), scaled to 256x256. The result is blended back under a feathered half ellipse over
the lower face (in place of MuseTalk's face-parsing mask, a model of its own), so the eyes and
everything else stay as the video model made them. A frame where the speaker's face is not found
passes through unchanged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ... import log, torch_models
from ...backends import Backend
from ...settings import MuseTalkSettings
from .faces import FaceTracker, speakers_face
from .interface import SyncRequest

FACE = 256  # the crop MuseTalk was trained on
WHISPER_RATE = 16000
FEATURES_PER_SECOND = 50  # whisper's encoder states per second of audio
SEGMENT = 30 * WHISPER_RATE  # whisper's encoder takes 30 s at once
FILES = (
    "musetalkV15/musetalk.json",
    "musetalkV15/unet.pth",
    "sd-vae/config.json",
    "whisper/config.json",
    "whisper/preprocessor_config.json",
)


class MuseTalkBackend(Backend):
    NAME = "musetalk"
    VERSION = "1"
    CONCURRENT = False

    settings: MuseTalkSettings

    @classmethod
    def check(cls, settings: MuseTalkSettings) -> str:
        return (
            torch_models.missing_libraries()
            or model_folder_problem(settings.model)
            or torch_models.device_problem(settings.device, "musetalk.device")
        )

    @classmethod
    def model_paths(cls, settings: MuseTalkSettings) -> list[Path]:
        return [Path(settings.model)] if settings.model else []

    @classmethod
    def pool(cls, settings: MuseTalkSettings) -> str:
        return torch_models.pool_of(settings.device)

    @classmethod
    def device(cls, settings: MuseTalkSettings) -> str:
        return torch_models.device_name(settings.device)

    def __init__(self, settings: MuseTalkSettings) -> None:
        super().__init__(settings)
        torch_models.offline()
        import torch
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from transformers import AutoFeatureExtractor, WhisperModel

        folder = Path(settings.model)
        self.torch = torch
        self.device_used = torch_models.resolve_device(settings.device)
        self.dtype = torch_models.resolve_dtype(settings.dtype, self.device_used)
        config = json.loads((folder / "musetalkV15" / "musetalk.json").read_text("utf-8"))
        unet: Any = UNet2DConditionModel(**config)  # typed loosely: torch modules' types are not ours
        state = torch.load(folder / "musetalkV15" / "unet.pth", map_location="cpu", weights_only=True)
        unet.load_state_dict(state)
        whisper: Any = WhisperModel.from_pretrained(folder / "whisper", local_files_only=True)
        self.unet = unet.to(self.device_used, self.dtype).eval()
        self.encoder = whisper.encoder.to(self.device_used, self.dtype).eval()
        self.vae = (
            AutoencoderKL.from_pretrained(folder / "sd-vae", local_files_only=True)
            .to(self.device_used, self.dtype)
            .eval()
        )
        self.extractor = AutoFeatureExtractor.from_pretrained(folder / "whisper", local_files_only=True)
        # Ten encoder steps of every state (the embeddings and each layer: 50 tokens for whisper-tiny).
        self.positions = _position_code(10 * (whisper.config.encoder_layers + 1), whisper.config.d_model)

    def close(self) -> None:
        del self.unet, self.encoder, self.vae

    # -- the audio ------------------------------------------------------------------------------------

    def audio_tokens(self, audio: np.ndarray, rate: int, fps: int) -> Any:
        """[frames, 10 x states, d]: for each video frame, the whisper states around it, position-coded."""
        torch = self.torch
        samples = resample(audio, rate, WHISPER_RATE)
        states = []
        for start in range(0, max(len(samples), 1), SEGMENT):
            piece = samples[start : start + SEGMENT]
            mel = self.extractor(piece, return_tensors="pt", sampling_rate=WHISPER_RATE).input_features
            with torch.inference_mode():
                hidden = self.encoder(
                    mel.to(self.device_used, self.dtype), output_hidden_states=True
                ).hidden_states
            states.append(torch.stack(hidden, dim=2)[0])  # [1500, layers, d]
        features = torch.cat(states)[: math.floor(len(samples) / WHISPER_RATE * FEATURES_PER_SECOND)]
        per_frame = FEATURES_PER_SECOND / fps
        pad = math.ceil(per_frame)
        zeros = features.new_zeros((pad * 2, *features.shape[1:]))
        padded = torch.cat([zeros, features, features.new_zeros((pad * 6, *features.shape[1:]))])
        frames = math.ceil(len(audio) / rate * fps - 1e-6)
        windows = [padded[math.floor(i * per_frame) : math.floor(i * per_frame) + 10] for i in range(frames)]
        stacked = torch.stack(windows)  # [frames, 10, layers, d]
        tokens = stacked.reshape(frames, -1, stacked.shape[-1])  # time-major: step x state
        return tokens + self.positions.to(tokens.device, tokens.dtype)

    # -- the frames -----------------------------------------------------------------------------------

    def sync(self, frames: Iterator[np.ndarray], req: SyncRequest) -> Iterator[np.ndarray]:
        """(Holds up to batch_size frames at once: each frame must be an array of its own.)"""
        tokens = self.audio_tokens(req.audio, req.rate, req.fps) if req.speakers else None
        tracker = FaceTracker(self.settings.detect_every)
        batch: list[tuple[np.ndarray, tuple[int, int, int, int] | None, int]] = []
        found = speaking = 0
        try:
            for index, frame in enumerate(frames):
                faces = tracker.update(frame)  # followed through silences too, so a box is ready
                speaker = _speaker_at(req.speakers, index / req.fps)
                box = None
                if speaker is not None and tokens is not None:
                    speaking += 1
                    face = speakers_face(faces, req.characters, speaker)
                    box = mouth_box(face.box(), frame.shape) if face is not None else None
                    found += box is not None
                batch.append((frame, box, min(index, len(tokens) - 1) if tokens is not None else 0))
                if len(batch) == self.settings.batch_size:
                    yield from self._flush(batch, tokens)
                    batch = []
            yield from self._flush(batch, tokens)
        finally:  # also when the encoder has all it needs and stops asking
            if speaking and not found:
                log.get().info(
                    "lipsync: no face found where someone speaks; the clip is unchanged", frames=speaking
                )
            elif speaking:
                log.get().info("lipsync: mouths redrawn", frames=found, speaking=speaking)

    def _flush(self, batch: list[tuple[np.ndarray, Any, int]], tokens: Any) -> Iterator[np.ndarray]:
        """The batch's frames, the speakers' faces redrawn."""
        todo = [(i, f, box, t) for i, (f, box, t) in enumerate(batch) if box is not None]
        faces: Any = (
            self._redraw([crop(f, box) for _, f, box, _ in todo], [t for *_, t in todo], tokens)
            if todo
            else []
        )
        out = [f for f, _, _ in batch]
        for (i, frame, box, _), face in zip(todo, faces, strict=True):
            out[i] = blend(frame, face, box, self.settings.feather)
        yield from out

    def _redraw(self, crops: list[np.ndarray], at: list[int], tokens: Any) -> np.ndarray:
        """MuseTalk on a batch of 256x256 RGB faces: the same faces, their lower halves redrawn."""
        torch = self.torch
        with (
            torch_models.out_of_memory_named(f"{len(crops)} faces", "musetalk.batch_size"),
            torch.inference_mode(),
        ):
            faces = torch.from_numpy(np.stack(crops)).to(self.device_used).permute(0, 3, 1, 2)
            faces = faces.to(self.dtype) / 127.5 - 1.0
            masked = faces.clone()
            masked[:, :, FACE // 2 :] = -1.0  # the lower half blanked: what the model draws
            scale = self.vae.config.scaling_factor
            # The distribution's mode, not a sample: the same frames and voice give the same film.
            latents = torch.cat(
                [
                    self.vae.encode(masked).latent_dist.mode() * scale,
                    self.vae.encode(faces).latent_dist.mode() * scale,
                ],
                dim=1,
            )
            audio = tokens[at]
            timestep = torch.zeros(len(crops), device=self.device_used, dtype=torch.long)
            drawn = self.unet(latents, timestep, encoder_hidden_states=audio).sample
            pictures = self.vae.decode(drawn / scale).sample
            pictures = ((pictures.float() / 2 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8)
            return pictures.permute(0, 2, 3, 1).cpu().numpy()


def _speaker_at(speakers: dict[str, list[tuple[float, float]]], t: float) -> str | None:
    for name, spans in speakers.items():
        if any(start <= t < end for start, end in spans):
            return name
    return None


def mouth_box(face: tuple[int, int, int, int], shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """MuseTalk's crop from a face detector's box: the cascade's box ends at the lips' line; the crop
    reaches past the chin. (x0, y0, x1, y1) inside the frame, or None when too little is left."""
    x, y, w, h = face
    height, width = shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + round(h * 1.1))
    return (x0, y0, x1, y1) if x1 - x0 >= 16 and y1 - y0 >= 16 else None


def crop(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return cv2.resize(frame[y0:y1, x0:x1], (FACE, FACE), interpolation=cv2.INTER_LANCZOS4)


def blend(frame: np.ndarray, face: np.ndarray, box: tuple[int, int, int, int], feather: float) -> np.ndarray:
    """The redrawn face put back over the lower half of the box, under a feathered half ellipse."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    drawn = cv2.resize(face, (w, h), interpolation=cv2.INTER_AREA if w < FACE else cv2.INTER_CUBIC)
    mask: Any = np.zeros((h, w), np.float32)
    cv2.ellipse(
        mask, (w // 2, h // 2), (max(1, round(w * 0.42)), max(1, round(h * 0.47))), 0, 0, 360, 1.0, -1
    )
    mask[: h // 2] = 0.0  # above the nose nothing changes
    k = max(3, int(feather * max(w, h)) // 2 * 2 + 1)
    mask = cv2.GaussianBlur(mask, (k, k), 0)[..., None]
    out = frame.copy()
    region = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = (region + (drawn.astype(np.float32) - region) * mask + 0.5).astype(np.uint8)
    return out


def resample(audio: np.ndarray, rate: int, to: int) -> np.ndarray:
    """`audio` at `to` samples per second: low-passed below the new Nyquist, then interpolated."""
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if rate == to or not audio.size:
        return audio
    if to < rate:
        cutoff = 0.45 * to / rate  # of the old rate
        taps = np.arange(-32, 33)
        kernel = np.sinc(2 * cutoff * taps) * np.hanning(len(taps))
        audio = np.convolve(audio, (kernel / kernel.sum()).astype(np.float32), mode="same")
    count = math.floor(len(audio) * to / rate)
    return np.interp(np.arange(count) * rate / to, np.arange(len(audio)), audio).astype(np.float32)


def _position_code(length: int, d: int) -> Any:
    """The sinusoidal position code MuseTalk adds to its audio tokens (no weights)."""
    import torch

    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    code = torch.zeros(length, d)
    code[:, 0::2] = torch.sin(position * div)
    code[:, 1::2] = torch.cos(position * div)
    return code


def model_folder_problem(folder: str) -> str:
    """What is missing from a MuseTalk models folder, naming the file; "" when nothing is."""
    if not folder:
        return (
            "no model folder: set musetalk.model to MuseTalk's models/ folder"
            " (musetalkV15/, sd-vae/, whisper/)"
        )
    path = Path(folder)
    if not path.is_dir():
        return (
            f"musetalk.model: {folder} is not a folder; put MuseTalk's models/ there (nothing is downloaded)"
        )
    for name in FILES:
        if not (path / name).is_file():
            return f"musetalk.model: {path / name} is missing (MuseTalk's published layout)"
    for part in ("sd-vae", "whisper"):
        if not any(p.suffix in (".bin", ".safetensors") for p in (path / part).iterdir()):
            return f"musetalk.model: {path / part} has a config.json but no weights (.safetensors or .bin)"
    try:
        unet = json.loads((path / "musetalkV15" / "musetalk.json").read_text("utf-8"))
        whisper = json.loads((path / "whisper" / "config.json").read_text("utf-8"))
        channels = (unet["in_channels"], unet["out_channels"])
        widths = (unet["cross_attention_dim"], whisper["d_model"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"musetalk.model: its musetalk.json or whisper/config.json cannot be read: {exc}"
    if channels != (8, 4):
        return (
            f"musetalk.model: {path / 'musetalkV15' / 'musetalk.json'} says in_channels {channels[0]},"
            f" out_channels {channels[1]}; MuseTalk's are 8 and 4 (an early v1.5 musetalk.json was wrong:"
            " take the current one)"
        )
    if widths[0] != widths[1]:
        return (
            f"musetalk.model: the UNet attends to {widths[0]} features, the whisper in {path / 'whisper'}"
            f" makes {widths[1]}: they are not one model"
        )
    return ""
