"""Backends: a contract test per stage interface that every backend in the catalogue runs, and what
every backend shares: built with its own settings, identified by them and by its model, checked
cheaply, loaded once per process and only when used."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from PIL import Image

from scriptvid import backends, settings
from scriptvid.errors import ConfigError
from scriptvid.model import Line, Scene
from scriptvid.stages.animate.interface import AnimateRequest
from scriptvid.stages.image.interface import ImageRequest
from scriptvid.stages.lipsync.interface import SyncRequest
from scriptvid.stages.music.interface import Cue, MusicRequest
from scriptvid.stages.voice.interface import VoiceProfile

from conftest import REPO, tiny_model, tiny_sd
from tiny_musetalk import drawn_face

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
DEFAULTS = settings.Settings()


def build(stage: str, name: str, s: settings.Settings | None = None) -> Any:
    """The backend, built with its settings; the model backends with a tiny model made by the tests."""
    cls = backends.backend_class(stage, name)
    section = getattr(s or DEFAULTS, cls.SECTION or cls.NAME)
    if cls.SECTION == "diffusers_image" and not section.model:
        section = dataclasses.replace(section, model=str(tiny_sd()), device="cpu", steps=2, max_side=64)
    if cls.SECTION == "diffusers_animate" and not section.model:
        model = str(tiny_model("ltx_image_to_video"))
        section = dataclasses.replace(
            section, model=model, device="cpu", steps=2, max_side=64, segment_frames=9
        )
    if cls.NAME == "musicgen" and not section.model:
        model = str(tiny_model("musicgen"))
        section = dataclasses.replace(
            section, model=model, device="cpu", dtype="float32", window=4.0, guidance=1.0
        )
    if cls.NAME == "coqui" and not section.model:
        section = dataclasses.replace(
            section, model=str(tiny_model("xtts")), device="cpu", max_audio_tokens=8
        )
    if cls.NAME == "musetalk" and not section.model:
        section = dataclasses.replace(
            section, model=str(tiny_model("musetalk")), device="cpu", dtype="float32"
        )
    return cls(section)


@pytest.mark.parametrize("name", sorted(backends.CATALOGUE["parse"]))
def test_parse_backends_turn_a_script_into_scenes(name: str) -> None:
    script = build("parse", name).parse(b"INT. KITCHEN - NIGHT\n\nANNA\nHello, Ben.\n", "x.fountain", 10)
    assert [s.heading for s in script.scenes] == ["INT. KITCHEN - NIGHT"]
    assert script.scenes[0].dialogue[0] == Line("ANNA", "Hello, Ben.")


@pytest.mark.parametrize("name", sorted(backends.CATALOGUE["image"]))
def test_image_backends_write_a_picture_of_the_requested_size(name: str, tmp_path: Path) -> None:
    build("image", name).render(ImageRequest(SCENE, "a kitchen at night", 7, 320, 180, {}, "T"), tmp_path)
    with Image.open(tmp_path / "image.png") as picture:
        assert picture.size == (320, 180)
        assert np.asarray(picture.convert("L")).std() > 5  # a picture, not a blank


@pytest.mark.parametrize("name", sorted(backends.CATALOGUE["voice"]))
def test_voice_backends_speak(name: str) -> None:
    backend = build("voice", name)
    audio = backend.speak("Hello, Ben. How are you?", VoiceProfile())
    assert audio.dtype == np.float32 and np.abs(audio).max() <= 1.0
    seconds = audio.size / backend.sample_rate
    if name == "piper":  # a real voice: as long as the words take to say
        assert 0.8 < seconds < 4.0
        assert np.sqrt(np.mean(audio**2)) > 0.02
    else:  # a tiny random model, capped at a few audio tokens: sound, of no particular length
        assert seconds > 0.1 and np.sqrt(np.mean(audio**2)) > 1e-3


@pytest.mark.parametrize("name", sorted(backends.CATALOGUE["lipsync"]))
def test_lipsync_backends_move_mouths_only_while_speaking(name: str) -> None:
    rate, fps = 48000, 25
    t = np.arange(2 * rate) / rate
    audio = (0.3 * np.sin(2 * np.pi * 150 * t) * (t > 1.0)).astype(np.float32)  # silent, then a voice
    backend = build("lipsync", name)
    if hasattr(backend, "sync"):  # a model on real frames: the frames it was given, changed only in speech
        frames = [drawn_face() for _ in range(2 * fps)]
        req = SyncRequest(audio, rate, fps, {"ANNA": [(1.0, 2.0)]}, ("ANNA",))
        out = list(backend.sync(iter(frames), req))
        assert len(out) == len(frames) and all(o.shape == f.shape for o, f in zip(out, frames, strict=True))
        assert all(np.array_equal(o, f) for o, f in zip(out[:fps], frames[:fps], strict=True))
        assert not np.array_equal(out[-1], frames[-1])
        return
    openings = backend.openings(audio, rate, fps, [(1.0, 2.0)])
    assert len(openings) == 2 * fps
    assert max(openings[:fps]) == 0.0 and min(openings[fps + 3 :]) > 0.3


@pytest.mark.parametrize("name", sorted(backends.CATALOGUE["animate"]))
def test_animate_backends_give_the_frames_asked_for(name: str, tmp_path: Path) -> None:
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (180, 320, 3), dtype=np.uint8)).save(
        tmp_path / "image.png"
    )
    calls = []
    req = AnimateRequest(
        tmp_path, "push in", "a kitchen", 1, (320, 180), 24, 12, lambda f, i, w: calls.append(i), 0
    )
    backend = build("animate", name)
    if hasattr(backend, "clip"):  # a video model: RGB frames, the overlays drawn on by the stage
        frames = list(backend.clip(req))
        assert len(frames) == 12 and frames[0].shape == (180, 320, 3)
    else:  # drawn: I420, the overlays drawn on by the backend
        frames = [f.copy() for f in backend.frames(req)]
        assert len(frames) == 12 and frames[0].shape == (180 * 3 // 2, 320)
        assert calls == list(range(12))
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1  # it moved


@pytest.mark.parametrize("name", sorted(backends.CATALOGUE["music"]))
def test_music_backends_render_exactly_the_length_asked_for(name: str, tmp_path: Path) -> None:
    req = MusicRequest(duration=7.3, cues=(Cue(0.0, 7.3, 0.5),), mood="warm", seed=1, sample_rate=48000)
    build("music", name).render(req, tmp_path / "score.wav")
    with wave.open(str(tmp_path / "score.wav")) as wav:
        assert wav.getnframes() == round(7.3 * 48000) and wav.getnchannels() == 2


def test_every_backend_has_a_settings_section_and_is_usable_here() -> None:
    for stage, names in backends.CATALOGUE.items():
        for name in names:
            cls = backends.backend_class(stage, name)
            assert name == cls.NAME
            section = getattr(DEFAULTS, cls.SECTION or cls.NAME)
            assert dataclasses.is_dataclass(section), f"settings.{cls.SECTION or cls.NAME}"
            assert cls.pool(section) in ("cpu", "gpu")
            missing = cls.check(section)
            if missing:  # only a model no default can name is missing; with one, it is usable
                assert missing.startswith("no model"), (name, missing)
                if name == "ollama":  # its model is on a server: test_parse_ollama checks it against one
                    continue
                assert cls.check(build(stage, name).settings) == "", name


def test_the_identity_follows_the_settings_and_the_model(tmp_path: Path) -> None:
    base = backends.identity("lipsync", DEFAULTS)
    wider = settings.build([("t", {"mouths": {"open_db": -24.0}})])
    assert backends.identity("lipsync", wider) != base
    # Another soundfont (a model file) is another identity, even under the same name and version.
    sf2 = Path(DEFAULTS.fluidsynth.soundfont)
    copy = tmp_path / "FluidR3_GM.sf2"
    copy.write_bytes(b"not the same soundfont")
    other = settings.build([("t", {"fluidsynth": {"soundfont": str(copy)}})])
    a, b = backends.identity("music", DEFAULTS), backends.identity("music", other)
    assert a["backend"] == b["backend"] and a["version"] == b["version"]
    assert a["model"] != b["model"] and sf2.exists()
    # A model folder's digest changes with its config, not with where it lies.
    for folder in (tmp_path / "m1", tmp_path / "m2"):
        folder.mkdir()
        (folder / "config.json").write_text('{"layers": 2}')
        (folder / "weights.bin").write_bytes(b"\0" * (2 << 20))
    assert backends.model_digest(tmp_path / "m1") == backends.model_digest(tmp_path / "m2")
    (tmp_path / "m2" / "config.json").write_text('{"layers": 3}')
    assert backends.model_digest(tmp_path / "m1") != backends.model_digest(tmp_path / "m2")


def test_a_missing_model_is_named_by_check_and_refused_at_load(tmp_path: Path) -> None:
    s = settings.build([("t", {"piper": {"model": str(tmp_path / "voice.onnx")}})])
    message = backends.backend_class("voice", "piper").check(s.piper)
    assert "voice.onnx" in message and "piper.model" in message
    assert backends.problems(s) == {"backends.voice": f"piper: {message}"}
    with pytest.raises(ConfigError, match=r"voice\.onnx"), backends.use("voice", s):
        pass


def test_backends_are_loaded_only_when_used_and_once_per_process() -> None:
    probe = """
import sys
from scriptvid import backends, settings
s = settings.Settings()
backends.identity("voice", s), backends.problems(s)
assert "piper" not in sys.modules, "checking a backend loaded its library"
with backends.use("voice", s) as first, backends.use("lipsync", s):
    pass
with backends.use("voice", s) as second:
    assert first is second
assert "piper" in sys.modules
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr


def _most_at_once(film: settings.Settings, speak: Callable[[Any], object] | None = None) -> int:
    """How many of four threads were inside `backends.use("voice", film)` at the same time."""
    inside, most, lock = [0], [0], threading.Lock()

    def one() -> None:
        with backends.use("voice", film) as voice:
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            if speak is not None:
                speak(voice)
            time.sleep(0.05)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return most[0]


def test_a_backend_that_serves_one_thread_at_a_time_is_taken_in_turns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scriptvid.stages.voice.piper import PiperBackend, _voice_files

    monkeypatch.setattr(PiperBackend, "CONCURRENT", False)
    # The packaged voice named by its path: a backend of its own, loaded with the setting above.
    model = _voice_files(DEFAULTS.piper)[0]
    assert _most_at_once(settings.build([("t", {"piper": {"model": str(model)}})])) == 1


def test_the_piper_voice_speaks_for_several_workers_at_once() -> None:
    from scriptvid.stages.voice.interface import VoiceProfile

    said: list[int] = []
    most = _most_at_once(
        DEFAULTS, lambda voice: said.append(voice.speak("Two at once.", VoiceProfile()).size)
    )
    assert most > 1 and len(said) == 4 and min(said) > 0.5 * 22050


def test_scriptvid_backends_lists_every_stage_and_what_is_configured(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scriptvid", "backends", "--json", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["stage"] for r in rows} == set(backends.CATALOGUE)
    configured = {r["stage"]: r["backend"] for r in rows if r["configured"]}
    assert configured == {stage: getattr(DEFAULTS.backends, stage) for stage in backends.CATALOGUE}
    assert all(r["usable"] for r in rows if r["configured"])
    (diffusers,) = [r for r in rows if (r["stage"], r["backend"]) == ("image", "diffusers")]
    assert not diffusers["usable"] and "diffusers_image.model" in diffusers["missing"]
    table = subprocess.run(
        [sys.executable, "-m", "scriptvid", "backends", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    ).stdout
    assert table.split()[:5] == ["STAGE", "BACKEND", "CONFIGURED", "POOL", "USABLE"]
    assert "fluidsynth" in table and "piper" in table


class _OnTheGpu(backends.Backend):
    """A stand-in for a model on a GPU: says which device, counts its loads and unloads, and how many
    models are at work at once."""

    VERSION = "1"
    SECTION = "camera"  # any section will do: it is only handed to the constructor
    loads: ClassVar[dict[str, int]] = {}
    closed: ClassVar[list[str]] = []
    at_work, most = [0], [0]
    lock = threading.Lock()

    @classmethod
    def device(cls, settings: Any) -> str:
        return "cuda:0"

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        _OnTheGpu.loads[self.NAME] = _OnTheGpu.loads.get(self.NAME, 0) + 1

    def close(self) -> None:
        _OnTheGpu.closed.append(self.NAME)

    def work(self) -> None:
        with _OnTheGpu.lock:
            _OnTheGpu.at_work[0] += 1
            _OnTheGpu.most[0] = max(_OnTheGpu.most[0], _OnTheGpu.at_work[0])
        time.sleep(0.03)
        with _OnTheGpu.lock:
            _OnTheGpu.at_work[0] -= 1


class PictureModel(_OnTheGpu):
    NAME = "picture-model"


class VideoModel(_OnTheGpu):
    NAME = "video-model"


def _on_the_gpu(monkeypatch: pytest.MonkeyPatch, keep: bool) -> settings.Settings:
    monkeypatch.setitem(backends.CATALOGUE, "image", {"picture-model": f"{__name__}:PictureModel"})
    monkeypatch.setitem(backends.CATALOGUE, "animate", {"video-model": f"{__name__}:VideoModel"})
    monkeypatch.setattr(backends, "_slots", {})
    _OnTheGpu.loads.clear()
    _OnTheGpu.closed.clear()
    chosen = dataclasses.replace(DEFAULTS.backends, image="picture-model", animate="video-model")
    return dataclasses.replace(
        DEFAULTS, backends=chosen, daemon=dataclasses.replace(DEFAULTS.daemon, keep_models=keep)
    )


def test_models_on_one_gpu_take_turns_whichever_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    s = _on_the_gpu(monkeypatch, keep=True)
    _OnTheGpu.most[0] = 0

    def work(stage: str) -> None:
        with backends.use(stage, s) as model:
            model.work()

    threads = [threading.Thread(target=work, args=(stage,)) for stage in ("image", "animate") * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _OnTheGpu.most[0] == 1
    assert _OnTheGpu.loads == {"picture-model": 1, "video-model": 1}  # loaded once each, and kept
    assert _OnTheGpu.closed == []


def test_with_keep_models_off_the_other_models_on_the_gpu_are_unloaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = _on_the_gpu(monkeypatch, keep=False)
    with backends.use("image", s):
        pass
    with backends.use("animate", s), backends.use("image", s):  # one step using two: neither is unloaded
        assert _OnTheGpu.closed == ["picture-model"]  # made room for the video model, then loaded again
    with backends.use("animate", s):
        pass
    assert _OnTheGpu.closed == ["picture-model", "picture-model"]
    assert _OnTheGpu.loads == {"picture-model": 2, "video-model": 1}
