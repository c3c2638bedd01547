"""A tiny IP-Adapter with random weights, written in the layout h94/IP-Adapter publishes for SD 1.5:

    <folder>/models/ip-adapter_sd15.safetensors   keys "image_proj.<k>" and "ip_adapter.<k>"
    <folder>/models/ip-adapter_sd15.bin           torch.save({"image_proj": {...}, "ip_adapter": {...}})
    <folder>/models/image_encoder/                 CLIPVisionModelWithProjection.save_pretrained

so that `pipe.load_ip_adapter(folder, subfolder="models", weight_name="ip-adapter_sd15.safetensors",
local_files_only=True)` loads it into the tiny SD pipeline of tests/tiny_models.py with diffusers' own
code (the image encoder comes from "models" + "image_encoder"; the pipeline's missing feature_extractor
is built in memory by diffusers as CLIPImageProcessor(size=crop_size=the encoder's image_size), which
reads nothing from disk or network).

Key names follow the original IP-Adapter checkpoints, as diffusers' converters in loaders/unet.py read
them: image_proj = {"proj.weight" (4*cross_attention_dim, clip_projection_dim), "proj.bias",
"norm.weight", "norm.bias" (cross_attention_dim)}; ip_adapter = {"<k>.to_k_ip.weight",
"<k>.to_v_ip.weight" (hidden_size, cross_attention_dim)} with k = 1, 3, 5, ... counting the UNet's
attention processors in order (odd numbers are the cross-attention attn2 ones)."""

from __future__ import annotations

from pathlib import Path

WEIGHT_NAME = "ip-adapter_sd15"  # .safetensors and .bin
SUBFOLDER = "models"
IMAGE_ENCODER_FOLDER = "image_encoder"  # relative to SUBFOLDER, as h94 lays it out
NUM_TOKENS = 4  # the plain IP-Adapter's image tokens (ImageProjection)


def ip_adapter_state_dict(unet_config: dict, clip_projection_dim: int, seed: int = 0) -> dict:
    """{"image_proj": {...}, "ip_adapter": {...}} for a plain (non-plus) IP-Adapter on a UNet whose
    config is `unet_config` (needs cross_attention_dim, block_out_channels, down/up_block_types,
    layers_per_block, transformer_layers_per_block)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    cross = int(unet_config["cross_attention_dim"])

    def rand(*shape: int) -> torch.Tensor:
        return (torch.randn(*shape, generator=gen) * 0.1).contiguous()

    image_proj = {
        "proj.weight": rand(NUM_TOKENS * cross, clip_projection_dim),
        "proj.bias": rand(NUM_TOKENS * cross),
        "norm.weight": torch.ones(cross),
        "norm.bias": torch.zeros(cross),
    }
    ip_adapter = {}
    key_id = 1
    for hidden_size in _cross_attention_hidden_sizes(unet_config):
        ip_adapter[f"{key_id}.to_k_ip.weight"] = rand(hidden_size, cross)
        ip_adapter[f"{key_id}.to_v_ip.weight"] = rand(hidden_size, cross)
        key_id += 2
    return {"image_proj": image_proj, "ip_adapter": ip_adapter}


def _cross_attention_hidden_sizes(unet_config: dict) -> list[int]:
    """Channel width of each cross-attention (attn2) processor, in `unet.attn_processors` order
    (down blocks, up blocks, mid block, as diffusers registers the modules). Built from a meta-device
    UNet so that the order is exactly diffusers' own."""
    import torch
    from diffusers import UNet2DConditionModel

    with torch.device("meta"):
        unet = UNet2DConditionModel.from_config(unet_config)
    channels = unet.config.block_out_channels
    sizes = []
    for name in unet.attn_processors:
        if name.endswith("attn1.processor") or "motion_modules" in name:
            continue
        if name.startswith("mid_block"):
            sizes.append(channels[-1])
        elif name.startswith("up_blocks"):
            sizes.append(list(reversed(channels))[int(name[len("up_blocks.")])])
        else:
            sizes.append(channels[int(name[len("down_blocks.")])])
    return sizes


def tiny_unet_config(unet_cross_attention_dim: int = 16) -> dict:
    """The UNet config of tests/tiny_models.stable_diffusion (kept in step with it)."""
    return {
        "block_out_channels": (8, 16),
        "layers_per_block": 1,
        "sample_size": 16,
        "in_channels": 4,
        "out_channels": 4,
        "down_block_types": ("CrossAttnDownBlock2D", "DownBlock2D"),
        "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D"),
        "cross_attention_dim": unet_cross_attention_dim,
        "attention_head_dim": 2,
        "norm_num_groups": 4,
    }


def ip_adapter_folder(
    folder: Path,
    unet_cross_attention_dim: int = 16,
    seed: int = 0,
    *,
    unet_config: dict | None = None,
) -> Path:
    """Write a tiny random SD 1.5-style IP-Adapter into `folder` (h94 layout, a few hundred KB) and
    return `folder`. `unet_config` (e.g. `dict(pipe.unet.config)`) overrides the tiny SD UNet's."""
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    folder = Path(folder)
    models = folder / SUBFOLDER
    models.mkdir(parents=True, exist_ok=True)

    config = tiny_unet_config(unet_cross_attention_dim) if unet_config is None else dict(unet_config)

    torch.manual_seed(seed)
    vision = CLIPVisionConfig(
        hidden_size=16,
        intermediate_size=32,
        num_attention_heads=2,
        num_hidden_layers=1,
        image_size=32,
        patch_size=8,
        projection_dim=12,
    )
    encoder = CLIPVisionModelWithProjection(vision).eval()
    encoder.save_pretrained(models / IMAGE_ENCODER_FOLDER)

    state = ip_adapter_state_dict(config, vision.projection_dim, seed=seed)
    flat = {f"{part}.{k}": v for part, tensors in state.items() for k, v in tensors.items()}
    save_file(flat, str(models / f"{WEIGHT_NAME}.safetensors"))
    torch.save(state, models / f"{WEIGHT_NAME}.bin")
    return folder
