"""A tiny random-weight MuseTalk v1.5 in the published `models/` layout, so that a lip-sync backend loads
it with the same calls as upstream (TMElyralab/MuseTalk musetalk/models/{unet,vae}.py, scripts/inference.py):

    models/musetalkV15/musetalk.json   UNet2DConditionModel(**json.load(...))
    models/musetalkV15/unet.pth        torch.load(...) -> unet.load_state_dict(...)
    models/sd-vae/config.json          AutoencoderKL.from_pretrained("models/sd-vae")
    models/sd-vae/diffusion_pytorch_model.bin
    models/whisper/config.json         WhisperModel.from_pretrained("models/whisper")
    models/whisper/pytorch_model.bin
    models/whisper/preprocessor_config.json   AutoFeatureExtractor.from_pretrained("models/whisper")

What is kept from the real model: every file name and format, the UNet's block types and its 8 in / 4 out
channels, the VAE's four stages (256x256 face -> 4x32x32 latents) and its default scaling factor, whisper's
80 mel bins, 3000-frame (30 s) input, 1500 positions and four encoder layers (so five hidden states, hence
10 x 5 = 50 audio tokens per video frame). What differs: widths. Whisper's d_model, and so the UNet's
cross_attention_dim and the positional encoding's d_model, is 32 instead of 384: a backend must take that
size from whisper's config (`d_model`), not hard-code 384 as upstream does. One layer per block instead of
two. Not built: dwpose, face-parse-bisent and syncnet (plain PyTorch nets that need MuseTalk's own code).

    >>> from tiny_musetalk import musetalk_folder
    >>> models = musetalk_folder(tmp_path / "models")   # about 1.5 MB, built in about 0.1 s
    >>> (models / "musetalkV15" / "unet.pth").is_file()
    True

`python tests/tiny_musetalk.py` builds one in a temporary folder, loads each part with the real calls and
runs one frame through (face -> masked/reference latents -> UNet with audio tokens -> VAE decode).
"""

from __future__ import annotations

import json
from pathlib import Path

# The real musetalkV15/musetalk.json (identical to v1.0's), with only the widths made small. Written as is,
# keys with a leading "_" included: upstream passes the whole dict to UNet2DConditionModel(**config) and
# diffusers' register_to_config drops them.
UNET_CONFIG: dict[str, object] = {
    "_class_name": "UNet2DConditionModel",
    "_diffusers_version": "0.6.0.dev0",
    "act_fn": "silu",
    "attention_head_dim": 2,  # real 8; diffusers reads it as the number of heads
    "block_out_channels": [8, 16, 16, 16],  # real [320, 640, 1280, 1280]
    "center_input_sample": False,
    "cross_attention_dim": 32,  # real 384 = whisper-tiny d_model
    "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 8,  # masked-face latents (4) then reference latents (4)
    "layers_per_block": 1,  # real 2
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 4,  # real 32; must divide every width
    "out_channels": 4,
    "sample_size": 64,  # nominal, as in the real file; the latents are 32x32
    "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
}

# stabilityai/sd-vae-ft-mse's config.json has exactly these keys (diffusers 0.4.2): no scaling_factor, so
# diffusers' default 0.18215 applies, which is what MuseTalk reads from vae.config.
VAE_CONFIG: dict[str, object] = {
    "_class_name": "AutoencoderKL",
    "_diffusers_version": "0.4.2",
    "act_fn": "silu",
    "block_out_channels": [8, 8, 16, 16],  # real [128, 256, 512, 512]; four stages = 8x downsampling
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 1,  # real 2
    "norm_num_groups": 4,  # real 32
    "out_channels": 3,
    "sample_size": 256,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}

WHISPER_D_MODEL = 32


def musetalk_folder(folder: Path, seed: int = 0) -> Path:
    """Write a tiny MuseTalk v1.5 `models/` folder (musetalkV15/, sd-vae/, whisper/) into `folder`."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel

    torch.manual_seed(seed)
    unet_dir = folder / "musetalkV15"
    unet_dir.mkdir(parents=True, exist_ok=True)
    (unet_dir / "musetalk.json").write_text(json.dumps(UNET_CONFIG, indent=2) + "\n")
    unet = UNet2DConditionModel(**UNET_CONFIG)
    # A bare state_dict of tensors, as upstream saves it (musetalk/utils/utils.py save_checkpoint), so that
    # torch.load's default weights_only=True reads it.
    torch.save(unet.state_dict(), unet_dir / "unet.pth")

    vae_dir = folder / "sd-vae"
    vae_dir.mkdir(parents=True, exist_ok=True)
    (vae_dir / "config.json").write_text(json.dumps(VAE_CONFIG, indent=2) + "\n")
    vae = AutoencoderKL(**{k: v for k, v in VAE_CONFIG.items() if not k.startswith("_")})
    torch.save(_legacy_vae_keys(vae.state_dict()), vae_dir / "diffusion_pytorch_model.bin")

    _whisper(folder / "whisper")
    return folder


def _legacy_vae_keys(state: dict[str, object]) -> dict[str, object]:
    """sd-vae-ft-mse's .bin predates diffusers' Attention class: its mid-block attention is stored as
    query/key/value/proj_attn. Writing the old names keeps diffusers' own renaming on load exercised."""
    renames = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}
    out: dict[str, object] = {}
    for key, value in state.items():
        for new, old in renames.items():
            marker = f".attentions.0.{new}."
            if ".mid_block" + marker in "." + key:
                key = key.replace(marker, f".attentions.0.{old}.")
        out[key] = value
    return out


def _whisper(folder: Path) -> None:
    """A four-layer whisper in openai/whisper-tiny's layout: a WhisperForConditionalGeneration checkpoint
    (keys under "model."), which WhisperModel.from_pretrained loads by dropping that prefix."""
    import torch
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

    config = WhisperConfig(
        d_model=WHISPER_D_MODEL,
        encoder_layers=4,  # as whisper-tiny: hidden_states = embeddings + 4 layers = 5
        encoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_layers=1,  # MuseTalk never runs the decoder; it only has to load
        decoder_attention_heads=2,
        decoder_ffn_dim=64,
        num_mel_bins=80,
        max_source_positions=1500,  # the encoder insists on exactly 2 * 1500 = 3000 mel frames (30 s)
        max_target_positions=16,
        # A small vocabulary needs special ids inside it (the defaults are around 50257).
        vocab_size=64,
        pad_token_id=1,
        bos_token_id=1,
        eos_token_id=1,
        decoder_start_token_id=2,
        suppress_tokens=[],
        begin_suppress_tokens=[],
        architectures=["WhisperForConditionalGeneration"],
    )
    model = WhisperForConditionalGeneration(config)
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)
    # proj_out is tied to the decoder's token embedding; the published checkpoint does not store it twice.
    state = {k: v for k, v in model.state_dict().items() if k != "proj_out.weight"}
    torch.save(state, folder / "pytorch_model.bin")
    # whisper-tiny's extractor settings are WhisperFeatureExtractor's defaults (80 mels, 16 kHz, 30 s chunks).
    WhisperFeatureExtractor().save_pretrained(folder)


def drawn_face(
    width: int = 320, height: int = 240, faces: tuple[tuple[int, int, int], ...] = ((160, 130, 60),)
):
    """An RGB picture with faces drawn plainly enough for OpenCV's frontal-face cascade to find them
    (a generated picture of random weights has none): each face is (centre x, centre y, half height)."""
    import cv2
    import numpy as np

    img = np.full((height, width, 3), (70, 90, 110), np.uint8)
    for cx, cy, s in faces:
        cv2.ellipse(img, (cx, cy), (int(s * 0.78), s), 0, 0, 360, (200, 160, 135), -1)  # skin
        cv2.ellipse(
            img, (cx, cy - int(s * 0.95)), (int(s * 0.85), int(s * 0.45)), 0, 180, 360, (40, 30, 25), -1
        )
        for side in (-1, 1):
            ex, ey = cx + side * int(s * 0.33), cy - int(s * 0.18)
            cv2.ellipse(
                img, (ex, ey - int(s * 0.17)), (int(s * 0.2), int(s * 0.05)), 0, 0, 360, (50, 35, 30), -1
            )
            cv2.ellipse(img, (ex, ey), (int(s * 0.17), int(s * 0.08)), 0, 0, 360, (235, 235, 230), -1)
            cv2.circle(img, (ex, ey), int(s * 0.07), (40, 30, 30), -1)
        cv2.ellipse(
            img, (cx, cy + int(s * 0.12)), (int(s * 0.09), int(s * 0.2)), 0, 0, 360, (175, 135, 115), -1
        )
        cv2.ellipse(
            img, (cx, cy + int(s * 0.5)), (int(s * 0.28), int(s * 0.08)), 0, 0, 360, (140, 60, 60), -1
        )
    return cv2.GaussianBlur(img, (5, 5), 0)


def _smoke_test() -> None:
    """Build, load each part with upstream's calls, and run one frame the way scripts/inference.py does."""
    import math
    import os
    import tempfile
    import time

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import AutoFeatureExtractor, WhisperModel

    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        models = musetalk_folder(Path(scratch) / "models")
        files = sorted(p for p in models.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in files)
        print(f"built in {time.perf_counter() - start:.2f} s, {size / 1e6:.2f} MB:")
        print(" ", ", ".join(str(p.relative_to(models)) for p in files))

        start = time.perf_counter()
        config = json.loads((models / "musetalkV15" / "musetalk.json").read_text())
        unet = UNet2DConditionModel(**config)
        unet.load_state_dict(torch.load(models / "musetalkV15" / "unet.pth", map_location="cpu"))
        unet.eval()
        vae, info = AutoencoderKL.from_pretrained(
            models / "sd-vae", local_files_only=True, output_loading_info=True
        )
        assert not any(info.values()), info  # the legacy attention keys were all renamed
        extractor = AutoFeatureExtractor.from_pretrained(models / "whisper", local_files_only=True)
        whisper, info = WhisperModel.from_pretrained(
            models / "whisper", local_files_only=True, output_loading_info=True
        )
        assert not info["missing_keys"] and not info["unexpected_keys"], info
        whisper.eval()
        loaded = time.perf_counter() - start

        start = time.perf_counter()
        with torch.no_grad():
            # Audio (musetalk/utils/audio_processor.py): 1.2 s at 16 kHz -> 30 video frames at 25 fps.
            samples = np.random.default_rng(0).standard_normal(19200).astype(np.float32) * 0.1
            mel = extractor(samples, return_tensors="pt", sampling_rate=16000).input_features  # [1, 80, 3000]
            states = whisper.encoder(mel, output_hidden_states=True).hidden_states
            hidden = torch.stack(states, dim=2)  # [1, 1500, 5, d]
            hidden = hidden[:, : math.floor(len(samples) / 16000 * 50)]  # [1, 60, 5, d]
            hidden = torch.cat([torch.zeros_like(hidden[:, :4]), hidden, torch.zeros_like(hidden[:, :12])], 1)
            frames = math.floor(len(samples) / 16000 * 25)
            chunks = torch.cat([hidden[:, 2 * i : 2 * i + 10] for i in range(frames)])  # [T, 10, 5, d]
            tokens = chunks.reshape(frames, 50, -1)  # einops 'b c h w -> b (c h) w'
            # PositionalEncoding(d_model) of musetalk/models/unet.py, added to the 50 tokens.
            d = tokens.shape[-1]
            position = torch.arange(50, dtype=torch.float).unsqueeze(1)
            div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
            pe = torch.zeros(50, d)
            pe[:, 0::2], pe[:, 1::2] = torch.sin(position * div), torch.cos(position * div)
            tokens = tokens + pe

            # Face (musetalk/models/vae.py): a 256x256 RGB crop in [-1, 1], its lower half set to -1.
            face = torch.rand(1, 3, 256, 256) * 2 - 1
            masked = face.clone()
            masked[:, :, 128:] = -1
            scale = vae.config.scaling_factor
            masked_latents = vae.encode(masked).latent_dist.sample() * scale
            ref_latents = vae.encode(face).latent_dist.sample() * scale
            latents = torch.cat([masked_latents, ref_latents], dim=1)  # [1, 8, 32, 32]
            out = unet(latents, torch.tensor([0]), encoder_hidden_states=tokens[:1]).sample  # [1, 4, 32, 32]
            image = vae.decode(out / scale).sample  # [1, 3, 256, 256]
        ran = time.perf_counter() - start
        print(f"scaling_factor {scale}; mel {tuple(mel.shape)}; {len(states)} hidden states")
        print(f"tokens {tuple(tokens.shape)}; latents {tuple(latents.shape)} -> unet {tuple(out.shape)}")
        print(f"image {tuple(image.shape)}; load {loaded:.2f} s, forward {ran:.2f} s")
        assert len(states) == 5 and tokens.shape == (frames, 50, WHISPER_D_MODEL)
        assert latents.shape == (1, 8, 32, 32) and out.shape == (1, 4, 32, 32)
        assert image.shape == (1, 3, 256, 256)


if __name__ == "__main__":
    _smoke_test()
