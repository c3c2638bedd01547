"""WAV files: read and written whole (a scene's voice), or copied a chunk at a time (a long film's
score is hundreds of MB as floats)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from . import fsutil

CHUNK = 1 << 18  # frames at a time (about 5 s)


def levels(path: Path) -> tuple[float, float]:
    """RMS and peak of a 16-bit WAV, in sample units (full scale 32768)."""
    total, count, peak = 0.0, 0, 0.0
    with wave.open(str(path), "rb") as wav:
        while chunk := wav.readframes(CHUNK):
            pcm = np.frombuffer(chunk, dtype="<i2").astype(np.float64)
            total += float(np.dot(pcm, pcm))
            count += pcm.size
            peak = max(peak, float(np.abs(pcm).max()))
    return (np.sqrt(total / count) if count else 0.0), peak


def copy(source: Path, out: Path, frames: int, gain: float = 1.0, fade: int = 0) -> None:
    """`source` to `out` (a path nobody reads yet), exactly `frames` long: cut, or padded with
    silence; times `gain`; its last `fade` frames faded out along a raised cosine."""
    with wave.open(str(source), "rb") as src, wave.open(str(out), "wb") as dst:
        channels = src.getnchannels()
        dst.setnchannels(channels)
        dst.setsampwidth(2)
        dst.setframerate(src.getframerate())
        fade = min(fade, frames)
        ramp = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, fade)) if fade else np.ones(0)
        for start in range(0, frames, CHUNK):
            n = min(CHUNK, frames - start)
            pcm = np.zeros((n, channels))
            read = np.frombuffer(src.readframes(n), dtype="<i2").reshape(-1, channels)
            pcm[: len(read)] = read
            pcm *= gain
            # the part of the fade that falls in this chunk
            lo, hi = max(start, frames - fade), start + n
            if lo < hi:
                pcm[lo - start :] *= ramp[lo - (frames - fade) :][: hi - lo, None]
            dst.writeframes(np.clip(np.round(pcm), -32768, 32767).astype("<i2").tobytes())


def pcm16(audio: np.ndarray) -> np.ndarray:
    """Float audio in -1..1 as 16-bit little-endian samples (what a WAV holds, and FFmpeg's s16le)."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")


def write_wav(path: Path, audio: np.ndarray, rate: int) -> None:
    """Float audio in -1..1 (mono: 1-D; frames x channels otherwise) as a 16-bit WAV, atomically."""
    pcm = pcm16(audio)
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    with fsutil.atomic_path(path, ".wav") as tmp, wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit WAV as float32 (mono: 1-D; stereo: frames x 2) and its rate."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        channels = wav.getnchannels()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    return (data if channels == 1 else data.reshape(-1, channels)), rate
