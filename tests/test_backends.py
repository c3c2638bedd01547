"""A contract test per backend interface, run by every backend in each registry."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scriptvid.model import Line, Scene
from scriptvid.stages import animate, image, lipsync, music, parse, voice
from scriptvid.stages.music.interface import Cue
from scriptvid.stages.voice.profile import VoiceProfile

SCENE = Scene(
    1,
    "INT. KITCHEN - NIGHT",
    "KITCHEN",
    "NIGHT",
    "INT",
    ("Rain.",),
    ("ANNA", "BEN"),
    (Line("ANNA", "Hello, Ben."), Line("BEN", "Hello.")),
)


@pytest.mark.parametrize("name", sorted(parse.BACKENDS))
def test_parse_backends_turn_a_script_into_scenes(name: str) -> None:
    backend = parse.BACKENDS[name]()
    script = backend.parse(b"INT. KITCHEN - NIGHT\n\nANNA\nHello, Ben.\n", "x.fountain", 10)
    assert [s.heading for s in script.scenes] == ["INT. KITCHEN - NIGHT"]
    assert script.scenes[0].dialogue[0] == Line("ANNA", "Hello, Ben.")


@pytest.mark.parametrize("name", sorted(image.BACKENDS))
def test_image_backends_write_a_picture_of_the_requested_size(name: str, tmp_path: Path) -> None:
    backend = image.BACKENDS[name]()
    backend.render(image.ImageRequest(SCENE, "a kitchen at night", 7, 320, 180, {}, "T"), tmp_path)
    with Image.open(tmp_path / "image.png") as picture:
        assert picture.size == (320, 180)
        assert np.asarray(picture.convert("L")).std() > 5  # a picture, not a blank


@pytest.mark.parametrize("name", sorted(voice.BACKENDS))
def test_voice_backends_speak(name: str) -> None:
    backend = voice.BACKENDS[name]()
    audio = backend.speak("Hello, Ben. How are you?", VoiceProfile())
    assert audio.dtype == np.float32 and np.abs(audio).max() <= 1.0
    seconds = audio.size / backend.sample_rate
    assert 0.8 < seconds < 4.0
    assert np.sqrt(np.mean(audio**2)) > 0.02


@pytest.mark.parametrize("name", sorted(lipsync.BACKENDS))
def test_lipsync_backends_open_mouths_only_while_speaking(name: str) -> None:
    backend = lipsync.BACKENDS[name]()
    rate, fps = 48000, 25
    t = np.arange(2 * rate) / rate
    audio = (0.3 * np.sin(2 * np.pi * 150 * t) * (t > 1.0)).astype(np.float32)  # silent, then a voice
    openings = backend.openings(audio, rate, fps, [(1.0, 2.0)])
    assert len(openings) == 2 * fps
    assert max(openings[:fps]) == 0.0 and min(openings[fps + 3 :]) > 0.3


@pytest.mark.parametrize("name", sorted(animate.BACKENDS))
def test_animate_backends_give_the_frames_asked_for(name: str, tmp_path: Path) -> None:
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (180, 320, 3), dtype=np.uint8)).save(
        tmp_path / "image.png"
    )
    calls = []
    req = animate.AnimateRequest(tmp_path, "push in", (320, 180), 12, lambda f, i, m: calls.append(i), 0)
    frames = [f.copy() for f in animate.BACKENDS[name]().frames(req)]
    assert len(frames) == 12 and frames[0].shape == (180 * 3 // 2, 320)  # I420
    assert calls == list(range(12))
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1  # the camera moved


@pytest.mark.parametrize("name", sorted(music.BACKENDS))
def test_music_backends_render_exactly_the_length_asked_for(name: str, tmp_path: Path) -> None:
    req = music.MusicRequest(duration=7.3, cues=(Cue(0.0, 7.3, 0.5),), mood="warm", seed=1, sample_rate=48000)
    music.BACKENDS[name]().render(req, tmp_path / "score.wav")
    with wave.open(str(tmp_path / "score.wav")) as wav:
        assert wav.getnframes() == round(7.3 * 48000) and wav.getnchannels() == 2
