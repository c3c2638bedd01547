"""voice: every dialogue line spoken in its character's voice, laid out on the scene's timeline.

Writes `voice/track.wav` (the scene's dialogue, its exact length) and `voice/cues.json` (when each
line and sentence starts and ends, who says it), which set the scene's length for every stage after.
Each sentence's speech is kept in `voice/said/`, named after the text, the voice and the backend,
so an edited line costs the synthesis of that line alone. Where the backend clones voices, each
character's recording (`characters.NAME.voice.clip`) is read from the project and handed to it, and
its digest is part of what the scene's voice depends on.
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

from ... import backends, fsutil, log, scenes
from ...audio import write_wav
from ...errors import InputError
from ...model import Line
from ...project import Project
from ...runner import Job
from ..cast import character_file
from .interface import Recording, VoiceProfile
from .profile import cast, delivery

NAME = "voice"


# Longer sentences are cut at commas or spaces: subtitles stay readable, synthesis stays quick.
MAX_SENTENCE_CHARS = 220
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=\S)|(?<=[。！？])(?=\S)")  # Chinese and Japanese: no space
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


def uses_recordings(job: Job) -> bool:
    cls, section = backends.configured(NAME, job.settings)
    uses = getattr(cls, "uses_recordings", None)
    return bool(uses and uses(section))


def recordings(job: Job, profiles: dict[str, VoiceProfile]) -> dict[str, Recording]:
    """The recording of each character who speaks in this scene and has one, where the backend
    clones voices (read without following links; an InputError naming the setting when it is not there)."""
    if not uses_recordings(job):
        return {}
    out = {}
    for character in _speakers(job):
        clip = profiles[character].clip
        if clip:
            data = character_file(job.project, clip, f"characters.{character}.voice.clip", "recording")
            digest = hashlib.sha256(data).hexdigest()
            out[character] = Recording(data, digest, job.project.cast_dir)
    return out


def inputs(job: Job) -> dict[str, Any]:
    profiles = film_cast(job)
    lines = spoken_lines(job)
    recorded = {name: r.digest for name, r in sorted(recordings(job, profiles).items())}
    return {
        # Only where there are any: the fingerprints of films without recordings stay as they were.
        **({"recordings": recorded} if recorded else {}),
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
    recorded = recordings(job, profiles)
    unused = sorted(c for c in _speakers(job) if profiles[c].clip and c not in recorded)
    if unused:
        log.get().warning(
            "voice: this backend does not clone voices; the recordings are not used",
            characters=unused,
            backend=identity["backend"],
        )
    cls, section = backends.configured(NAME, job.settings)
    limit = getattr(cls, "max_sentence_chars", lambda _: None)(section) or MAX_SENTENCE_CHARS
    limit = min(limit, MAX_SENTENCE_CHARS)
    folder = job.out_dir / "voice"
    said = folder / "said"
    said.mkdir(parents=True, exist_ok=True)
    kept: set[Path] = set()

    pieces: list[tuple[float, np.ndarray]] = []
    cues: list[dict[str, Any]] = []
    fps = job.settings.video.fps
    # Each line starts on a frame: a line said longer then moves the lines after it by whole frames,
    # and their frames are the ones they were (see animate's pieces).
    cursor = _on_frame(timing.scene_lead, fps)
    line_start = cursor
    for index, line in enumerate(spoken_lines(job)):
        profile = delivery(profiles[line.character], line.parenthetical)
        profile = replace(profile, length_scale=profile.length_scale * job.settings.voice.length_scale)
        # A dual-dialogue line is spoken over the previous one.
        start = line_start if line.dual and cues else cursor
        line_start = start
        at = start
        sentences = [s for s in _SENTENCE.split(line.text.strip()) if s]
        for sentence in _chunks(sentences, limit):
            audio = _spoken(job, identity, line.character, sentence, profile, recorded, said, kept)
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
        cursor = _on_frame(max(cursor, at - 0.12 + timing.line_pause), fps)

    speech_end = max((c["end"] for c in cues), default=0.0)
    duration = max(speech_end + timing.scene_tail, timing.min_scene) if cues else reading_time(job)
    if job.scene.duration is not None:
        duration = max(job.scene.duration, speech_end + 0.2, timing.min_scene)
    duration = _on_frame(duration, fps)  # whole frames, so picture and sound agree

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


def _on_frame(seconds: float, fps: int) -> float:
    """`seconds`, rounded up to the start of a frame."""
    return math.ceil(seconds * fps - 1e-6) / fps


def _speakers(job: Job) -> set[str]:
    return {ln.character for ln in spoken_lines(job)}


def _spoken(
    job: Job,
    identity: dict[str, Any],
    character: str,
    sentence: str,
    profile: VoiceProfile,
    recorded: dict[str, Recording],
    said: Path,
    kept: set[Path],
) -> np.ndarray:
    """`sentence` spoken with `profile`, trimmed, at the film's rate: from `said/` when it was said
    before by the same backend and model in the same voice (the backend is loaded only when
    something is new). A voice the character's settings cannot have is an error naming the setting."""
    rate = job.settings.audio.sample_rate
    recording = recorded.get(character)
    key_parts = [identity, sentence, asdict(profile), rate, *([recording.digest] if recording else [])]
    key = hashlib.sha256(json.dumps(key_parts, sort_keys=True, default=str).encode()).hexdigest()[:24]
    path = said / f"{key}.f32"
    kept.add(path)
    if path.exists():
        return np.fromfile(path, dtype="<f4")
    with backends.use(NAME, job.settings) as backend:
        try:
            speech = backend.speak(sentence, profile, recording)
        except InputError as exc:  # the backend names the setting within the character's
            raise InputError(
                exc.message,
                file=str(job.project.settings_file),
                key=f"characters.{character}.{exc.key}" if exc.key else f"characters.{character}.voice",
            ) from None
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


def priority(project: Project, scene: str) -> float:
    """0 to 0.999, growing with the scene's words: the longest voices are handed out first, so the
    film's voices (which its first look waits for) do not end on one long scene spoken alone."""
    try:
        spec = scenes.read(project.scenes_dir / scene / "scene.yaml", base=project.path)
        return min(sum(len(line.text) for line in spec.scene.dialogue), 99_900) / 100_000
    except Exception:  # the step itself will say what is wrong
        return 0.0
