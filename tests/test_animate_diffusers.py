"""animate: diffusers, with tiny image-to-video pipelines (LTX-Video, Stable Video Diffusion, AnimateDiff
video-to-video) that the tests build with random weights; loaded with diffusers' own from_pretrained."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scriptvid import backends, settings
from scriptvid.errors import ConfigError
from scriptvid.settings import DiffusersAnimateSettings
from scriptvid.stages.animate import diffusion
from scriptvid.stages.animate.interface import AnimateRequest

from conftest import Daemon, ffprobe, project_status, tiny_model, tiny_sd, wait_for

pytest.importorskip("diffusers")

SIZE, FPS = (160, 90), 24


def tiny_settings(kind: str, **changes: object) -> DiffusersAnimateSettings:
    base = DiffusersAnimateSettings(
        model=str(tiny_model(kind)), device="cpu", dtype="float32", steps=2, max_side=64, segment_frames=9
    )
    return dataclasses.replace(base, **changes)


def scene_folder(tmp: Path) -> Path:
    folder = tmp / "scene"
    folder.mkdir(exist_ok=True)
    still = np.random.default_rng(0).integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    Image.fromarray(still).save(folder / "image.png")
    return folder


def request(folder: Path, frames: int, seed: int = 3) -> AnimateRequest:
    return AnimateRequest(
        folder, "the camera pushes in", "a kitchen", seed, SIZE, FPS, frames, lambda *_: None, 0
    )


@pytest.mark.parametrize(
    ("kind", "segment", "rate"),
    [("ltx_image_to_video", 9, 25), ("stable_video_diffusion", 4, 7), ("animatediff", 8, 8)],
)
def test_each_pipeline_makes_the_scene_s_frames_at_the_film_s_size(
    tmp_path: Path, kind: str, segment: int, rate: int
) -> None:
    started = time.perf_counter()
    backend = diffusion.DiffusersAnimateBackend(tiny_settings(kind, segment_frames=segment))
    loaded = time.perf_counter()
    assert (backend.fps, backend.segment) == (rate, segment)
    folder = scene_folder(tmp_path)
    frames = 30  # 1.25 s: several segments of every one of these models
    first = list(backend.clip(request(folder, frames)))
    made = time.perf_counter()
    print(f"\n{kind}: load {loaded - started:.2f} s, {frames} frames {made - loaded:.2f} s")
    assert len(first) == frames
    assert all(f.shape == (SIZE[1], SIZE[0], 3) and f.dtype == np.uint8 for f in first)
    assert np.stack(first).std() > 1  # pictures, not a blank
    again = list(backend.clip(request(folder, frames)))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    other = list(backend.clip(request(folder, frames, seed=4)))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


class Numbered(diffusion.DiffusersAnimateBackend):
    """The backend's own segmenting and retiming, over a model whose frame k of a segment says, in
    its pixels, which segment it is and where it started: no network needed to see the plumbing."""

    def __init__(self, fps: int, segment: int) -> None:
        self.settings = DiffusersAnimateSettings(max_side=64)
        self.fps, self.segment = fps, segment
        self.starts: list[int] = []

    def _segment(self, image: Image.Image, req: AnimateRequest, number: int) -> np.ndarray:
        start = int(np.asarray(image)[0, 0, 0])
        self.starts.append(start)
        frames = np.zeros((self.segment, 8, 8, 3), np.uint8)
        for k in range(self.segment):
            frames[k] = start + k  # the model's frame number, counted across segments
        return frames


def test_segments_start_from_the_last_frame_before_and_the_frames_are_retimed_to_the_film(
    tmp_path: Path,
) -> None:
    folder = scene_folder(tmp_path)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(folder / "image.png")
    backend = Numbered(fps=8, segment=5)
    frames = list(backend.clip(dataclasses.replace(request(folder, 30), size=(8, 8))))
    numbers = [int(f[0, 0, 0]) for f in frames]
    # Each segment starts where the last one ended (its first frame is not shown twice) ...
    assert backend.starts == [0, 4, 8]  # model frames 0-4, 4-8, 8-12 cover 0 to 10
    # ... and each film frame (24 fps) shows the model frame (8 fps) nearest in time.
    assert numbers == [round(i * 8 / 24) for i in range(30)]
    assert numbers[-1] == 10  # 30 frames at 24 fps last 1.25 s: model frames 0 to 10


def test_the_model_s_rules_for_frame_counts_are_kept() -> None:
    ltx = diffusion.DiffusersAnimateBackend(tiny_settings("ltx_image_to_video", segment_frames=12))
    assert ltx.segment == 9  # 8k+1
    assert (
        diffusion.DiffusersAnimateBackend(tiny_settings("ltx_image_to_video", segment_frames=0)).segment
        == 161
    )
    animatediff = diffusion.DiffusersAnimateBackend(tiny_settings("animatediff", segment_frames=100))
    assert animatediff.segment == 32  # its motion modules' longest


def test_a_text_to_image_or_text_to_video_pipeline_is_refused_by_name() -> None:
    settings_ = DiffusersAnimateSettings(model=str(tiny_sd()), device="cpu", dtype="float32")
    with pytest.raises(ConfigError, match="StableDiffusionPipeline makes video from text alone") as caught:
        diffusion.DiffusersAnimateBackend(settings_)
    assert "LTXImageToVideoPipeline" in str(caught.value)


def test_what_is_missing_is_said_as_a_user_needs_it(tmp_path: Path) -> None:
    check = diffusion.DiffusersAnimateBackend.check
    assert check(tiny_settings("ltx_image_to_video")) == ""
    assert "set diffusers_animate.model to a local diffusers pipeline folder" in check(
        tiny_settings("ltx_image_to_video", model="")
    )
    broken = tmp_path / "ltx"
    shutil.copytree(tiny_model("ltx_image_to_video"), broken)
    for weights in (broken / "transformer").glob("*.safetensors"):
        weights.unlink()
    assert f"diffusers_animate.model: {broken / 'transformer'} has a config.json but no weights" in check(
        tiny_settings("ltx_image_to_video", model=str(broken))
    )


def test_another_model_folder_changes_the_identity_the_same_one_does_not(tmp_path: Path) -> None:
    chosen = settings.build([("t", {"backends": {"animate": "diffusers"}})])

    def identity(folder: Path) -> dict:
        s = dataclasses.replace(
            chosen, diffusers_animate=tiny_settings("ltx_image_to_video", model=str(folder))
        )
        return backends.identity("animate", s)

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model("ltx_image_to_video"), copy)
    assert identity(copy) == identity(copy)
    assert identity(copy)["model"] == identity(tiny_model("ltx_image_to_video"))["model"]  # not where it lies
    config = copy / "transformer" / "config.json"
    config.write_text(config.read_text().replace('"num_layers": 1', '"num_layers": 2'))
    assert identity(copy)["model"] != identity(tiny_model("ltx_image_to_video"))["model"]


@pytest.mark.slow
def test_generated_films_render_in_the_daemon(data_root: Path) -> None:
    """The service names where the models lie; each film's sidecar chooses its backends: one all
    generated (picture, motion, lip sync on the frames, subtitles burned in), one a camera move over a
    generated picture with the lip-sync model on the camera's frames."""
    config = data_root / "config" / "scriptvid.yaml"
    fast = "device: cpu, dtype: float32, steps: 2, max_side: 64"
    config.write_text(
        config.read_text()
        + f"diffusers_image: {{model: '{tiny_sd()}', {fast}}}\n"
        + f"diffusers_animate: {{model: '{tiny_model('ltx_image_to_video')}', {fast}, segment_frames: 9}}\n"
        + f"musetalk: {{model: '{tiny_model('musetalk')}', device: cpu, dtype: float32}}\n"
    )
    script = (
        "Title: {title}\n\nINT. KITCHEN - NIGHT\n\nMARA\nThe kettle is on.\n\n"
        "EXT. HARBOUR - DAY\n\nMARA\nThe boats are in.\n"
    )
    inbox = data_root / "inbox"
    (inbox / "generated.yaml").write_text(
        "backends: {image: diffusers, animate: diffusers, lipsync: musetalk}\nsubtitles: {burn_in: true}\n"
    )
    (inbox / "stills.yaml").write_text("backends: {image: diffusers, animate: camera, lipsync: musetalk}\n")
    daemon = Daemon(data_root).start()
    try:
        (inbox / "generated.fountain").write_text(script.format(title="Generated"))
        (inbox / "stills.fountain").write_text(script.format(title="Stills"))
        done = ("completed", "failed")
        wait_for(
            lambda: all(project_status(data_root, n).get("state") in done for n in ("generated", "stills")),
            300,
            "the generated films",
        )
    finally:
        daemon.stop()
    for name in ("generated", "stills"):
        st = project_status(data_root, name)
        assert st["state"] == "completed", st["errors"]
        info = ffprobe(data_root / "outbox" / f"{name}.mp4")
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        assert (video["width"], video["height"], video["r_frame_rate"]) == (640, 360, "24/1")
        assert float(info["format"]["duration"]) > 3
        assert {s["codec_type"] for s in info["streams"]} >= {"video", "audio", "subtitle"}
    # The lip-sync model ran on every scene's frames, in the animate step, and said what it did (random
    # weights draw no real faces; the cascade may see one in the noise: then that is redrawn).
    said = {
        (e["project"], e["scene"])
        for e in daemon.events()
        if e.get("stage") == "animate" and e.get("event", "").startswith("lipsync: ")
    }
    assert {p for p, _ in said} == {"generated", "stills"} and len(said) == 4
    # A frame of the generated film, kept beside the test's data for whoever looks.
    film, frame = data_root / "outbox" / "generated.mp4", data_root / "frame.png"
    subprocess.run(["ffmpeg", "-v", "error", "-ss", "3", "-i", film, "-frames:v", "1", frame], check=True)
    with Image.open(data_root / "frame.png") as frame:
        assert frame.size == (640, 360)
