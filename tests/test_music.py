"""The default music backend: a composed score, rendered by FluidSynth, as long as the film."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import mido
import numpy as np
import pytest

from scriptvid import backends
from scriptvid.fsutil import file_digest
from scriptvid.settings import FluidSynthSettings, Settings
from scriptvid.stages import music
from scriptvid.stages.music.composer import compose
from scriptvid.stages.music.fluidsynth import FluidSynthBackend
from scriptvid.stages.music.interface import Cue, MusicRequest
from scriptvid.stages.music.mood import MOODS, guess_mood, scene_intensity

RATE = 48000


def _backend() -> FluidSynthBackend:
    missing = FluidSynthBackend.check(FluidSynthSettings())
    if missing:
        pytest.skip(missing)
    return FluidSynthBackend(FluidSynthSettings())


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, RATE)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    return pcm.astype(np.float64) / 32768


def _dbfs(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(audio**2)) + 1e-12))


def _midi_bytes(midi: mido.MidiFile) -> bytes:
    buf = io.BytesIO()
    midi.save(file=buf)
    return buf.getvalue()


# A quiet scene, then a loud one: the score must get louder where the film does.
QUIET_LOUD = (Cue(0.0, 30.0, 0.1), Cue(30.0, 61.0, 0.9))


@pytest.fixture(scope="module")
def long_render(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    out = tmp_path_factory.mktemp("music") / "score.wav"
    _backend().render(MusicRequest(61.0, QUIET_LOUD, "warm", 7, RATE), out)
    return _read(out)


def test_wav_is_exactly_as_long_as_the_film(tmp_path: Path, long_render: np.ndarray) -> None:
    out = tmp_path / "short.wav"
    _backend().render(MusicRequest(17.3, (Cue(0.0, 17.3, 0.5),), "upbeat", 1, RATE), out)
    assert len(_read(out)) == round(17.3 * RATE)
    assert len(long_render) == round(61.0 * RATE)
    assert [p.name for p in tmp_path.iterdir()] == ["short.wav"]  # no temporary files left behind


def test_music_is_audible_does_not_clip_and_never_drops_out(long_render: np.ndarray) -> None:
    assert -26 < _dbfs(long_render) < -14
    assert np.abs(long_render).max() < 0.99
    body = long_render[: -RATE // 2]  # the last half second is the ring-out and fade
    seconds = body[: len(body) // RATE * RATE].reshape(-1, RATE, 2)
    assert min(_dbfs(s) for s in seconds) > -45


def test_louder_scene_gives_louder_music(long_render: np.ndarray) -> None:
    quiet = _dbfs(long_render[8 * RATE : 28 * RATE])  # after the intro fade, before the change
    loud = _dbfs(long_render[33 * RATE : 53 * RATE])  # after the change, before the final chord
    assert loud - quiet > 3


def test_same_seed_and_mood_give_the_same_score() -> None:
    cues = (Cue(0.0, 20.0, 0.3), Cue(20.0, 40.0, 0.8))
    assert _midi_bytes(compose("calm", 40.0, cues, 3)) == _midi_bytes(compose("calm", 40.0, cues, 3))
    assert _midi_bytes(compose("calm", 40.0, cues, 3)) != _midi_bytes(compose("calm", 40.0, cues, 4))


def _tempo_and_key(midi: mido.MidiFile) -> tuple[int, str]:
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    key = next(m.key for m in midi.tracks[0] if m.type == "key_signature")
    return tempo, key


def test_moods_differ_in_tempo_or_key() -> None:
    cues = (Cue(0.0, 45.0, 0.5),)
    seen = {_tempo_and_key(compose(mood, 45.0, cues, 1)) for mood in MOODS}
    assert len(seen) >= 6
    assert _tempo_and_key(compose("sad", 45.0, cues, 1)) != _tempo_and_key(compose("upbeat", 45.0, cues, 1))


@pytest.mark.parametrize("mood", MOODS)
@pytest.mark.parametrize("duration", [6.0, 45.0, 123.4])
def test_score_ends_on_the_tonic_chord_before_the_film_ends(mood: str, duration: float) -> None:
    midi = compose(mood, duration, (Cue(0.0, duration, 0.6),), 5)
    _, key = _tempo_and_key(midi)
    names = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
    tonic = (names[key[0]] + {"#": 1, "b": -1}.get(key[1:2], 0)) % 12
    third = 3 if key.endswith("m") else 4
    # Play it through (mido turns ticks into seconds with the tempo map): when does each note end?
    now, ends = 0.0, {}
    for msg in midi:
        now += msg.time
        if msg.type in ("note_on", "note_off") and msg.channel != 9:
            ends[(msg.channel, msg.note)] = now
    last_off = max(ends.values())
    assert midi.length == pytest.approx(duration, abs=0.01)
    assert duration - 0.6 < last_off <= duration - 0.5 + 0.01
    pitches = [note for (_, note), end in ends.items() if end > last_off - 0.01]
    assert {p % 12 for p in pitches} == {tonic, (tonic + third) % 12, (tonic + 7) % 12}
    assert min(pitches) % 12 == tonic  # the bass has the root


def test_guess_mood_from_the_words() -> None:
    chase = "The chase is on. A gun fires twice. She screams and runs; sirens, gunshots, a scream."
    funeral = "At the funeral, tears. Her mother's coffin. She whispers goodbye, crying in the rain."
    assert guess_mood(chase) == "tense"
    assert guess_mood(funeral) == "sad"
    assert guess_mood("INT. OFFICE - DAY\n\nA desk. A chair.") == "warm"


def test_scene_intensity_follows_the_action() -> None:
    quiet = "EXT. LAKE - DAWN\n\nMist lies on the water. An old man sits on the jetty and reads."
    action = "He RUNS! Glass shatters. She screams, grabs the gun and fires! They crash through the door!"
    assert 0 <= scene_intensity(quiet) < 0.35 < 0.75 < scene_intensity(action) <= 1


def test_missing_soundfont_names_the_package_and_the_setting(tmp_path: Path) -> None:
    missing = FluidSynthBackend.check(FluidSynthSettings(soundfont=str(tmp_path / "missing.sf2")))
    assert "missing.sf2" in missing and "fluid-soundfont-gm" in missing and "fluidsynth.soundfont" in missing


# -- keeping a composed score through small edits (stages/music/__init__.py) -----------------------


def _request(duration: float, cues: list[list[float]], **changes: object) -> dict[str, object]:
    """What the music stage records of a request (backends.identity plus the request)."""
    record: dict[str, object] = {
        **backends.identity("music", Settings()),
        "mood": "warm",
        "seed": 7,
        "sample_rate": RATE,
        "duration": duration,
        "cues": cues,
    }
    record.update(changes)
    return record


def test_a_score_is_kept_only_while_the_scenes_stay_close_to_what_it_was_composed_for(tmp_path: Path) -> None:
    composed = tmp_path / "composed.wav"
    _backend().render(
        MusicRequest(20.0, (Cue(0.0, 8.0, 0.3), Cue(8.0, 20.0, 0.7)), "warm", 7, RATE), composed
    )
    previous = {**_request(20.0, [[0.0, 8.0, 0.3], [8.0, 20.0, 0.7]]), "wav": file_digest(composed)}
    wanted = _request

    # A line rewritten in the first scene: everything after it moves by 0.8 s.
    assert music.still_fits(previous, wanted(20.8, [[0.0, 8.8, 0.32], [8.8, 20.8, 0.7]]), 2.0, composed)
    # A scene 3 s longer, another mood, another seed, a scene much livelier, a scene more: composed anew.
    assert not music.still_fits(previous, wanted(23.0, [[0.0, 11.0, 0.3], [11.0, 23.0, 0.7]]), 2.0, composed)
    assert not music.still_fits(
        previous, wanted(20.0, [[0.0, 8.0, 0.3], [8.0, 20.0, 0.7]], mood="sad"), 2.0, composed
    )
    assert not music.still_fits(
        previous, wanted(20.0, [[0.0, 8.0, 0.3], [8.0, 20.0, 0.7]], seed=8), 2.0, composed
    )
    assert not music.still_fits(previous, wanted(20.0, [[0.0, 8.0, 0.3], [8.0, 20.0, 0.95]]), 2.0, composed)
    assert not music.still_fits(
        previous, wanted(21.0, [[0.0, 8.0, 0.3], [8.0, 20.0, 0.7], [20, 21, 0.5]]), 2.0, composed
    )
    # refit 0: any change composes anew; the same request keeps it.
    assert not music.still_fits(previous, wanted(20.1, [[0.0, 8.1, 0.3], [8.1, 20.1, 0.7]]), 0.0, composed)
    assert music.still_fits(previous, wanted(20.0, [[0.0, 8.0, 0.3], [8.0, 20.0, 0.7]]), 0.0, composed)
    # A render that is not the one the record describes (a crash between the two) is not trusted.
    composed.write_bytes(composed.read_bytes()[:-4])
    assert not music.still_fits(previous, wanted(20.0, [[0.0, 8.0, 0.3], [8.0, 20.0, 0.7]]), 2.0, composed)


def test_a_kept_score_is_fitted_to_the_film_to_the_sample(tmp_path: Path) -> None:
    composed = tmp_path / "composed.wav"
    _backend().render(MusicRequest(12.0, (Cue(0.0, 12.0, 0.8),), "upbeat", 3, RATE), composed)
    original = _read(composed)

    music.fit(composed, 13.25, tmp_path / "longer.wav")
    longer = _read(tmp_path / "longer.wav")
    assert len(longer) == round(13.25 * RATE)
    assert np.array_equal(longer[: len(original)], original)  # the composition untouched...
    assert not longer[len(original) :].any()  # ...and silence after its end

    music.fit(composed, 10.5, tmp_path / "shorter.wav")
    shorter = _read(tmp_path / "shorter.wav")
    assert len(shorter) == round(10.5 * RATE)
    cut = round((10.5 - music.REFIT_FADE) * RATE)
    assert np.allclose(shorter[:cut], original[:cut], atol=1 / 32768)
    # cut short under a fade: the last 50 ms are near silence, where the original was still playing
    assert _dbfs(shorter[-2400:]) < _dbfs(original[round(10.45 * RATE) : round(10.5 * RATE)]) - 30
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["composed.wav", "longer.wav", "shorter.wav"]
