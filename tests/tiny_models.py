"""Tiny diffusers pipelines with random weights, built from small configs and saved to a folder the
way a real model folder is laid out, so that the backends load them with the libraries' own code."""

from __future__ import annotations

from pathlib import Path


def clip_tokenizer(folder: Path) -> None:
    """A CLIP BPE tokenizer whose vocabulary is the 256 byte symbols (transformers ships none)."""
    from transformers import CLIPTokenizer

    symbols = _byte_symbols()
    vocab = {s: i for i, s in enumerate([*symbols, *(s + "</w>" for s in symbols)])}
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)
    tokenizer.save_pretrained(folder)


def _byte_symbols() -> list[str]:
    """The 256 printable characters byte-level BPE writes bytes as (printable bytes stand for
    themselves; the others are moved above U+0100)."""
    kept = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    moved = [b for b in range(256) if b not in kept]
    table = {b: chr(b) for b in kept} | {b: chr(256 + i) for i, b in enumerate(moved)}
    return [table[b] for b in range(256)]


def stable_diffusion(folder: Path, seed: int = 0) -> Path:
    """A tiny SD 1.5-shaped text-to-image pipeline in `folder` (about 1 MB)."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=16,
        attention_head_dim=2,
        norm_num_groups=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 8),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=4,
        sample_size=32,
    )
    text = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=1,
            vocab_size=600,
            max_position_embeddings=77,
            projection_dim=16,
        )
    )
    clip_tokenizer(folder / "tokenizer")
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text,
        tokenizer=CLIPTokenizer.from_pretrained(folder / "tokenizer"),
        scheduler=DDIMScheduler(beta_schedule="scaled_linear", clip_sample=False, steps_offset=1),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder)
    return folder
