"""The default music backend: a composed score rendered by FluidSynth with a General MIDI soundfont."""

from __future__ import annotations

import os
import shutil
import tempfile
import wave
from pathlib import Path

from ... import audio, proc
from ...backends import Backend
from ...errors import StageError
from ...settings import FluidSynthSettings
from .composer import compose
from .interface import MusicRequest

FADE_OUT = 0.3  # seconds: the very end fades to silence, so a cut never clicks
LEVEL = -20.0  # dBFS RMS of the score before mixing: moods and instruments differ by several dB
PEAK = -1.0  # dBFS: the level is lowered rather than let a peak come closer than this to clipping


class FluidSynthBackend(Backend):
    NAME = "fluidsynth"
    settings: FluidSynthSettings

    @classmethod
    def check(cls, settings: FluidSynthSettings) -> str:
        if shutil.which("fluidsynth") is None:
            return "the fluidsynth program is missing; install it with: apt-get install fluidsynth"
        if not Path(settings.soundfont).is_file():
            return (
                f"the soundfont {settings.soundfont} is missing; install it with: apt-get install"
                " fluid-soundfont-gm (or set fluidsynth.soundfont)"
            )
        return ""

    @classmethod
    def model_paths(cls, settings: FluidSynthSettings) -> list[Path]:
        return [Path(settings.soundfont)]

    def __init__(self, settings: FluidSynthSettings) -> None:
        super().__init__(settings)
        self.binary = shutil.which("fluidsynth") or "fluidsynth"
        self.soundfont = Path(settings.soundfont)

    def render(self, req: MusicRequest, out_wav: Path) -> None:
        """Compose and render the score to `out_wav`: 16-bit stereo, exactly `req.duration` long."""
        midi = compose(req.mood, req.duration, req.cues, req.seed)
        frames = round(req.duration * req.sample_rate)
        with tempfile.TemporaryDirectory(prefix=".music-", dir=out_wav.parent) as tmp:
            mid_path, raw_path = Path(tmp) / "score.mid", Path(tmp) / "score.wav"
            midi.save(mid_path)
            proc.run(
                [
                    self.binary,
                    "-ni",
                    "-q",
                    "-F",
                    raw_path,
                    "-r",
                    str(req.sample_rate),
                    "-g",
                    str(self.settings.gain),
                    self.soundfont,
                    mid_path,
                ],
                timeout=max(120.0, req.duration * 2),
            )
            with wave.open(str(raw_path), "rb") as wav:
                if wav.getsampwidth() != 2 or wav.getnchannels() != 2:
                    raise StageError(
                        f"fluidsynth wrote {wav.getnchannels()} channels of {8 * wav.getsampwidth()} bits;"
                        " expected 16-bit stereo"
                    )
            rms, peak = audio.levels(raw_path)
            gain = min(10 ** (LEVEL / 20) * 32767 / rms, 10 ** (PEAK / 20) * 32767 / peak) if rms > 0 else 1.0
            part = Path(tmp) / "out.wav"
            audio.copy(raw_path, part, frames, gain, fade=round(FADE_OUT * req.sample_rate))
            os.replace(part, out_wav)
