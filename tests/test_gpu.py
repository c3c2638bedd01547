"""The model backends on a CUDA GPU, with the tests' tiny models: skipped where torch sees none.

The CPU tests check what the backends make; these check that the same code runs on a GPU: half
precision, the device setting, the turns per device, and that running out of GPU memory fails the
scene with a message and leaves the worker able to go on."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scriptvid.errors import StageError
from scriptvid.model import Line, Scene
from scriptvid.settings import DiffusersAnimateSettings, DiffusersImageSettings, MuseTalkSettings
from scriptvid.stages.animate.diffusion import DiffusersAnimateBackend
from scriptvid.stages.animate.interface import AnimateRequest
from scriptvid.stages.image.diffusion import DiffusersImageBackend
from scriptvid.stages.image.interface import ImageRequest
from scriptvid.stages.lipsync.interface import SyncRequest
from scriptvid.stages.lipsync.musetalk import MuseTalkBackend

from conftest import tiny_model, tiny_sd
from tiny_musetalk import drawn_face

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA GPU"),
]

SCENE = Scene(
    1, "INT. KITCHEN - NIGHT", "KITCHEN", "NIGHT", "INT", ("Rain.",), ("MARA",), (Line("MARA", "Hi."),)
)


def picture(backend: DiffusersImageBackend, seed: int) -> np.ndarray:
    out = Path(tempfile.mkdtemp())
    backend.render(ImageRequest(SCENE, "a kitchen", seed, 320, 180, {}, "T"), out)
    return np.asarray(Image.open(out / "image.png").convert("RGB"))


def test_image_on_the_gpu_in_half_precision() -> None:
    backend = DiffusersImageBackend(
        DiffusersImageSettings(model=str(tiny_sd()), device="cuda", dtype="float16", steps=2, max_side=64)
    )
    assert backend.device_used == "cuda" and backend.pipe.unet.dtype == torch.float16
    first, again = picture(backend, 7), picture(backend, 7)
    assert first.shape == (180, 320, 3)
    # The same seed gives the same picture (the noise is drawn on the CPU); GPU kernels may differ
    # in the last bit from run to run, so "the same" is within one level.
    assert np.abs(first.astype(int) - again).max() <= 1


def test_running_out_of_gpu_memory_fails_the_scene_and_the_worker_goes_on() -> None:
    backend = DiffusersImageBackend(
        DiffusersImageSettings(model=str(tiny_sd()), device="cuda", dtype="float16", steps=2, max_side=64)
    )
    small = backend.settings
    backend.settings = dataclasses.replace(small, max_side=2048)  # attention over 36 864 latent pixels
    free, _ = torch.cuda.mem_get_info()
    hog = torch.empty(max(free - (16 << 20), 1), dtype=torch.uint8, device="cuda")  # all but 16 MiB
    try:
        with pytest.raises(StageError, match="retry with smaller settings"):
            picture(backend, 1)
    finally:
        del hog
        backend.settings = small
        torch.cuda.empty_cache()
    assert picture(backend, 7).shape == (180, 320, 3)  # the same model, loaded once, goes on


def test_animate_and_lipsync_on_the_gpu() -> None:
    animate = DiffusersAnimateBackend(
        DiffusersAnimateSettings(
            model=str(tiny_model("ltx_image_to_video")),
            device="cuda",
            dtype="bfloat16",
            steps=2,
            max_side=64,
            segment_frames=9,
        )
    )
    folder = Path(tempfile.mkdtemp())
    Image.fromarray(drawn_face()).save(folder / "image.png")
    frames = list(
        animate.clip(AnimateRequest(folder, "push in", "a face", 1, (320, 240), 24, 30, lambda *_: None, 0))
    )
    assert len(frames) == 30 and frames[0].shape == (240, 320, 3)
    lips = MuseTalkBackend(
        MuseTalkSettings(model=str(tiny_model("musetalk")), device="cuda", dtype="float16")
    )
    faces = [drawn_face() for _ in range(24)]
    audio = (0.2 * np.sin(np.arange(22050) / 22050 * 2 * np.pi * 180)).astype(np.float32)
    out = list(lips.sync(iter(faces), SyncRequest(audio, 22050, 24, {"MARA": [(0.0, 1.0)]}, ("MARA",))))
    assert len(out) == 24 and any(not np.array_equal(a, b) for a, b in zip(out, faces, strict=True))


def test_music_on_the_gpu() -> None:
    from scriptvid.settings import MusicGenSettings
    from scriptvid.stages.music.interface import Cue, MusicRequest
    from scriptvid.stages.music.musicgen import MusicGenBackend

    backend = MusicGenBackend(
        MusicGenSettings(
            model=str(tiny_model("musicgen")), device="cuda", dtype="float16", window=1.2, context=0.4
        )
    )
    score = backend.score(MusicRequest(duration=2.0, cues=(Cue(0.0, 2.0, 0.5),), mood="calm", seed=1))
    assert score.size == 2 * backend.rate and np.isfinite(score).all()


def test_cloned_voices_on_the_gpu(tmp_path: Path) -> None:
    import hashlib

    from scriptvid.settings import CoquiSettings
    from scriptvid.stages.voice.coqui import CoquiBackend
    from scriptvid.stages.voice.interface import Recording, VoiceProfile

    from tiny_coqui import spoken_wav

    backend = CoquiBackend(CoquiSettings(model=str(tiny_model("xtts")), device="cuda", max_audio_tokens=8))
    assert next(backend.model.parameters()).is_cuda
    clip = spoken_wav(0.0)
    recording = Recording(clip, hashlib.sha256(clip).hexdigest(), tmp_path)
    said = backend.speak("Hello there.", VoiceProfile(), recording)
    assert said.size > 0 and np.isfinite(said).all()
    # What is kept is on the CPU: another worker, on another device, can read it.
    (kept,) = tmp_path.glob("voice-*.pt")
    assert not torch.load(kept, weights_only=True)["speaker_embedding"].is_cuda
