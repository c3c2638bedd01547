"""Full-size models with random weights, built from their published configurations
(benchmarks/configs/*.json, no weights) and saved in their published layouts, for benchmarks/gpu.py:
what scriptvid's backends load with the libraries' own loading code, as they would real weights."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

CONFIGS = Path(__file__).resolve().parent / "configs"


def load(name: str) -> dict[str, Any]:
    return json.loads((CONFIGS / f"{name}.json").read_text())


def build_sd15(folder: Path, device: str) -> Path:
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    import tiny_models

    cfg = load("sd15")
    tiny_models.clip_tokenizer(folder / "tokenizer")
    with torch.device(device):  # random weights made where they will run: seconds, not minutes
        pipe = StableDiffusionPipeline(
            unet=UNet2DConditionModel(**cfg["unet"]),
            vae=AutoencoderKL(**cfg["vae"]),
            text_encoder=CLIPTextModel(CLIPTextConfig(**cfg["text_encoder"])),
            tokenizer=CLIPTokenizer.from_pretrained(folder / "tokenizer"),
            scheduler=DDIMScheduler(**cfg["scheduler"]),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
    pipe.to(torch.float16).save_pretrained(folder)
    return folder


def build_ltx(folder: Path, device: str) -> Path:
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    import tiny_models

    cfg = load("ltx_video")
    tiny_models.t5_tokenizer(folder / "tokenizer")
    with torch.device(device):
        pipe = LTXImageToVideoPipeline(
            transformer=LTXVideoTransformer3DModel(**cfg["transformer"]),
            vae=AutoencoderKLLTXVideo(**cfg["vae"]),
            text_encoder=T5EncoderModel(T5Config(**cfg["text_encoder"])),
            tokenizer=T5Tokenizer.from_pretrained(folder / "tokenizer"),
            scheduler=FlowMatchEulerDiscreteScheduler(**cfg["scheduler"]),
        )
    pipe.to(torch.bfloat16).save_pretrained(folder)
    return folder


def build_musetalk(folder: Path, device: str) -> Path:
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

    cfg = load("musetalk")
    (folder / "musetalkV15").mkdir(parents=True)
    (folder / "musetalkV15" / "musetalk.json").write_text(json.dumps(cfg["unet"]))
    with torch.device(device):
        torch.save(UNet2DConditionModel(**cfg["unet"]).state_dict(), folder / "musetalkV15" / "unet.pth")
        AutoencoderKL(**cfg["vae"]).save_pretrained(folder / "sd-vae")
        WhisperForConditionalGeneration(WhisperConfig(**cfg["whisper"])).save_pretrained(folder / "whisper")
    WhisperFeatureExtractor().save_pretrained(folder / "whisper")
    return folder


def build_musicgen(folder: Path, device: str) -> Path:
    import torch
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Config,
        T5Tokenizer,
    )

    import tiny_models

    cfg = load("musicgen_small")
    tiny_models.t5_tokenizer(folder / "tokenizer")
    config = MusicgenConfig(
        text_encoder=T5Config(**cfg["text_encoder"]).to_dict(),
        audio_encoder=EncodecConfig(**cfg["audio_encoder"]).to_dict(),
        decoder=MusicgenDecoderConfig(**cfg["decoder"]).to_dict(),
    )
    with torch.device(device):
        model = MusicgenForConditionalGeneration(config)
        for layer in model.audio_encoder.quantizer.layers:  # learnt in the real model; zeros when built
            layer.codebook.embed.normal_()
    model.generation_config.decoder_start_token_id = 2048
    model.generation_config.pad_token_id = 2048
    model.save_pretrained(folder)
    tokenizer = T5Tokenizer.from_pretrained(folder / "tokenizer")
    MusicgenProcessor(
        feature_extractor=EncodecFeatureExtractor(sampling_rate=32000), tokenizer=tokenizer
    ).save_pretrained(folder)
    return folder


def _xtts_v2() -> Any:
    from TTS.tts.configs.xtts_config import XttsArgs, XttsConfig
    from TTS.tts.models.xtts import Xtts

    model = Xtts(
        XttsConfig(model_args=XttsArgs(**load("xtts_v2")["model_args"], gpt_number_text_tokens=6681))
    )
    model.init_models()
    return model


def check_configs() -> list[dict[str, Any]]:
    """Each full model built on the meta device (no memory, no weights): its parameters, in millions."""
    from accelerate import init_empty_weights
    from diffusers import (
        AutoencoderKL,
        AutoencoderKLLTXVideo,
        LTXVideoTransformer3DModel,
        UNet2DConditionModel,
    )
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        MusicgenDecoderConfig,
        MusicgenForCausalLM,
        T5Config,
        T5EncoderModel,
        WhisperConfig,
        WhisperModel,
    )

    sd, ltx, muse, small = load("sd15"), load("ltx_video"), load("musetalk"), load("musicgen_small")
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("sd15 unet", lambda: UNet2DConditionModel(**sd["unet"])),
        ("sd15 vae", lambda: AutoencoderKL(**sd["vae"])),
        ("sd15 text encoder", lambda: CLIPTextModel(CLIPTextConfig(**sd["text_encoder"]))),
        ("ltx transformer", lambda: LTXVideoTransformer3DModel(**ltx["transformer"])),
        ("ltx vae", lambda: AutoencoderKLLTXVideo(**ltx["vae"])),
        ("ltx text encoder (t5-xxl)", lambda: T5EncoderModel(T5Config(**ltx["text_encoder"]))),
        ("musetalk unet", lambda: UNet2DConditionModel(**muse["unet"])),
        ("musetalk whisper-tiny", lambda: WhisperModel(WhisperConfig(**muse["whisper"]))),
        ("musicgen-small decoder", lambda: MusicgenForCausalLM(MusicgenDecoderConfig(**small["decoder"]))),
        ("xtts v2", _xtts_v2),
    ]
    out = []
    for name, make in parts:
        with init_empty_weights():
            model = make()
        out.append(
            {"model": name, "parameters_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 1)}
        )
    return out


def build_xtts(folder: Path, device: str) -> Path:
    """XTTS v2 at full size (the GPT of 30 layers, the HiFi-GAN decoder, the speaker encoder)."""
    import torch
    from TTS.tts.configs.xtts_config import XttsArgs, XttsConfig
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.models.xtts import Xtts

    import tiny_coqui

    folder.mkdir(parents=True, exist_ok=True)
    tiny_coqui.xtts_vocab(folder / "vocab.json")
    config = XttsConfig(model_args=XttsArgs(**load("xtts_v2")["model_args"]))
    with torch.device(device):
        model = Xtts(config)
        model.tokenizer = VoiceBpeTokenizer(vocab_file=folder / "vocab.json")
        model.init_models()
    config.model_args = model.args
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    return folder
