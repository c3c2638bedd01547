"""Shared fixtures: the corpus, a data folder, and a real daemon process on it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"

# Small frames keep the end-to-end tests quick on two cores; every size is still checked.
TEST_CONFIG = """\
video: {width: 640, height: 360, fps: 24, preset: ultrafast}
watch: {stable_seconds: 1.0}
"""


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"the shared corpus is not beside the repository ({path})")
    return path


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "inbox").mkdir(parents=True)
    (root / "outbox").mkdir()
    (root / "config").mkdir()
    (root / "config" / "scriptvid.yaml").write_text(TEST_CONFIG)
    return root


class Daemon:
    """`scriptvid daemon` as a separate process, as systemd would run it."""

    def __init__(self, root: Path, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.log = root / "daemon.log"
        self.env = {**os.environ, "SCRIPTVID_LOG_FORMAT": "json", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Daemon:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scriptvid", "daemon", "--root", str(self.root)],
                stdout=log,
                stderr=log,
                env=self.env,
                cwd=REPO,
            )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def events(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out


@pytest.fixture
def daemon(data_root: Path) -> Iterator[Daemon]:
    d = Daemon(data_root).start()
    yield d
    if d.alive():
        d.stop()


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def project_status(root: Path, name: str) -> dict[str, Any]:
    path = root / "projects" / name / "status.json"
    return json.loads(path.read_text()) if path.exists() else {}


def raw_frames(path: Path, pix_fmt: str) -> bytes:
    """Every frame of a video file, decoded to raw pixels of `pix_fmt`."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"],
        check=True,
        capture_output=True,
    ).stdout


def ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-show_chapters",
            str(path),
        ],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(out)


_TINY: dict[str, Path] = {}


def tiny_sd() -> Path:
    """A tiny Stable Diffusion pipeline folder with random weights, built once per test session."""
    return tiny_model("stable_diffusion")


def tiny_model(kind: str) -> Path:
    """A tiny model folder with random weights, built once per test session: a builder's name in
    tiny_models.py (stable_diffusion, ltx_image_to_video, stable_video_diffusion, animatediff, musicgen),
    musetalk (tiny_musetalk.py), ip_adapter (tiny_ip_adapter.py, for stable_diffusion), or xtts and vits
    (Coqui TTS, tiny_coqui.py)."""
    if kind not in _TINY:
        pytest.importorskip("TTS" if kind in ("xtts", "vits") else "diffusers")
        import tempfile

        import tiny_coqui
        import tiny_ip_adapter
        import tiny_models
        import tiny_musetalk

        folder = Path(tempfile.mkdtemp(prefix=f"tiny-{kind}-")) / kind
        others = {
            "musetalk": tiny_musetalk.musetalk_folder,
            "ip_adapter": tiny_ip_adapter.ip_adapter_folder,
            "xtts": tiny_coqui.xtts_folder,
            "vits": tiny_coqui.vits_folder,
        }
        build = others.get(kind) or getattr(tiny_models, kind)
        _TINY[kind] = build(folder)
    return _TINY[kind]
