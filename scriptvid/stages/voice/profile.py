"""Who sounds how: a voice per character, the same for the whole film, and delivery per line."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, replace

import numpy as np

from ...settings import CharacterSettings, CharacterVoice
from .interface import VoiceProfile

# Distinct, natural-sounding offsets for the one Piper voice, handed out in order of appearance:
# the first characters, who talk to each other most, are the furthest apart. Within 4 semitones: a
# shift moves the formants too, and a listener model (Whisper base) lost words on voices shifted by
# 5 and 6 (see tests/test_listener.py); pace tells the characters apart as well.
_PITCHES = (0.0, 3.0, -2.5, 4.0, -4.0, 1.5, -1.25, 2.25)
_PACES = (1.0, 0.93, 1.07, 0.97, 1.1, 0.9)

# Every line of a film is spoken once and stays: the cast speaks steadier than the voice's own
# default (0.667, 0.8), whose noise now and then slurs a line
# (the aquarium film's 37 narrated sentences read four times, heard by Whisper base: word error
# rate 0.114-0.117 at these, 0.112-0.134 at the default).
STEADY = VoiceProfile(noise_scale=0.5, noise_w=0.7)
NARRATOR = replace(STEADY, pitch=-1.0, length_scale=1.05)


def _index(name: str, modulo: int) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % modulo


def cast(characters: list[str], chosen: Mapping[str, CharacterSettings]) -> dict[str, VoiceProfile]:
    """A profile per character of the film. Characters in order of appearance get distinct pitches
    and numbers; what `characters: {NAME: {voice: {...}}}` in the settings chose wins."""
    profiles: dict[str, VoiceProfile] = {}
    used: set[float] = set()
    for index, name in enumerate(characters):
        if name == "NARRATOR":
            profile = NARRATOR
        else:
            start = _index(name, len(_PITCHES))
            pitch = next(
                (
                    _PITCHES[(start + k) % len(_PITCHES)]
                    for k in range(len(_PITCHES))
                    if _PITCHES[(start + k) % len(_PITCHES)] not in used
                ),
                _PITCHES[start],
            )
            used.add(pitch)
            pace = _PACES[_index(name + "/pace", len(_PACES))]
            profile = replace(STEADY, pitch=pitch, length_scale=pace)
        settings = chosen.get(name)
        voice = settings.voice if settings is not None else CharacterVoice()
        given = {k: v for k, v in asdict(voice).items() if v not in (None, "")}
        profiles[name] = replace(profile, index=index, **given)
    return profiles


# Parentheticals that change how a line is said: (pace factor, volume factor, pitch offset).
_DELIVERY = (
    (("whisper", "under breath", "quietly", "softly", "murmur", "hush"), 1.08, 0.45, -0.5),
    (("shout", "yell", "scream", "angry", "furious", "loud", "bellow"), 0.9, 1.0, 1.5),
    (("sad", "tearful", "crying", "sobbing", "choked", "weak"), 1.15, 0.75, -1.0),
    (("excited", "quickly", "fast", "hurried", "rapid", "breathless"), 0.85, 1.0, 0.8),
    (("slowly", "deliberate", "measured", "hesitant", "tired"), 1.2, 0.85, -0.3),
)


def delivery(profile: VoiceProfile, parenthetical: str) -> VoiceProfile:
    text = parenthetical.lower()
    for words, pace, volume, pitch in _DELIVERY:
        if any(w in text for w in words):
            return replace(
                profile,
                length_scale=profile.length_scale * pace,
                volume=profile.volume * volume,
                pitch=profile.pitch + pitch,
            )
    return profile


def shift_pitch(audio: np.ndarray, shift: float) -> np.ndarray:
    """Speech that was spoken `shift` times slower, played `shift` times faster: as long as it was
    meant to be, `shift` times higher. (One voice becomes a cast this way.)"""
    if shift == 1.0 or audio.size == 0:
        return audio
    n = int(len(audio) / shift)
    return np.interp(np.arange(n) * shift, np.arange(len(audio)), audio).astype(np.float32)
