"""image: diffusers, with a tiny Stable Diffusion pipeline that the tests build with random weights
and save as a model folder; loaded by the backend with diffusers' own `from_pretrained`."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scriptvid import backends, settings, torch_models
from scriptvid.errors import StageError
from scriptvid.model import Line, Scene
from scriptvid.settings import CharacterSettings, DiffusersImageSettings
from scriptvid.stages.image import diffusion
from scriptvid.stages.image.interface import ImageRequest

from conftest import Daemon, ffprobe, project_status, tiny_model, tiny_sd, wait_for

pytest.importorskip("diffusers")

SCENE = Scene(
    1, "INT. KITCHEN - NIGHT", "KITCHEN", "NIGHT", "INT", ("Rain.",), ("MARA",), (Line("MARA", "Hi."),)
)


def tiny_settings(**changes: object) -> DiffusersImageSettings:
    base = DiffusersImageSettings(model=str(tiny_sd()), device="cpu", dtype="float32", steps=2, max_side=64)
    return dataclasses.replace(base, **changes)


def render(backend: diffusion.DiffusersImageBackend, tmp: Path, seed: int, size=(320, 180)) -> np.ndarray:
    out = Path(tempfile.mkdtemp(dir=tmp))
    backend.render(ImageRequest(SCENE, "a kitchen at night", seed, *size, {}, "T"), out)
    with Image.open(out / "image.png") as picture:
        assert picture.size == size
        return np.asarray(picture.convert("RGB"))


def test_one_seed_gives_one_picture_and_another_another(tmp_path: Path) -> None:
    started = time.perf_counter()
    backend = diffusion.DiffusersImageBackend(tiny_settings())
    loaded = time.perf_counter()
    first, again, other = (render(backend, tmp_path, s) for s in (7, 7, 8))
    print(f"\nload {loaded - started:.2f} s, a picture {(time.perf_counter() - loaded) / 3:.2f} s")
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.std() > 5  # a picture, not a blank
    # Another frame shape: generated at that aspect ratio, fitted to the frame.
    assert render(backend, tmp_path, 7, (180, 320)).shape == (320, 180, 3)


def test_the_prompt_has_the_scene_and_its_characters_in_words() -> None:
    look = CharacterSettings(colour="#2e86ab", hair="long", hair_colour="#b03020", build="slim")
    req = ImageRequest(SCENE, "a kitchen at night, rain on the window", 1, 640, 360, {"MARA": look}, "T")
    assert diffusion.prompt_for(req) == (
        "a kitchen at night, rain on the window; Mara, a slim person, red long hair, wearing teal"
    )
    assert diffusion.generation_size(1920, 1080, 1024) == (1024, 576)
    assert diffusion.generation_size(1080, 1920, 768) == (432, 768)


def test_another_model_folder_changes_the_identity_the_same_one_does_not(tmp_path: Path) -> None:
    chosen = settings.build([("t", {"backends": {"image": "diffusers"}})])

    def identity(folder: Path) -> dict:
        s = dataclasses.replace(chosen, diffusers_image=tiny_settings(model=str(folder)))
        return backends.identity("image", s)

    copy = tmp_path / "copy"
    shutil.copytree(tiny_sd(), copy)
    assert identity(copy) == identity(copy)
    assert identity(copy)["model"] == identity(tiny_sd())["model"]  # where it lies is not what it is
    config = copy / "unet" / "config.json"
    data = json.loads(config.read_text())
    config.write_text(json.dumps({**data, "sample_size": 32}))
    assert identity(copy)["model"] != identity(tiny_sd())["model"]


def test_what_is_missing_is_said_as_a_user_needs_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check = diffusion.DiffusersImageBackend.check
    assert check(tiny_settings()) == ""
    assert "set diffusers_image.model to a local diffusers pipeline folder" in check(tiny_settings(model=""))
    assert f"{tmp_path / 'none'} is not a folder" in check(tiny_settings(model=str(tmp_path / "none")))
    broken = tmp_path / "broken"
    shutil.copytree(tiny_sd(), broken)
    (broken / "model_index.json").rename(broken / "index.bak")
    assert f"{broken / 'model_index.json'} is missing" in check(tiny_settings(model=str(broken)))
    (broken / "index.bak").rename(broken / "model_index.json")
    shutil.rmtree(broken / "vae")
    assert f"{broken / 'vae'} is missing (model_index.json names it)" in check(
        tiny_settings(model=str(broken))
    )
    shutil.copytree(tiny_sd() / "vae", broken / "vae")
    for weights in (broken / "unet").glob("*.safetensors"):
        weights.unlink()
    assert f"{broken / 'unet'} has a config.json but no weights" in check(tiny_settings(model=str(broken)))
    assert (
        "sees no CUDA GPU" in check(tiny_settings(device="cuda")) or check(tiny_settings(device="cuda")) == ""
    )
    real_find_spec = torch_models.importlib.util.find_spec
    monkeypatch.setattr(
        torch_models.importlib.util, "find_spec", lambda n: None if n == "diffusers" else real_find_spec(n)
    )
    assert (
        check(tiny_settings()) == "diffusers not installed: pip install 'scriptvid[ai]' (or scripts/setup ai)"
    )


def test_a_gpu_out_of_memory_fails_the_picture_with_the_settings_to_lower(tmp_path: Path) -> None:
    import torch

    backend = diffusion.DiffusersImageBackend(tiny_settings())
    real = backend.pipe

    def short_of_memory(**_: object) -> None:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    backend.pipe = short_of_memory  # type: ignore[assignment]
    with pytest.raises(
        StageError, match=r"ran out of memory making a 64x32 picture; retry with smaller settings"
    ):
        render(backend, tmp_path, 1)
    backend.pipe = real
    assert render(backend, tmp_path, 1).shape == (180, 320, 3)  # and the worker goes on


def test_reference_pictures_shape_the_characters_through_the_ip_adapter(tmp_path: Path) -> None:
    backend = diffusion.DiffusersImageBackend(tiny_settings(ip_adapter=str(tiny_model("ip_adapter"))))
    assert diffusion.DiffusersImageBackend.uses_references(backend.settings)
    rng = np.random.default_rng(5)
    refs = {}
    for name in ("one", "two"):
        refs[name] = tmp_path / f"{name}.png"
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(refs[name])

    def picture(reference: Path | None) -> np.ndarray:
        out = Path(tempfile.mkdtemp(dir=tmp_path))
        given = {"MARA": reference} if reference else {}
        backend.render(ImageRequest(SCENE, "a kitchen at night", 7, 320, 180, {}, "T", given), out)
        return np.asarray(Image.open(out / "image.png").convert("RGB"))

    first, again, other = picture(refs["one"]), picture(refs["one"]), picture(refs["two"])
    assert np.array_equal(first, again)  # the same person in every scene drawn from one picture
    assert not np.array_equal(first, other)
    assert picture(None).shape == first.shape  # a scene with no one in it needs no reference
    backend.portrait("MARA", CharacterSettings(hair="long"), 11, tmp_path / "mara.png")
    assert Image.open(tmp_path / "mara.png").size == (64, 64)


def test_the_ip_adapter_s_missing_parts_are_named(tmp_path: Path) -> None:
    check = diffusion.DiffusersImageBackend.check
    adapter = tmp_path / "ip"
    shutil.copytree(tiny_model("ip_adapter"), adapter)
    assert check(tiny_settings(ip_adapter=str(adapter))) == ""
    (adapter / "models" / "ip-adapter_sd15.safetensors").unlink()
    assert f"ip_adapter_weights: {adapter / 'models' / 'ip-adapter_sd15.safetensors'} is missing" in check(
        tiny_settings(ip_adapter=str(adapter))
    )
    assert "ip_adapter_encoder: " in check(
        tiny_settings(
            ip_adapter=str(adapter), ip_adapter_weights="models/ip-adapter_sd15.bin", ip_adapter_encoder="x"
        )
    )


@pytest.mark.slow
def test_a_film_with_generated_pictures_renders_in_the_daemon(data_root: Path) -> None:
    """The service names where the model lies; a film's sidecar chooses the backend."""
    config = data_root / "config" / "scriptvid.yaml"
    config.write_text(
        config.read_text()
        + f"diffusers_image: {{model: '{tiny_sd()}', device: cpu, dtype: float32, steps: 2, max_side: 64,"
        + f" ip_adapter: '{tiny_model('ip_adapter')}'}}\n"
    )
    daemon = Daemon(data_root).start()
    try:
        inbox = data_root / "inbox"
        given = np.random.default_rng(2).integers(0, 255, (80, 60, 3), dtype=np.uint8)
        Image.fromarray(given).save(inbox / "mara.png")
        (inbox / "generated.yaml").write_text(
            "backends: {image: diffusers}\ncharacters: {MARA: {image: mara.png}}\n"
        )
        (inbox / "generated.fountain").write_text(
            "Title: Generated\n\nINT. KITCHEN - NIGHT\n\nMARA\nThe kettle is on.\n\n"
            "EXT. HARBOUR - DAY\n\nBEN\nThe boats are in.\n"
        )
        # A sidecar naming a picture that is not there: refused, saying which and where.
        (inbox / "absent.yaml").write_text(
            "backends: {image: diffusers}\ncharacters: {ANA: {image: ana.png}}\n"
        )
        (inbox / "absent.fountain").write_text("INT. ROOM - DAY\n\nANA\nHello.\n")
        st = wait_for(
            lambda: (
                project_status(data_root, "generated").get("state") in ("completed", "failed")
                and project_status(data_root, "generated")
            ),
            300,
            "the generated film",
        )
    finally:
        daemon.stop()
    assert st["state"] == "completed", st["errors"]
    absent = wait_for(lambda: project_status(data_root, "absent").get("errors"), 60, "the refusal")
    assert "characters.ANA.image" in json.dumps(absent) and "ana.png is not beside the script" in json.dumps(
        absent
    )
    project = data_root / "projects" / "generated"
    # The cast: MARA's picture is the one given (copied; the person's file stays), BEN's a portrait.
    assert (data_root / "inbox" / "mara.png").is_file()
    cast = {p.name.split("-")[0]: p for p in (project / "cast").glob("*.png")}
    assert set(cast) == {"mara", "ben"}
    assert np.array_equal(np.asarray(Image.open(cast["mara"])), given)
    assert Image.open(cast["ben"]).size == (64, 64)
    images = sorted(project.glob("scenes/*/image.png"))
    assert len(images) == 2
    for image in images:
        with Image.open(image) as picture:
            assert picture.size == (640, 360)
        assert not (image.parent / "figures.json").exists()  # no drawn layers from this backend
    info = ffprobe(data_root / "outbox" / "generated.mp4")
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (640, 360)
    assert float(info["format"]["duration"]) > 2
    # A frame of the film, kept beside the test's data for whoever looks.
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{float(info['format']['duration']) * 0.6:.2f}",
            "-i",
            str(data_root / "outbox" / "generated.mp4"),
            "-frames:v",
            "1",
            str(data_root / "frame.png"),
        ],
        check=True,
    )
    assert (data_root / "frame.png").is_file()
