"""voice: every dialogue line spoken in its character's voice, laid out on the scene's timeline.

Writes `voice/track.wav` (the scene's dialogue, its exact length) and `voice/cues.json` (when each
line and sentence starts and ends, who says it), which set the scene's length for every stage after.
Each sentence's speech is kept in `voice/said/`, named after the text, the voice and the backend,
so an edited line costs the synthesis of that line alone.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from ... import backends, fsutil
from ...audio import write_wav
from ...model import Line
from ...runner import Job
from .interface import VoiceProfile
from .profile import cast, delivery

NAME = "voice"


# Longer sentences are cut at commas or spaces: subtitles stay readable, synthesis stays quick.
MAX_SENTENCE_CHARS = 220
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_SILENCE = 10 ** (-45 / 20)  # below -45 dBFS counts as silence when trimming


def film_cast(job: Job) -> dict[str, VoiceProfile]:
    """Every character's voice, the same in every scene (handed out in the film's order of
    appearance), and the narrator's."""
    characters = fsutil.read_json(job.project.path / "script.json", {}).get("characters", [])
    characters += [c for c in job.scene.scene.characters if c not in characters]
    return cast([*characters, "NARRATOR"], job.settings.characters)


def spoken_lines(job: Job) -> list[Line]:
    """The dialogue, with the action read by the narrator first when the settings ask for it."""
    scene = job.scene.scene
    lines = list(scene.dialogue)
    if job.settings.voice.narrate_action:
        lines = [Line("NARRATOR", text) for text in scene.action] + lines
    return [ln for ln in lines if re.search(r"\w", ln.text)]


def inputs(job: Job) -> dict[str, Any]:
    profiles = film_cast(job)
    lines = spoken_lines(job)
    return {
        **backends.identity(NAME, job.settings),
        "lines": [[ln.character, ln.text, ln.parenthetical, ln.dual] for ln in lines],
        "profiles": {ln.character: asdict(profiles[ln.character]) for ln in lines},
        "voice": asdict(job.settings.voice),
        "timing": asdict(job.settings.timing),
        "rate": job.settings.audio.sample_rate,
        "fps": job.settings.video.fps,
        "duration": job.scene.duration,
        "action": job.scene.scene.action,
    }


def outputs(job: Job) -> list[Path]:
    return [job.out_dir / "voice" / "track.wav", job.out_dir / "voice" / "cues.json"]


def _trim(audio: np.ndarray) -> np.ndarray:
    """Drop leading and trailing near-silence so a cue starts when the voice does."""
    loud = np.flatnonzero(np.abs(audio) > _SILENCE)
    if loud.size == 0:
        return audio[:0]
    return audio[max(loud[0] - 40, 0) : loud[-1] + 200]


def _resample(audio: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst or audio.size == 0:
        return audio
    n = round(audio.size * dst / src)
    return np.interp(np.arange(n) * (src / dst), np.arange(audio.size), audio).astype(np.float32)


def reading_time(job: Job) -> float:
    """How long a scene without dialogue stays on screen: long enough to take in its action."""
    words = sum(len(p.split()) for p in job.scene.scene.action)
    t = job.settings.timing
    return min(max(words / t.reading_wpm * 60.0, t.min_scene), t.max_scene)


def run(job: Job) -> None:
    identity = backends.identity(NAME, job.settings)
    rate = job.settings.audio.sample_rate
    timing = job.settings.timing
    profiles = film_cast(job)
    folder = job.out_dir / "voice"
    said = folder / "said"
    said.mkdir(parents=True, exist_ok=True)
    kept: set[Path] = set()

    pieces: list[tuple[float, np.ndarray]] = []
    cues: list[dict[str, Any]] = []
    cursor = timing.scene_lead
    line_start = cursor
    for index, line in enumerate(spoken_lines(job)):
        profile = delivery(profiles[line.character], line.parenthetical)
        profile = replace(profile, length_scale=profile.length_scale * job.settings.voice.length_scale)
        # A dual-dialogue line is spoken over the previous one.
        start = line_start if line.dual and cues else cursor
        line_start = start
        at = start
        sentences = [s for s in _SENTENCE.split(line.text.strip()) if s]
        for sentence in _chunks(sentences, MAX_SENTENCE_CHARS):
            audio = _spoken(job, identity, sentence, profile, said, kept)
            if audio.size == 0:
                continue
            end = at + audio.size / rate
            pieces.append((at, audio))
            cues.append(
                {
                    "start": round(at, 3),
                    "end": round(end, 3),
                    "character": line.character,
                    "text": sentence,
                    "line": index,
                    "narration": line.is_narration,
                }
            )
            at = end + 0.12  # a breath between sentences
        cursor = max(cursor, at - 0.12 + timing.line_pause)

    speech_end = max((c["end"] for c in cues), default=0.0)
    duration = max(speech_end + timing.scene_tail, timing.min_scene) if cues else reading_time(job)
    if job.scene.duration is not None:
        duration = max(job.scene.duration, speech_end + 0.2, timing.min_scene)
    fps = job.settings.video.fps
    duration = math.ceil(duration * fps - 1e-6) / fps  # whole frames, so picture and sound agree

    track = np.zeros(round(duration * rate), dtype=np.float32)
    for at, audio in pieces:
        i = round(at * rate)
        j = min(i + audio.size, track.size)
        track[i:j] += audio[: j - i]
    # Voices sit at about -20 dBFS RMS with headroom; the assembler normalises the final mix.
    track *= 0.5
    np.clip(track, -1.0, 1.0, out=track)
    write_wav(folder / "track.wav", track, rate)
    fsutil.write_json(folder / "cues.json", {"duration": duration, "sample_rate": rate, "cues": cues})
    for stale in said.glob("*.f32"):  # sentences the scene no longer says
        if stale not in kept:
            stale.unlink()


def _spoken(
    job: Job, identity: dict[str, Any], sentence: str, profile: VoiceProfile, said: Path, kept: set[Path]
) -> np.ndarray:
    """`sentence` spoken with `profile`, trimmed, at the film's rate: from `said/` when it was said
    before by the same backend and model (the backend is loaded only when something is new)."""
    rate = job.settings.audio.sample_rate
    key_parts = [identity, sentence, asdict(profile), rate]
    key = hashlib.sha256(json.dumps(key_parts, sort_keys=True, default=str).encode()).hexdigest()[:24]
    path = said / f"{key}.f32"
    kept.add(path)
    if path.exists():
        return np.fromfile(path, dtype="<f4")
    with backends.use(NAME, job.settings) as backend:
        speech = backend.speak(sentence, profile)
        audio = _resample(_trim(speech), backend.sample_rate, rate).astype("<f4")
    fsutil.write_bytes(path, audio.tobytes())
    return audio


def _chunks(sentences: list[str], max_chars: int) -> list[str]:
    """Sentences longer than `max_chars`, cut at a comma or a space."""
    out: list[str] = []
    for sentence in sentences:
        while len(sentence) > max_chars:
            cut = sentence.rfind(", ", 0, max_chars)
            cut = cut + 1 if cut > max_chars // 3 else sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            out.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            out.append(sentence)
    return out
