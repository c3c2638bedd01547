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


def t5_tokenizer(folder: Path) -> None:
    """A T5 Unigram tokenizer over single printable ASCII characters, built in Python because
    transformers ships no vocabulary (and there is no sentencepiece model to load)."""
    from transformers import T5Tokenizer

    # T5's layout: <pad>=0, </s>=1, <unk>=2; "▁" marks a word start, so every word splits into characters.
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -1.0)]
    pieces += [(chr(c), -2.0) for c in range(ord("!"), ord("~") + 1)]
    # No <extra_id_*> sentinels: they only matter for span-corruption training.
    T5Tokenizer(vocab=pieces, extra_ids=0, model_max_length=128).save_pretrained(folder)


def ltx_image_to_video(folder: Path, seed: int = 0) -> Path:
    """A tiny LTX-Video image-to-video pipeline in `folder` (about 0.7 MB). The VAE keeps the real model's
    compression (32x spatially through patch_size 4 and three 2x stages, 8x in time), so the same
    height/width and num_frames rules hold as for Lightricks/LTX-Video."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    torch.manual_seed(seed)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        num_layers=1,
        caption_channels=16,
    )
    vae = AutoencoderKLLTXVideo(
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        # As in LTX-Video 0.9.1 and later: the decoder takes `decode_timestep` / `decode_noise_scale`.
        timestep_conditioning=True,
    )
    t5_tokenizer(folder / "tokenizer")
    tokenizer = T5Tokenizer.from_pretrained(folder / "tokenizer")
    # dropout 0: a model built in Python starts in training mode, and the pipeline never calls eval().
    text = T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer),
            d_model=16,
            d_kv=8,
            d_ff=32,
            num_layers=1,
            num_heads=2,
            dropout_rate=0.0,
        )
    )
    pipe = LTXImageToVideoPipeline(
        transformer=transformer,
        vae=vae,
        text_encoder=text,
        tokenizer=tokenizer,
        scheduler=FlowMatchEulerDiscreteScheduler(),
    )
    pipe.save_pretrained(folder)
    return folder


def stable_video_diffusion(folder: Path, seed: int = 0) -> Path:
    """A tiny Stable Video Diffusion (img2vid) pipeline in `folder` (about 4.5 MB). Channel counts are
    multiples of 32 because the spatio-temporal blocks hard-code 32 norm groups; the VAE has four stages
    so that latents are 8x smaller than frames, as in the real model."""
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    unet = UNetSpatioTemporalConditionModel(
        sample_size=8,
        block_out_channels=(32, 32),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=16,
        num_attention_heads=2,
        # The added time ids are (fps, motion_bucket_id, noise_aug_strength), each embedded in 16 values.
        addition_time_embed_dim=16,
        projection_class_embeddings_input_dim=48,
        num_frames=14,
    )
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=(32, 32, 32, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        layers_per_block=1,
        latent_channels=4,
    )
    # The pipeline resizes the conditioning image to 224x224 itself before the CLIP image encoder.
    encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=1,
            image_size=224,
            patch_size=32,
            projection_dim=16,
        )
    )
    # SVD's own scheduler settings (v-prediction, continuous Karras sigmas).
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        prediction_type="v_prediction",
        interpolation_type="linear",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        use_karras_sigmas=True,
    )
    pipe = StableVideoDiffusionPipeline(
        unet=unet,
        vae=vae,
        image_encoder=encoder,
        feature_extractor=CLIPImageProcessor(crop_size=224, size=224),
        scheduler=scheduler,
    )
    pipe.save_pretrained(folder)
    return folder


def animatediff(folder: Path, seed: int = 0) -> Path:
    """A tiny AnimateDiff video-to-video pipeline in `folder`: the tiny SD pipeline above plus a motion
    adapter, saved as one folder (the UNet is stored already merged into a UNetMotionModel)."""
    import tempfile

    import torch
    from diffusers import AnimateDiffVideoToVideoPipeline, MotionAdapter, StableDiffusionPipeline

    with tempfile.TemporaryDirectory() as scratch:
        sd = StableDiffusionPipeline.from_pretrained(stable_diffusion(Path(scratch) / "sd", seed))
    torch.manual_seed(seed)
    # Matches the SD UNet's blocks: one motion layer per resnet, groups dividing 8 and 16 channels.
    adapter = MotionAdapter(
        block_out_channels=(8, 16),
        motion_layers_per_block=1,
        motion_norm_num_groups=4,
        motion_num_attention_heads=2,
    )
    pipe = AnimateDiffVideoToVideoPipeline(
        vae=sd.vae,
        text_encoder=sd.text_encoder,
        tokenizer=sd.tokenizer,
        unet=sd.unet,
        motion_adapter=adapter,
        scheduler=sd.scheduler,
    )
    pipe.save_pretrained(folder)
    return folder


def musicgen(folder: Path, seed: int = 0) -> Path:
    """A tiny mono MusicGen (T5 text encoder, EnCodec at 32 kHz, a one-layer decoder over three
    codebooks) with its processor, in the layout facebook/musicgen-small has (about 1 MB). Its codec
    makes 100 audio tokens a second (the real one 50): the windowing sees the same arithmetic."""
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

    torch.manual_seed(seed)
    t5_tokenizer(folder / "tokenizer")
    tokenizer = T5Tokenizer.from_pretrained(folder / "tokenizer")
    text = T5Config(
        vocab_size=len(tokenizer), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2, dropout_rate=0.0
    )
    codec = EncodecConfig(
        target_bandwidths=[2.2],
        num_filters=4,
        upsampling_ratios=[8, 5, 4, 2],
        codebook_size=64,
        codebook_dim=16,
        hidden_size=16,
        num_lstm_layers=1,
        sampling_rate=32000,
        normalize=False,
        audio_channels=1,
    )
    decoder = MusicgenDecoderConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=1,
        ffn_dim=32,
        num_attention_heads=2,
        num_codebooks=codec.num_quantizers,
        pad_token_id=64,  # as in the real model: the codebook size is the pad and start token
        bos_token_id=64,
        max_position_embeddings=4096,
        dropout=0.0,
    )
    model = MusicgenForConditionalGeneration(
        MusicgenConfig(text_encoder=text.to_dict(), audio_encoder=codec.to_dict(), decoder=decoder.to_dict())
    )
    # EnCodec's codebooks start as zeros (a real model's are learnt): every code would decode to the same
    # sound, whatever was sampled. Random codebooks make each code a sound of its own.
    for layer in model.audio_encoder.quantizer.layers:
        layer.codebook.embed.normal_(0.0, 1.0)
        layer.codebook.embed_avg.copy_(layer.codebook.embed)
        layer.codebook.cluster_size.fill_(1.0)
    model.generation_config.decoder_start_token_id = 64
    model.generation_config.pad_token_id = 64
    model.save_pretrained(folder)
    processor = MusicgenProcessor(
        feature_extractor=EncodecFeatureExtractor(sampling_rate=32000), tokenizer=tokenizer
    )
    processor.save_pretrained(folder)
    return folder
