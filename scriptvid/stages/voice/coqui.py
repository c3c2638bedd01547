"""voice: coqui. Voices from a local Coqui TTS model folder (the coqui-tts library, loaded with its own
classes): XTTS v2 clones each character's voice from a recording; VITS, multi-speaker or not, speaks
with the model's own speakers.

Whose voice a character gets, in this order: the recording its settings name (`voice.clip`, with a
model that clones), the speaker they name (`voice.speaker`), else one of the model's own speakers,
handed out by the character's place in the cast so that distinct characters sound distinct; a model
with one voice varies it in pitch and pace, as the Piper backend does.

A recording's conditioning (XTTS: the GPT's conditioning latents and the speaker embedding) is
computed once per recording and model, and kept beside the cast's pictures (`cast/`) as tensors,
so that neither another scene nor a restart computes it again.

Delivery (whispered, shouted, slowly ...) reaches the model as its speed (XTTS's `speed`, VITS's
`length_scale`) and as the voice's volume. The same text in the same voice gives the same audio:
the model's sampling is seeded from them. XTTS reads at most a few hundred characters at once (a
limit per language): the voice stage cuts longer sentences to that (`max_sentence_chars`).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ... import backends, fsutil, torch_models
from ...backends import Backend
from ...errors import InputError, StageError
from ...settings import CoquiSettings
from .interface import Recording, VoiceProfile
from .profile import shift_pitch

# The model kinds this backend speaks with: end-to-end models, which make a waveform themselves
# (the others make spectrograms and need a vocoder model of their own).
KINDS = ("xtts", "vits")
CHECKPOINTS = ("model.pth", "model_file.pth", "best_model.pth", "checkpoint.pth")
SHORTEST_RECORDING = 1.0  # seconds; XTTS learns a voice from 3 to 10 s


def model_config(folder: str) -> tuple[dict[str, Any], str]:
    """The folder's config.json, read, and "" or what is wrong with the folder."""
    if not folder:
        return {}, "no model folder: set coqui.model to a local Coqui TTS model folder (XTTS v2, VITS)"
    path = Path(folder)
    if not path.is_dir():
        return (
            {},
            f"coqui.model: {folder} is not a folder; put the model's files there (nothing is downloaded)",
        )
    config = path / "config.json"
    try:
        data = json.loads(config.read_text("utf-8"))
    except FileNotFoundError:
        return {}, f"coqui.model: {config} is missing"
    except (OSError, ValueError) as exc:
        return {}, f"coqui.model: {config} cannot be read: {exc}"
    kind = data.get("model") if isinstance(data, dict) else None
    if kind not in KINDS:
        return {}, (
            f"coqui.model: {config} is a {kind!r} model; this backend speaks with XTTS or VITS models"
            " (the others need a separate vocoder model)"
        )
    if checkpoint(path) is None:
        return {}, f"coqui.model: {folder} has no checkpoint ({', '.join(CHECKPOINTS)})"
    if kind == "xtts" and not (path / "vocab.json").is_file():
        tokenizer = data.get("model_args", {}).get("tokenizer_file") or ""
        if not tokenizer or not Path(tokenizer).is_file():
            return {}, f"coqui.model: {path / 'vocab.json'} is missing (XTTS's tokenizer)"
    return data, ""


def checkpoint(folder: Path) -> Path | None:
    return next((folder / n for n in CHECKPOINTS if (folder / n).is_file()), None)


@functools.cache
def _torchaudio_problem() -> str:
    """coqui-tts needs torchaudio, whose compiled part must match torch's build: a CUDA torchaudio
    beside a CPU-only torch fails as it is imported. Tried once per process."""
    try:
        import torchaudio  # noqa: F401
    except (ImportError, OSError, RuntimeError) as exc:
        return (
            f"torchaudio cannot be loaded beside this torch ({str(exc).splitlines()[0][:200]}): install"
            " the torchaudio build that matches torch (the same CUDA, or both CPU-only)"
        )
    return ""


class CoquiBackend(Backend):
    NAME = "coqui"
    VERSION = "1"
    # One model, one sentence at a time: it keeps state between calls (VITS's pace) and seeds torch.
    CONCURRENT = False

    settings: CoquiSettings

    @classmethod
    def check(cls, settings: CoquiSettings) -> str:
        missing = torch_models.missing_libraries(("torch", "TTS", "torchaudio", "soundfile"))
        if missing:
            return missing.replace("TTS", "coqui-tts")
        config, problem = model_config(settings.model)
        if problem:
            return problem
        languages = config.get("languages") or []
        if config["model"] == "xtts" and settings.language not in languages:
            return f"coqui.language is {settings.language!r}; the model speaks {', '.join(languages)}"
        return _torchaudio_problem() or torch_models.device_problem(settings.device, "coqui.device")

    @classmethod
    def model_paths(cls, settings: CoquiSettings) -> list[Path]:
        return [Path(settings.model)] if settings.model else []

    @classmethod
    def pool(cls, settings: CoquiSettings) -> str:
        return torch_models.pool_of(settings.device)

    @classmethod
    def device(cls, settings: CoquiSettings) -> str:
        return torch_models.device_name(settings.device)

    @classmethod
    def uses_recordings(cls, settings: CoquiSettings) -> bool:
        """Whether the model clones voices from recordings (XTTS)."""
        return model_config(settings.model)[0].get("model") == "xtts"

    @classmethod
    def max_sentence_chars(cls, settings: CoquiSettings) -> int | None:
        """The most characters the model reads at once in the film's language (XTTS's limits)."""
        if not cls.uses_recordings(settings):
            return None
        from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer

        return int(VoiceBpeTokenizer(vocab_file=None).char_limits.get(settings.language.split("-")[0], 250))

    def __init__(self, settings: CoquiSettings) -> None:
        super().__init__(settings)
        torch_models.offline()
        import torch

        self.torch = torch
        self.folder = Path(settings.model)
        self.kind = model_config(settings.model)[0]["model"]
        self.device_used = torch_models.resolve_device(settings.device)
        # What a kept conditioning is found by: this model, whatever folder it is in.
        self.model_key = hashlib.sha256(
            f"{self.kind}/{self.VERSION}/{backends.model_digest(self.folder)}".encode()
        ).hexdigest()[:12]
        self.conditioning: dict[str, tuple[Any, Any]] = {}
        if self.kind == "xtts":
            self.model, self.config = _load_xtts(self.folder)
            self.sample_rate = int(self.config.audio.output_sample_rate)
        else:
            self.model, self.config = _load_vits(self.folder)
            self.sample_rate = int(self.config.audio.sample_rate)
            self.pace = float(self.model.length_scale)
        self.model.to(self.device_used)
        self.model.eval()  # (Xtts.eval returns nothing: not chained)
        manager = getattr(self.model, "speaker_manager", None)
        self.speakers: list[str] = list(manager.speaker_names) if manager is not None else []

    def close(self) -> None:
        del self.model
        self.conditioning.clear()

    def speak(self, text: str, profile: VoiceProfile, recording: Recording | None = None) -> np.ndarray:
        who, speaker = self._speaker(profile, recording)
        length_scale = profile.length_scale
        shift = 1.0
        if not self.speakers and recording is None:  # one voice: characters differ in pitch, as with Piper
            shift = 2.0 ** (profile.pitch / 12.0)
            length_scale *= shift
        said = json.dumps([text, who, length_scale]).encode()
        seed = int.from_bytes(hashlib.sha256(said).digest()[:4], "big")
        with (
            torch_models.seeded(seed, self.device_used),
            torch_models.out_of_memory_named("a sentence of speech", "coqui.max_audio_tokens, coqui.device"),
            self.torch.inference_mode(),
        ):
            audio = (
                self._xtts(text, speaker, length_scale)
                if self.kind == "xtts"
                else self._vits(text, speaker, length_scale)
            )
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        audio = shift_pitch(audio, shift) * np.float32(profile.volume)
        return np.clip(audio, -1.0, 1.0).astype(np.float32)

    # -- whose voice ------------------------------------------------------------------------------

    def _speaker(self, profile: VoiceProfile, recording: Recording | None) -> tuple[str, Any]:
        """Who speaks (the recording's digest or the speaker's name), and what the model is given for
        them: XTTS its conditioning (latents, embedding); VITS a speaker's name, or None for one voice."""
        if recording is not None and self.kind == "xtts":
            return recording.digest, self._conditioning(recording)
        if profile.speaker:
            if profile.speaker not in self.speakers:
                known = ", ".join(self.speakers[:40]) or "none: it has one voice"
                raise InputError(
                    f"{profile.speaker!r} is not a speaker of the model in {self.folder} (it has: {known})",
                    key="voice.speaker",
                )
            name = profile.speaker
        elif self.speakers:
            name = self.speakers[profile.index % len(self.speakers)]
        elif self.kind == "xtts":
            raise InputError(
                f"the XTTS model in {self.folder} has no speakers of its own (no speakers_xtts.pth): give"
                " a recording of the voice to clone",
                key="voice.clip",
            )
        else:
            return "", None
        if self.kind == "xtts":
            voice = self.model.speaker_manager.speakers[name]
            return name, (
                voice["gpt_cond_latent"].to(self.device_used),
                voice["speaker_embedding"].to(self.device_used),
            )
        return name, name

    def _conditioning(self, recording: Recording) -> tuple[Any, Any]:
        """XTTS's conditioning from a recording: from memory, from the project's kept copy, or computed
        (then kept)."""
        torch = self.torch
        kept = recording.keep / f"voice-{recording.digest[:24]}-{self.model_key}.pt"
        known = self.conditioning.get(recording.digest)
        if known is not None and kept.is_file():
            return known
        latents = None
        if known is not None:  # conditioned for another film: kept in this one too
            latents = (known[0].cpu(), known[1].cpu())
        elif kept.is_file():
            try:
                saved = torch.load(kept, map_location="cpu", weights_only=True)
                latents = saved["gpt_cond_latent"], saved["speaker_embedding"]
            except Exception:  # torch's unpickler fails on a torn file in many ways: computed again
                latents = None
        fresh = latents is None or known is not None  # (not read from the kept file)
        if latents is None:
            latents = self._condition(recording.data)
        if fresh:
            recording.keep.mkdir(parents=True, exist_ok=True)
            with fsutil.atomic_path(kept, ".pt") as tmp:
                torch.save({"gpt_cond_latent": latents[0], "speaker_embedding": latents[1]}, tmp)
        placed = (latents[0].to(self.device_used), latents[1].to(self.device_used))
        self.conditioning[recording.digest] = placed
        return placed

    def _condition(self, data: bytes) -> tuple[Any, Any]:
        import soundfile

        torch = self.torch
        try:
            samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
        except (RuntimeError, soundfile.LibsndfileError, ValueError) as exc:
            raise InputError(f"the recording cannot be read as audio ({exc})", key="voice.clip") from None
        mono = samples.mean(axis=1)
        seconds = mono.size / rate
        if seconds < SHORTEST_RECORDING or not np.abs(mono).max() > 1e-3:
            raise InputError(
                f"the recording is {seconds:.1f} s{'' if np.abs(mono).max() > 1e-3 else ' of silence'}: give"
                " 3 to 30 s of the voice speaking",
                key="voice.clip",
            )
        cfg = self.config
        mono = mono[: int(float(cfg.max_ref_len) * rate)]
        audio = torch.from_numpy(np.ascontiguousarray(mono))[None].to(self.device_used)
        with torch.inference_mode():
            gpt = self.model.get_gpt_cond_latents(
                audio, rate, length=cfg.gpt_cond_len, chunk_length=cfg.gpt_cond_chunk_len
            )
            speaker = self.model.get_speaker_embedding(audio, rate)
        return gpt.detach().cpu(), speaker.detach().cpu()

    # -- speaking ---------------------------------------------------------------------------------

    def _xtts(self, text: str, conditioning: tuple[Any, Any], length_scale: float) -> np.ndarray:
        cfg = self.config
        cap = int(self.settings.max_audio_tokens)
        most = int(cfg.model_args.gpt_max_audio_tokens) - 3  # the GPT's own limit
        extra = {"max_new_tokens": min(cap, most)} if cap else {}
        try:
            out = self.model.inference(
                text,
                self.settings.language,
                conditioning[0],
                conditioning[1],
                temperature=self.settings.temperature,
                length_penalty=cfg.length_penalty,
                repetition_penalty=cfg.repetition_penalty,
                top_k=cfg.top_k,
                top_p=cfg.top_p,
                speed=1.0 / length_scale,
                enable_text_splitting=False,
                **extra,
            )
        except ImportError as exc:  # Japanese and Chinese text is read with packages of their own
            raise StageError(
                f"coqui: speaking {self.settings.language} needs the {exc.name} package: pip install it"
            ) from None
        return out["wav"]

    def _vits(self, text: str, speaker: str | None, length_scale: float) -> np.ndarray:
        self.model.length_scale = self.pace * length_scale
        language = self.settings.language if self.model.language_manager.num_languages > 1 else None
        return self.model.synthesize(text, speaker=speaker, language=language)["wav"]


def _load_xtts(folder: Path) -> tuple[Any, Any]:
    """XTTS with the library's loader, except that an original-release model.pth (which pickles its
    config) is read as it is: the library would rewrite it in place, in a folder that is not ours."""
    import torch
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.models import xtts

    class ReadOnlyXtts(xtts.Xtts):
        def _load_checkpoint(self, model_path: Path) -> dict[str, Any]:
            try:
                saved = torch.load(model_path, map_location="cpu", weights_only=True)
            except pickle.UnpicklingError:
                with xtts._legacy_safe_globals():
                    saved = torch.load(model_path, map_location="cpu", weights_only=True)
            state: dict[str, Any] = saved["model"]
            return state

    config = XttsConfig()
    config.load_json(str(folder / "config.json"))
    model = ReadOnlyXtts(config)
    model.load_checkpoint(config, checkpoint_dir=str(folder), eval=True)
    return model, config


# Files a published VITS folder names by the absolute path of the machine it was downloaded on: found
# beside config.json instead (as coqui's own model manager does after a download).
_SPEAKER_FILES = {
    "speakers_file": ("speaker_ids.json", "speakers.pth", "speakers.json"),
    "d_vector_file": ("speakers.pth", "speakers.json"),
    "language_ids_file": ("language_ids.json",),
}


def _load_vits(folder: Path) -> tuple[Any, Any]:
    from TTS.config import load_config
    from TTS.tts.models import setup_model

    config = load_config(str(folder / "config.json"))
    for holder in (config, config.model_args):
        for key, names in _SPEAKER_FILES.items():
            named = getattr(holder, key, None)
            if not isinstance(named, str) or not named or Path(named).is_file():
                continue
            here = next((folder / n for n in (Path(named).name, *names) if (folder / n).is_file()), None)
            if here is None:
                raise StageError(f"coqui.model: {folder} lacks {Path(named).name} (config.json's {key})")
            setattr(holder, key, str(here))
    model = setup_model(config)
    model.load_checkpoint(config, checkpoint_path=str(checkpoint(folder)), eval=True)
    return model, config
