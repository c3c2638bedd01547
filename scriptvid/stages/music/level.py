"""What every music backend does last: its render brought to the film's rate, stereo, to one level,
exactly as long as asked, with its very end faded, so that a cut never clicks."""

from __future__ import annotations

import wave
from pathlib import Path

from ... import audio, fsutil, media, proc
from ...errors import StageError

FADE_OUT = 0.3  # seconds: the very end fades to silence
LEVEL = -20.0  # dBFS RMS of the score before mixing: moods and instruments differ by several dB
PEAK = -1.0  # dBFS: the level is lowered rather than let a peak come closer than this to clipping


def finish(raw: Path, out_wav: Path, duration: float, rate: int) -> None:
    """`raw` (any WAV a backend made) as a 16-bit stereo score at `rate`, `duration` long, to `out_wav`."""
    with wave.open(str(raw), "rb") as wav:
        as_wanted = (wav.getsampwidth(), wav.getnchannels(), wav.getframerate()) == (2, 2, rate)
    source = raw
    if not as_wanted:  # FFmpeg's resampler: a model's 32 kHz mono becomes the film's 48 kHz stereo
        source = raw.with_name(raw.stem + ".stereo.wav")
        proc.run([*media.FFMPEG, "-i", raw, "-ar", str(rate), "-ac", "2", "-c:a", "pcm_s16le", source])
    with wave.open(str(source), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 2:
            raise StageError(
                f"the score has {wav.getnchannels()} channels of {8 * wav.getsampwidth()} bits; expected"
                " 16-bit stereo"
            )
    rms, peak = audio.levels(source)
    gain = min(10 ** (LEVEL / 20) * 32767 / rms, 10 ** (PEAK / 20) * 32767 / peak) if rms > 0 else 1.0
    with fsutil.atomic_path(out_wav, ".wav") as part:
        audio.copy(source, part, round(duration * rate), gain, fade=round(FADE_OUT * rate))
