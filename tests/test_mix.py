"""The film's sound: the score gives way to speech and comes back after it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scriptvid import settings, timeline
from scriptvid.audio import write_wav
from scriptvid.project import Root
from scriptvid.stages import mix
from scriptvid.stages.music.level import LEVEL

RATE = 48000


def _db(x: float) -> float:
    return float(20 * np.log10(x))


def test_the_score_ducks_under_speech_and_comes_back_after_it() -> None:
    # one second of silence, two seconds of speech-like noise (RMS 0.1, about -20 dBFS), three of silence
    rng = np.random.default_rng(1)
    key = np.zeros(6 * RATE, dtype=np.float32)
    key[RATE : 3 * RATE] = rng.normal(0, 0.1, 2 * RATE).astype(np.float32)
    gain = mix.duck_gain(key, RATE)
    assert gain.shape == key.shape
    assert np.all(gain[: RATE - 480] == 1.0)  # nothing said (until 10 ms before): the score untouched
    # 6:1 above -34 dBFS: speech 14 dB over the threshold presses the score down by about 11.7 dB
    assert -13.0 < _db(float(np.median(gain[int(1.5 * RATE) : 3 * RATE]))) < -10.5
    assert _db(float(gain[RATE + int(0.06 * RATE)])) < -8  # within 60 ms of the first word
    assert _db(float(gain[3 * RATE + int(0.1 * RATE)])) < -3  # it does not jump back between words...
    assert _db(float(gain[3 * RATE + int(2.0 * RATE)])) > -0.5  # ...but is back well before the next scene
    assert np.all(np.diff(gain[int(3.05 * RATE) :]) >= -1e-6)  # and rises without pumping


def test_quiet_speech_under_the_threshold_leaves_the_score_alone() -> None:
    key = (0.01 * np.sin(np.arange(2 * RATE) * 2 * np.pi * 200 / RATE)).astype(np.float32)  # RMS 0.007
    assert np.all(mix.duck_gain(key, RATE) == 1.0)


def test_speech_level_is_the_level_while_someone_speaks() -> None:
    rng = np.random.default_rng(2)
    key = np.zeros(10 * RATE, dtype=np.float32)
    for start in (1, 4, 7):  # three lines at RMS 0.05 (-26 dBFS), pauses between them
        key[start * RATE : (start + 2) * RATE] = rng.normal(0, 0.05, 2 * RATE).astype(np.float32)
    assert abs(mix.speech_level(key, RATE) - _db(0.05)) < 0.3  # the pauses are left out
    assert mix.speech_level(np.zeros(RATE, dtype=np.float32), RATE) == mix.VOICE_LEVEL


def test_the_score_sits_its_level_under_the_speech_where_nobody_speaks(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    project = Root(tmp_path).project("film")
    speech = np.zeros(6 * RATE, dtype=np.float32)
    speech[RATE : 3 * RATE] = rng.normal(0, 0.05, 2 * RATE).astype(np.float32)  # -26 dBFS: not the usual
    write_wav(project.scenes_dir / "001" / "voice" / "track.wav", speech, RATE)
    # A score as every music backend leaves it (stages/music/level.py): at LEVEL dBFS RMS.
    tone = 10 ** (LEVEL / 20) * np.sqrt(2) * np.sin(np.arange(6 * RATE) * 2 * np.pi * 220 / RATE)
    write_wav(project.music_dir / "score.wav", np.repeat(tone[:, None], 2, axis=1), RATE)
    cut = timeline.Handover("cut", 0.0)
    title, scene = (
        timeline.Placement(name, "", 0.0, d, cut, cut) for name, d in (("title", 0.0), ("001", 6.0))
    )
    layout = timeline.Layout(title, [scene])
    film = settings.build([("film", {"music": {"level": -15.0}})])
    out = tmp_path / "mix.f32"
    mix.write_mix(project, layout, film, out)
    mixed = np.fromfile(out, dtype="<f4").reshape(-1, 2)[:, 0]
    # Where nobody speaks, 15 dB under the speech's -26 dBFS.
    score_only = mixed[int(4.5 * RATE) : 6 * RATE]
    assert abs(_db(float(np.sqrt(np.mean(score_only**2)))) - (_db(0.05) - 15.0)) < 0.5
