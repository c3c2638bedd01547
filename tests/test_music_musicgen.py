"""music: musicgen, with a tiny random MusicGen built by the test and loaded with transformers' own
from_pretrained: a score exactly as long as the film across several windows, each continuing the
one before, with the words following the mood and the scenes."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from scriptvid import backends, settings
from scriptvid.settings import MusicGenSettings
from scriptvid.stages.music import musicgen
from scriptvid.stages.music.interface import Cue, MusicRequest

from conftest import Daemon, ffprobe, project_status, tiny_model, wait_for

pytest.importorskip("transformers")


def tiny_settings(**changes: object) -> MusicGenSettings:
    base = MusicGenSettings(
        model=str(tiny_model("musicgen")),
        device="cpu",
        dtype="float32",
        window=1.2,
        context=0.4,
        crossfade=0.1,
        guidance=1.0,
    )
    return dataclasses.replace(base, **changes)


class Counting(musicgen.MusicGenBackend):
    """The real backend, noting what each window was asked for."""

    def __init__(self, settings_: MusicGenSettings) -> None:
        super().__init__(settings_)
        self.asked: list[tuple[str, int, float]] = []

    def _generate(self, words, heard, seconds, seed, number):  # type: ignore[no-untyped-def]
        self.asked.append((words, 0 if heard is None else heard.size, seconds))
        return super()._generate(words, heard, seconds, seed, number)


def test_a_score_across_windows_is_exactly_as_long_as_the_film(tmp_path: Path) -> None:
    started = time.perf_counter()
    backend = Counting(tiny_settings())
    loaded = time.perf_counter()
    cues = (Cue(0.0, 1.0, 0.1), Cue(1.0, 2.7, 0.9))  # a quiet scene, then a loud one
    req = MusicRequest(duration=2.7, cues=cues, mood="tense", seed=4, sample_rate=48000)
    backend.render(req, tmp_path / "score.wav")
    print(f"\nmusicgen: load {loaded - started:.2f} s, 2.7 s of music {time.perf_counter() - loaded:.2f} s")
    with wave.open(str(tmp_path / "score.wav")) as wav:
        assert (wav.getnframes(), wav.getnchannels(), wav.getframerate()) == (round(2.7 * 48000), 2, 48000)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert np.abs(pcm).max() > 1000  # music, not silence
    assert len(backend.asked) >= 3  # windows of 1.2 s cover 2.7 s
    first, *rest = backend.asked
    assert first[1] == 0 and all(heard == round(0.4 * backend.rate) for _, heard, _ in rest)  # each continues
    assert (
        "tense" in first[0] and "quiet" in first[0] and "intense" in rest[-1][0]
    )  # the words follow the film


def test_the_same_request_gives_the_same_score_another_seed_another() -> None:
    backend = musicgen.MusicGenBackend(tiny_settings())
    req = MusicRequest(duration=1.5, cues=(Cue(0.0, 1.5, 0.5),), mood="calm", seed=1)
    first, again = backend.score(req), backend.score(req)
    assert first.size == round(1.5 * backend.rate)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, backend.score(dataclasses.replace(req, seed=2)))


def test_windows_are_joined_without_a_step(tmp_path: Path) -> None:
    """Where one window meets the next, the score moves no more from sample to sample than it does
    anywhere within a window: the blend leaves no click."""
    backend = Counting(tiny_settings(crossfade=0.1))
    score = backend.score(MusicRequest(duration=2.0, cues=(Cue(0.0, 2.0, 0.5),), mood="warm", seed=3))
    steps = np.abs(np.diff(score))
    seam = round(1.2 * backend.rate)  # where the second window starts
    assert steps[seam - 50 : seam + 50].max() <= np.quantile(steps, 0.999) * 1.5


def test_what_is_missing_is_said_as_a_user_needs_it(tmp_path: Path) -> None:
    check = musicgen.MusicGenBackend.check
    assert check(tiny_settings()) == ""
    assert "set musicgen.model to a local MusicGen folder" in check(tiny_settings(model=""))
    broken = tmp_path / "mg"
    shutil.copytree(tiny_model("musicgen"), broken)
    (broken / "model.safetensors").unlink()
    assert f"{broken} has a config.json but no weights" in check(tiny_settings(model=str(broken)))
    config = broken / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "model_type": "t5"}))
    assert "is a 't5' model, not musicgen" in check(tiny_settings(model=str(broken)))


def test_the_model_is_in_the_identity(tmp_path: Path) -> None:
    chosen = settings.build([("t", {"backends": {"music": "musicgen"}})])
    copy = tmp_path / "mg"
    shutil.copytree(tiny_model("musicgen"), copy)

    def identity() -> dict:
        return backends.identity(
            "music", dataclasses.replace(chosen, musicgen=tiny_settings(model=str(copy)))
        )

    before = identity()
    assert identity() == before
    (copy / "generation_config.json").write_text('{"top_k": 10}')
    assert identity()["model"] != before["model"]


@pytest.mark.slow
def test_a_film_with_a_generated_score_renders_in_the_daemon(data_root: Path) -> None:
    config = data_root / "config" / "scriptvid.yaml"
    config.write_text(
        config.read_text()
        + f"musicgen: {{model: '{tiny_model('musicgen')}', device: cpu, dtype: float32, window: 2.5,"
        + " context: 0.4, crossfade: 0.1, guidance: 1.0}\n"
    )
    inbox = data_root / "inbox"
    (inbox / "scored.yaml").write_text("backends: {music: musicgen}\n")
    daemon = Daemon(data_root).start()
    try:
        (inbox / "scored.fountain").write_text(
            "Title: Scored\n\nINT. KITCHEN - NIGHT\n\nMARA\nThe kettle is on.\n\n"
            "EXT. HARBOUR - DAY\n\nBEN\nThe boats are in!\n"
        )
        st = wait_for(
            lambda: (
                project_status(data_root, "scored").get("state") in ("completed", "failed")
                and project_status(data_root, "scored")
            ),
            300,
            "the scored film",
        )
    finally:
        daemon.stop()
    assert st["state"] == "completed", st["errors"]
    film = ffprobe(data_root / "outbox" / "scored.mp4")
    with wave.open(str(data_root / "projects" / "scored" / "music" / "score.wav")) as wav:
        score_seconds = wav.getnframes() / wav.getframerate()
    video = next(s for s in film["streams"] if s["codec_type"] == "video")
    # The score is as long as the film's pictures (title card, scenes and all), to the sample.
    assert abs(score_seconds - float(video["duration"])) < 0.05
    assert any(e.get("stage") == "music" and e.get("event") == "stage finished" for e in daemon.events())
