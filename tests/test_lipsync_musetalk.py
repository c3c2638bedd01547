"""lipsync: musetalk, with a tiny MuseTalk in the published models/ layout (random weights, built by the
test) and frames with faces drawn plainly enough for OpenCV's cascade to find them."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from structlog.testing import capture_logs

from scriptvid import backends, settings
from scriptvid.settings import MuseTalkSettings
from scriptvid.stages.lipsync import musetalk
from scriptvid.stages.lipsync.faces import FaceTracker
from scriptvid.stages.lipsync.interface import SyncRequest

from conftest import tiny_model
from tiny_musetalk import drawn_face

pytest.importorskip("diffusers")

RATE, FPS = 22050, 24
TWO = ((120, 120, 60), (360, 120, 60))  # two faces: left and right


def tiny_settings(**changes: object) -> MuseTalkSettings:
    base = MuseTalkSettings(model=str(tiny_model("musetalk")), device="cpu", dtype="float32", detect_every=2)
    return dataclasses.replace(base, **changes)


_loaded: dict[str, musetalk.MuseTalkBackend] = {}


def backend() -> musetalk.MuseTalkBackend:
    if "b" not in _loaded:
        started = time.perf_counter()
        _loaded["b"] = musetalk.MuseTalkBackend(tiny_settings())
        print(f"\nmusetalk: load {time.perf_counter() - started:.2f} s")
    return _loaded["b"]


def voice(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.2 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Where two frames differ (a mask of pixels)."""
    return np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 2


def test_the_speaker_s_lower_face_follows_the_voice_and_nothing_else_changes() -> None:
    frames = [drawn_face() for _ in range(48)]
    req = SyncRequest(voice(2.0), RATE, FPS, {"MARA": [(0.5, 1.5)]}, ("MARA",))
    started = time.perf_counter()
    out = list(backend().sync(iter(frames), req))
    print(f"musetalk: {len(frames)} frames {time.perf_counter() - started:.2f} s")
    assert len(out) == len(frames)
    (x, y, w, h), *_ = FaceTracker().detect(frames[0])
    for i, (before, after) in enumerate(zip(frames, out, strict=True)):
        where = changed(before, after)
        if not 12 <= i < 36:  # silent: the frame is as the video model made it
            assert not where.any(), i
            continue
        assert where.sum() > 0.05 * w * h, i  # the mouth is redrawn
        ys, xs = np.nonzero(where)
        # Only the lower half of the face changes: not the eyes, nothing outside the face.
        assert ys.min() >= y + h * 0.45 and ys.max() <= y + h * 1.15, i
        assert xs.min() >= x and xs.max() <= x + w, i
    again = list(backend().sync(iter(frames), req))
    assert all(np.array_equal(a, b) for a, b in zip(out, again, strict=True))  # the same film twice


def test_each_face_is_its_character_s_left_to_right() -> None:
    frames = [drawn_face(480, 240, TWO) for _ in range(24)]
    req = SyncRequest(voice(1.0), RATE, FPS, {"BEN": [(0.0, 1.0)]}, ("ANA", "BEN"))
    out = list(backend().sync(iter(frames), req))
    where = changed(frames[10], out[10])
    assert where[:, 240:].sum() > 500  # BEN, second to appear, is on the right
    assert not where[:, :240].any()  # ANA, who is silent, keeps her mouth


def test_a_clip_without_a_face_passes_through_unchanged_and_says_so() -> None:
    noise = np.random.default_rng(1).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    frames = [noise.copy() for _ in range(24)]
    req = SyncRequest(voice(1.0), RATE, FPS, {"MARA": [(0.0, 1.0)]}, ("MARA",))
    with capture_logs() as logs:
        out = list(backend().sync(iter(frames), req))
    assert all(np.array_equal(a, b) for a, b in zip(frames, out, strict=True))
    assert any("no face found" in e["event"] for e in logs), logs


def test_the_audio_becomes_fifty_position_coded_whisper_tokens_per_frame() -> None:
    tokens = backend().audio_tokens(voice(1.5), RATE, FPS)
    assert tuple(tokens.shape) == (36, 50, 32)  # 1.5 s at 24 fps; ten times five states of d_model 32
    sine = np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE).astype(np.float32)
    down = musetalk.resample(sine, RATE, 16000)
    assert len(down) == 16000
    spectrum = np.abs(np.fft.rfft(down))
    assert abs(int(np.argmax(spectrum)) - 440) <= 1  # the pitch is kept


def test_what_is_missing_is_said_as_a_user_needs_it(tmp_path: Path) -> None:
    check = musetalk.MuseTalkBackend.check
    assert check(tiny_settings()) == ""
    assert "set musetalk.model to MuseTalk's models/ folder" in check(tiny_settings(model=""))
    broken = tmp_path / "models"
    shutil.copytree(tiny_model("musetalk"), broken)
    (broken / "musetalkV15" / "unet.pth").unlink()
    assert f"{broken / 'musetalkV15' / 'unet.pth'} is missing (MuseTalk's published layout)" in check(
        tiny_settings(model=str(broken))
    )
    shutil.copy(tiny_model("musetalk") / "musetalkV15" / "unet.pth", broken / "musetalkV15")
    (broken / "whisper" / "pytorch_model.bin").unlink()
    assert f"{broken / 'whisper'} has a config.json but no weights" in check(tiny_settings(model=str(broken)))
    # The first v1.5 musetalk.json that was published had the wrong channel counts.
    shutil.copy(tiny_model("musetalk") / "whisper" / "pytorch_model.bin", broken / "whisper")
    config = broken / "musetalkV15" / "musetalk.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "in_channels": 32, "out_channels": 16}))
    assert "says in_channels 32, out_channels 16; MuseTalk's are 8 and 4" in check(
        tiny_settings(model=str(broken))
    )


def test_the_model_is_in_the_identity_of_lipsync_and_so_of_animate(tmp_path: Path) -> None:
    chosen = settings.build([("t", {"backends": {"lipsync": "musetalk"}})])
    copy = tmp_path / "models"
    shutil.copytree(tiny_model("musetalk"), copy)

    def identity() -> dict:
        return backends.identity(
            "lipsync", dataclasses.replace(chosen, musetalk=tiny_settings(model=str(copy)))
        )

    before = identity()
    assert identity() == before
    config = copy / "whisper" / "config.json"
    config.write_text(config.read_text().replace('"encoder_layers": 4', '"encoder_layers": 3'))
    assert identity()["model"] != before["model"]
