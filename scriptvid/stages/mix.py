"""mix: the film's sound, `render/sound.m4a`: dialogue on the timeline, the score ducked under it,
brought to the loudness target and encoded.

It runs as soon as the score is done, while the scenes are still being animated, so the assembler
only has to join picture and sound; an edit that changes only the picture skips it. The mix is made
with NumPy (where FFmpeg's sidechain filters cost a second per two minutes of film), a chunk at a
time, into a temporary raw file that FFmpeg reads twice: once to measure its loudness, once to apply
the gain, limit and encode.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

from .. import fsutil, log, media, proc, timeline
from ..audio import read_wav
from ..errors import StageError
from ..project import Project
from ..runner import Job
from ..settings import Settings
from .music.level import LEVEL as SCORE_LEVEL

NAME = "mix"
BITRATE = "192k"
LIMITER_MAKEUP_DB = 1.2  # measured: limiting 1.5 dB under the ceiling costs a film 0.6 to 1.5 LU
LOUDNESS_TOLERANCE = 0.5  # LU: EBU R128's tolerance for a programme's integrated loudness
# Ducking: the score is pressed down while someone speaks, as a sidechain compressor would.
DUCK_THRESHOLD = 0.02  # RMS of the dialogue above which the score gives way (about -34 dBFS)
DUCK_RATIO = 6.0
DUCK_ATTACK = 0.02  # seconds
DUCK_RELEASE = 0.4  # seconds
DUCK_BLOCK = 0.005  # seconds: the detector's resolution
MIX_CHUNK = 240 * 4096  # frames mixed at a time (about 20 s; a whole number of 5 ms blocks)
SPEECH_FLOOR = 10 ** (-50 / 20)  # a 50 ms block quieter than this is a pause, not speech
VOICE_LEVEL = -23.0  # dBFS RMS: where the voice stage puts speech (measured for Piper's voice)


def duck_gain(key: np.ndarray, rate: int) -> np.ndarray:
    """Per-sample gain (0..1] for the score, from the dialogue `key` (mono float)."""
    centres, gain = _duck_blocks(key, rate)
    return np.interp(np.arange(key.size), centres, gain).astype(np.float32)


def _duck_blocks(key: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The score's gain at the centre of each 5 ms block (sample positions, gains).

    An RMS detector with attack and release smooths the dialogue's power block by block; above the
    threshold the score is compressed by the ratio, below it passes untouched.
    """
    n = max(1, round(DUCK_BLOCK * rate))
    blocks = -(-key.size // n)
    power = np.empty(blocks)
    for a in range(0, blocks, MIX_CHUNK // n):  # in chunks: no copy of the whole dialogue
        b = min(a + MIX_CHUNK // n, blocks)
        part = np.zeros((b - a) * n, dtype=np.float32)
        source = key[a * n : b * n]
        part[: source.size] = source
        power[a:b] = np.mean(np.square(part.reshape(b - a, n), dtype=np.float64), axis=1)
    attack = 1 - np.exp(-DUCK_BLOCK / DUCK_ATTACK)
    release = 1 - np.exp(-DUCK_BLOCK / DUCK_RELEASE)
    envelope = np.empty(blocks)
    level = 0.0
    for i, p in enumerate(power.tolist()):  # recursive: a loop over blocks, not samples
        level += (p - level) * (attack if p > level else release)
        envelope[i] = level
    rms = np.sqrt(envelope)
    gain = np.where(
        rms > DUCK_THRESHOLD, (np.maximum(rms, DUCK_THRESHOLD) / DUCK_THRESHOLD) ** (1 / DUCK_RATIO - 1), 1.0
    )
    return (np.arange(blocks) + 0.5) * n, gain


def dialogue_track(project: Project, layout: timeline.Layout, rate: int) -> np.ndarray:
    """Every scene's voice track on the film's timeline: mono float32."""
    dialogue = np.zeros(round(layout.duration * rate), dtype=np.float32)
    for placement in layout.scenes:
        track, track_rate = read_wav(project.scenes_dir / placement.name / "voice" / "track.wav")
        assert track_rate == rate, "voice tracks are written at the film's sample rate"
        i = round(placement.start * rate)
        j = min(i + track.size, dialogue.size)
        dialogue[i:j] += track[: j - i]
    return dialogue


def speech_level(dialogue: np.ndarray, rate: int) -> float:
    """The dialogue's level while someone speaks, dBFS RMS: the mean power of its 50 ms blocks above
    -50 dBFS (the pauses between lines left out). A film without a word: VOICE_LEVEL."""
    n = round(0.05 * rate)
    power = np.zeros(0)
    for a in range(0, dialogue.size - n + 1, MIX_CHUNK):  # in chunks: no copy of the whole dialogue
        part = dialogue[a : a + MIX_CHUNK]
        blocks = part[: part.size // n * n].reshape(-1, n)
        p = np.mean(np.square(blocks, dtype=np.float64), axis=1)
        power = np.concatenate([power, p[p > SPEECH_FLOOR**2]])
    return float(10 * np.log10(power.mean())) if power.size else VOICE_LEVEL


def write_mix(project: Project, layout: timeline.Layout, s: Settings, out: Path) -> None:
    """Dialogue on the film's timeline with the score ducked under it, to `out` as raw float32
    stereo. Written a chunk at a time: a long film's mix in memory would be hundreds of MB."""
    rate = s.audio.sample_rate
    dialogue = dialogue_track(project, layout, rate)
    score_path = project.music_dir / "score.wav"
    with contextlib.ExitStack() as stack:
        score = None
        if s.music.enabled and score_path.exists():
            score = stack.enter_context(wave.open(str(score_path), "rb"))
            if (score.getframerate(), score.getnchannels(), score.getsampwidth()) != (rate, 2, 2):
                raise StageError(f"{score_path} is not 16-bit stereo at {rate} Hz")
            centres, ducked = _duck_blocks(dialogue, rate)
            # The score sits `level` dB under the speech, and is pressed down further while someone speaks.
            score_db = speech_level(dialogue, rate) + s.music.level
            level = 10 ** ((score_db - SCORE_LEVEL) / 20) / 32768
        fh = stack.enter_context(open(out, "wb"))
        for a in range(0, dialogue.size, MIX_CHUNK):
            b = min(a + MIX_CHUNK, dialogue.size)
            chunk = np.repeat(dialogue[a:b, None], 2, axis=1)
            if score is not None:
                pcm = np.frombuffer(score.readframes(b - a), dtype="<i2").reshape(-1, 2)
                gain = np.interp(np.arange(a, a + len(pcm)), centres, ducked) * level
                chunk[: len(pcm)] += pcm * gain.astype(np.float32)[:, None]
            fh.write(chunk.astype("<f4", copy=False).tobytes())


def _raw_input(path: Path, rate: int) -> list[str]:
    return ["-f", "f32le", "-ar", str(rate), "-ac", "2", "-i", str(path)]


def measure(args: list[str], true_peak: bool = True) -> tuple[float, float]:
    """EBU R128 integrated loudness (LUFS) and true peak (dBTP; -inf unless `true_peak`) of the
    sound FFmpeg reads with `args`."""
    out = proc.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            *args,
            "-vn",
            "-sn",
            "-af",
            f"ebur128=peak={'true' if true_peak else 'none'}",
            "-f",
            "null",
            "-",
        ],
        capture_stderr=True,
    )
    summary = out.decode("utf-8", "replace").rsplit("Summary:", 1)[-1]
    loudness = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if loudness is None or (true_peak and peak is None):
        raise StageError("FFmpeg's ebur128 measured nothing in the film's sound")
    return float(loudness.group(1)), float(peak.group(1)) if peak else -np.inf


def _loudness_graph(gain: float, limit: float, trim: float) -> str:
    """`gain` dB, a limiter holding sample peaks at `limit` (linear), and `trim` dB after it."""
    limiter = f"alimiter=limit={limit:.4f}:attack=5:release=80:level=0:latency=1"
    return f"volume={gain:.2f}dB,{limiter},volume={trim:.2f}dB"


def inputs(job: Job) -> dict[str, Any]:
    layout = timeline.layout(job.project, job.settings)
    return {
        "version": "2",
        "voices": {p.name: job.fingerprint_of("voice", p.name) for p in layout.scenes},
        "starts": [p.start for p in layout.scenes],
        "duration": layout.duration,
        "music": job.fingerprint_of("music", None),
        "settings": [job.settings.audio, job.settings.music.enabled, job.settings.music.level],
        "encoder": [BITRATE, LIMITER_MAKEUP_DB, LOUDNESS_TOLERANCE],
    }


def outputs(job: Job) -> list[Path]:
    return [job.project.sound_file]


def run(job: Job) -> None:
    """The mix, measured and encoded to `render/sound.m4a`.

    Loudness: one measured gain and a limiter that holds sample peaks 1.5 dB under the true-peak
    ceiling (room for what lies between samples). The encoded result is measured, as a viewer will
    hear it; sound more than LOUDNESS_TOLERANCE off the target, or over the ceiling (the AAC encoder
    can overshoot the limited peaks), is encoded again with the difference corrected. (loudnorm does
    the job with 4x oversampling, at several times the cost, for a film whose every edit runs this.)
    """
    s = job.settings
    render = job.project.render_dir
    render.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".mix-", dir=render) as tmp_dir:
        mix = Path(tmp_dir) / "mix.f32"
        write_mix(job.project, timeline.layout(job.project, s), s, mix)
        _encode(mix, s, job.project.sound_file)


def _encode(mix: Path, s: Settings, out: Path) -> None:
    rate = s.audio.sample_rate
    integrated = measure(_raw_input(mix, rate), true_peak=False)[0]
    # The limiter takes a little loudness off the peaks of speech; the gain gives it back.
    gain, trim = s.audio.loudness - integrated + LIMITER_MAKEUP_DB, 0.0
    limit = 10 ** ((s.audio.true_peak - 1.5) / 20)
    silent = integrated < -70  # nothing to bring to a loudness
    with fsutil.atomic_path(out, ".m4a") as tmp:
        for attempt in range(3):
            graph = "anull" if silent else _loudness_graph(gain, limit, trim)
            proc.run(
                [
                    *media.FFMPEG,
                    *_raw_input(mix, rate),
                    "-af",
                    f"{graph},aformat=channel_layouts=stereo",
                    "-c:a",
                    "aac",
                    "-aac_coder",
                    s.audio.aac_coder,
                    "-b:a",
                    BITRATE,
                    str(tmp),
                ]
            )
            got, peak = measure(["-i", str(tmp)])
            off = s.audio.loudness - got
            if silent or attempt == 2 or (abs(off) <= LOUDNESS_TOLERANCE and peak <= s.audio.true_peak):
                break
            if abs(off) > LOUDNESS_TOLERANCE:
                gain += off
            if peak > s.audio.true_peak:  # after the limiter: a little quieter, peaks and all
                trim += s.audio.true_peak - 0.3 - peak
            log.get().info("film sound encoded again", loudness=got, true_peak=peak, gain=gain, trim=trim)
