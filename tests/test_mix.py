"""The film's sound: the score gives way to speech and comes back after it."""

from __future__ import annotations

import numpy as np

from scriptvid.stages import mix

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
