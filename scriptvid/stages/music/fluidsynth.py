"""The default music backend: a composed score rendered by FluidSynth with a General MIDI soundfont."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ... import proc
from ...backends import Backend
from ...settings import FluidSynthSettings
from .composer import compose
from .interface import MusicRequest
from .level import finish


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
        with tempfile.TemporaryDirectory(prefix=".music-", dir=out_wav.parent) as tmp:
            mid_path, raw_path = Path(tmp) / "score.mid", Path(tmp) / "score.wav"
            midi.save(mid_path)
            proc.run(
                [
                    self.binary,
                    "-ni",
                    "-q",
                    # Samples loaded as the score first plays them, not the whole soundfont: the same
                    # sound (to the byte), 50 MB of memory instead of 170.
                    "-o",
                    "synth.dynamic-sample-loading=1",
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
                # Beside the first look, which the score is not needed for (the film's sound is).
                background=True,
            )
            finish(raw_path, out_wav, req.duration, req.sample_rate)
