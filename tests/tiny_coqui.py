"""Tiny Coqui TTS models with random weights, built from small configs with coqui-tts's own classes and
saved in the folder layout the published models have, so that the `coqui` voice backend loads them
with the library's own loading code:

- XTTS v2 (voice cloning): config.json, model.pth, vocab.json, speakers_xtts.pth, mel_stats.pth
  (the published folder also has dvae.pth, which only fine-tuning reads).
- VITS multi-speaker (like tts_models/en/vctk/vits): config.json, model_file.pth, speaker_ids.json.

`spoken_wav` makes a person's recording to clone from: real speech, by the Piper voice.

The random models never say anything intelligible, and the random XTTS GPT never emits its stop token:
it always generates until its cap (`gpt_max_audio_tokens` here, or `max_new_tokens` in the call).
"""

from __future__ import annotations

import json
import string
from pathlib import Path

# Characters the tiny XTTS vocabulary knows (anything else encodes as [UNK], as a real vocab would).
_XTTS_CHARS = (
    string.ascii_lowercase + string.digits + "'.,!?-:;\"()" + "àâäçéèêëîïôöùûüÿñßáíóúãõœæåøłśźżćńąęčřšžýůőű"
)
# Tensors larger than _SHRINK_NUMEL elements are saved as views of one random buffer (see _shrink).
_SHRINK_NUMEL = 2048
_SHARED_NUMEL = 1 << 16


def xtts_vocab(path: Path) -> None:
    """An XTTS-style BPE vocab.json: single characters, no merges, XTTS's special and language tokens."""
    from tokenizers import Tokenizer
    from tokenizers.models import BPE
    from tokenizers.pre_tokenizers import Whitespace
    from TTS.tts.configs.xtts_config import XttsConfig

    # The tokenizer prefixes each text with "[lang]", for the 17 languages XTTS v2 lists.
    languages = XttsConfig().languages
    specials = ["[STOP]", "[UNK]", "[SPACE]", "[START]", *(f"[{lang}]" for lang in languages)]
    vocab = {tok: i for i, tok in enumerate([*specials, *_XTTS_CHARS])}
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=[], unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    tokenizer.add_special_tokens(specials)
    tokenizer.save(str(path))


def xtts_folder(
    folder: Path,
    seed: int = 0,
    speakers: tuple[str, ...] = ("Ana Florence", "Viktor Eka"),
    max_audio_tokens: int = 8,
    original_format: bool = False,
) -> Path:
    """A tiny XTTS v2 model folder (about 0.85 MB). The GPT is 1 layer of width 32; the HiFi-GAN decoder and
    its ResNet speaker encoder keep XTTS's fixed sizes (coqui-tts builds them without config knobs), so
    their big tensors are saved as views of one shared random buffer to keep model.pth small.
    `max_audio_tokens` caps each sentence at that many GPT codes (1024 samples at 22.05 kHz each: 8 codes
    are 8704 samples, 0.36 s, of 24 kHz audio), because the random GPT never stops by itself; the
    full-size decoder costs about 0.2 s of CPU per code on 2 cores, so keep caps small in tests.
    `speakers` are the built-in voices written to speakers_xtts.pth (random latents); none: no file.
    `original_format`: model.pth pickles the XttsConfig, as the first published XTTS v2 release does."""
    import torch
    from TTS.tts.configs.xtts_config import XttsArgs, XttsConfig
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.models.xtts import Xtts

    folder.mkdir(parents=True, exist_ok=True)
    xtts_vocab(folder / "vocab.json")
    torch.manual_seed(seed)
    config = XttsConfig(
        model_args=XttsArgs(
            gpt_layers=1,
            gpt_n_model_channels=32,
            gpt_n_heads=2,
            gpt_max_audio_tokens=max_audio_tokens + 3,  # the GPT generates at most this - 3 codes
            gpt_max_text_tokens=402,
            gpt_max_prompt_tokens=70,
            gpt_num_audio_tokens=258,
            gpt_start_audio_token=256,
            gpt_stop_audio_token=257,
            gpt_use_perceiver_resampler=True,  # XTTS v2 (v1 had none)
            decoder_input_dim=32,  # the decoder reads the GPT's latents
        ),
    )
    model = Xtts(config)
    # What Xtts.load_checkpoint does before building the GPT, whose text vocabulary the tokenizer sizes.
    model.tokenizer = VoiceBpeTokenizer(vocab_file=folder / "vocab.json")
    model.init_models()
    config.model_args = model.args  # now with gpt_number_text_tokens / start / stop text tokens filled in
    state = model.state_dict()
    params = {name for name, _ in model.named_parameters()}  # not buffers: mel filterbanks, windows
    saved = {"model": _shrink(state, params, seed)}
    if original_format:
        # The release pickles the config with its classes where they were then (TTS.tts.models.xtts).
        from TTS.tts.models import xtts

        with xtts._legacy_safe_globals():
            torch.save({**saved, "config": config}, folder / "model.pth")
    else:
        torch.save(saved, folder / "model.pth")
    torch.save(state["mel_stats"].clone(), folder / "mel_stats.pth")
    config.save_json(str(folder / "config.json"))

    dim = config.model_args.gpt_n_model_channels
    voices = {}
    for name in speakers:
        embedding = torch.randn(1, 512, 1)
        voices[name] = {
            "gpt_cond_latent": torch.randn(1, 32, dim),  # [1, perceiver latents, GPT width]
            "speaker_embedding": embedding / embedding.norm(dim=1, keepdim=True),  # [1, 512, 1], unit
        }
    if voices:
        torch.save(voices, folder / "speakers_xtts.pth")
    return folder


def vits_folder(
    folder: Path,
    speakers: tuple[str, ...] = ("ana", "ben"),
    seed: int = 0,
    config_speakers_file: str | None = None,
) -> Path:
    """A tiny multi-speaker VITS model folder laid out like tts_models/en/vctk/vits (about 0.45 MB):
    characters, not phonemes (so no espeak is needed), 22.05 kHz, speakers by name from speaker_ids.json.
    `config_speakers_file` is what config.json's speakers_file says: by default this folder's
    speaker_ids.json (as after a coqui download); pass a stale path, as in a published folder copied from
    another machine, to test that the backend finds the file beside config.json."""
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    folder.mkdir(parents=True, exist_ok=True)
    speaker_ids = {name: i for i, name in enumerate(speakers)}
    (folder / "speaker_ids.json").write_text(json.dumps(speaker_ids, indent=2))
    speakers_file = config_speakers_file or str((folder / "speaker_ids.json").resolve())
    torch.manual_seed(seed)
    config = VitsConfig(
        model_args=VitsArgs(
            hidden_channels=16,
            hidden_channels_ffn_text_encoder=32,
            num_heads_text_encoder=2,
            num_layers_text_encoder=1,
            kernel_size_posterior_encoder=3,
            num_layers_posterior_encoder=1,
            kernel_size_flow=3,
            num_layers_flow=1,
            resblock_kernel_sizes_decoder=[3],
            resblock_dilation_sizes_decoder=[[1, 3, 5]],
            upsample_rates_decoder=[16, 16],  # = hop_length
            upsample_kernel_sizes_decoder=[32, 32],
            upsample_initial_channel_decoder=32,
            use_sdp=False,
            init_discriminator=False,
            use_speaker_embedding=True,
            speakers_file=speakers_file,
            speaker_embedding_channels=16,
        ),
        audio=BaseAudioConfig(sample_rate=22050, hop_length=256, win_length=1024, fft_size=1024, num_mels=80),
        use_phonemes=False,
        phoneme_language="en",  # the language manager's one language (a published config has it too)
        text_cleaner="multilingual_cleaners",
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters",
            pad="<PAD>",
            eos="<EOS>",
            bos="<BOS>",
            blank="<BLNK>",
            characters=string.ascii_letters + "àâäçéèêëîïôöùûüñß",
            punctuations="!'(),-.:;? \"",
            phonemes=None,
        ),
        add_blank=True,
        use_speaker_embedding=True,
        speakers_file=speakers_file,
    )
    config.save_json(str(folder / "config.json"))
    # Built the way the library builds it for loading (setup_model reads speaker_ids.json).
    from TTS.config import load_config
    from TTS.tts.models import setup_model

    loaded = load_config(str(folder / "config.json"))
    loaded.speakers_file = loaded.model_args.speakers_file = str(folder / "speaker_ids.json")
    model: Vits = setup_model(loaded)
    params = {name for name, _ in model.named_parameters()}
    state = _shrink(model.state_dict(), params, seed)
    torch.save({"model": state, "config": config.to_dict()}, folder / "model_file.pth")
    return folder


def _shrink(state: dict, params: set[str], seed: int) -> dict:
    """The state dict with every parameter named in `params` (not buffers) over _SHRINK_NUMEL elements
    replaced by an overlapping strided view of one shared random buffer: torch.save writes a storage once,
    so model.pth stays small, and load_state_dict copies the values into the model's own full-size
    parameters. The values repeat in a shifted pattern, which a test model does not mind. Weight-normed
    convolutions keep their own `original0` (the norm), so only their direction comes from the buffer."""
    import torch

    generator = torch.Generator().manual_seed(seed + 1)
    shared = torch.randn(_SHARED_NUMEL, generator=generator) * 0.05
    out = {}
    for key, tensor in state.items():
        if key not in params or tensor.numel() <= _SHRINK_NUMEL:
            out[key] = tensor
            continue
        # Scale the contiguous strides down so that the largest index stays inside the buffer.
        sizes = list(tensor.shape)
        contiguous = [1] * len(sizes)
        for d in range(len(sizes) - 2, -1, -1):
            contiguous[d] = contiguous[d + 1] * sizes[d + 1]
        room = _SHARED_NUMEL - 1 - sum(sizes)
        strides = [max(1, c * room // tensor.numel()) for c in contiguous]
        assert sum((n - 1) * s for n, s in zip(sizes, strides, strict=True)) < _SHARED_NUMEL
        out[key] = shared.as_strided(sizes, strides)
    return out


def spoken_wav(pitch: float) -> bytes:
    """Three seconds or so of real speech as a WAV file: a person's recording, as far as the model knows."""
    import io
    import wave

    import numpy as np

    from scriptvid import settings
    from scriptvid.stages.voice.interface import VoiceProfile
    from scriptvid.stages.voice.piper import PiperBackend

    piper = PiperBackend(settings.Settings().piper)
    audio = piper.speak(
        "The sea was calm that morning, and the boats came in early with the tide.", VoiceProfile(pitch=pitch)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(piper.sample_rate)
        wav.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()
