"""The main job, end to end: a real daemon process, real file events, a real film."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import Daemon, corpus_file, ffprobe, project_status, wait_for

pytestmark = pytest.mark.slow


def copy_slowly(src: Path, dest: Path, chunks: int = 6, pause: float = 0.4) -> None:
    """Write `dest` in pieces with pauses, as a copy over a network share does."""
    data = src.read_bytes()
    step = max(1, len(data) // chunks + 1)
    with open(dest, "wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i : i + step])
            fh.flush()
            time.sleep(pause)


def test_a_script_copied_into_the_inbox_becomes_a_film(daemon: Daemon) -> None:
    root = daemon.root
    src = corpus_file("brick_and_steel.fountain")
    copy_slowly(src, root / "inbox" / src.name)
    started = time.monotonic()

    st = wait_for(
        lambda: (
            project_status(root, "brick-and-steel").get("state") in ("completed", "failed")
            and project_status(root, "brick-and-steel")
        ),
        900,
        "the film",
    )
    assert st["state"] == "completed", st.get("errors")
    print(f"\nbrick_and_steel: drop to MP4 in {time.monotonic() - started:.1f} s")
    assert st["progress"] == 1.0
    assert st["renders"] == 1
    assert all(scene["state"] != "failed" for scene in st["scenes"])

    # The script is in its project, whole, and gone from the inbox; nothing else was touched.
    project = root / "projects" / "brick-and-steel"
    assert (project / "source" / src.name).read_bytes() == src.read_bytes()
    assert not (root / "inbox" / src.name).exists()

    film = root / "outbox" / "brick-and-steel.mp4"
    assert Path(st["outputs"]["video"]) == film
    info = ffprobe(film)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 640, 360)
    assert video["r_frame_rate"] == "24/1"
    assert audio["codec_name"] == "aac"
    duration = float(info["format"]["duration"])

    # The film lasts as long as its scenes laid end to end, less the transitions' overlaps.
    scene_dirs = sorted(p for p in (project / "scenes").iterdir() if p.is_dir())
    assert len(scene_dirs) == len(st["scenes"]) >= 5
    import json

    scene_seconds = [json.loads((d / "voice" / "cues.json").read_text())["duration"] for d in scene_dirs]
    assert (
        sum(scene_seconds) + 3.0 - len(scene_dirs) * 0.9 - 0.2 <= duration <= sum(scene_seconds) + 3.0 + 0.2
    )
    print(f"brick_and_steel: the film is {duration:.1f} s long, {len(scene_dirs)} scenes")
    # One chapter per scene after the title card.
    assert len(info["chapters"]) == len(scene_dirs) + 1
    # Subtitles in the outbox and in the film.
    srt = (root / "outbox" / "brick-and-steel.srt").read_text()
    assert "-->" in srt
    assert any(s["codec_type"] == "subtitle" for s in info["streams"])
    # No temporary file was left in the outbox: the film, its first look, its subtitles, and the page.
    assert sorted(p.name for p in (root / "outbox").iterdir()) == [
        "brick-and-steel.mp4",
        "brick-and-steel.preview.mp4",
        "brick-and-steel.srt",
        "index.html",
    ]
    # The first look (the stills and the voices, small) came before the film, and is still there.
    finished = {
        (e.get("stage"), e.get("scene")): e["timestamp"]
        for e in reversed(daemon.events())  # the first time each step finished
        if e.get("event") == "stage finished"
    }
    assert finished[("preview", "")] < finished[("assemble", "")]
    early = sum(at > finished[("preview", "")] for (stage, _), at in finished.items() if stage == "animate")
    print(f"brick_and_steel: the preview was out before {early} of the {len(scene_dirs)} animations ended")
    preview = ffprobe(root / "outbox" / "brick-and-steel.preview.mp4")
    small = next(s for s in preview["streams"] if s["codec_type"] == "video")
    assert (small["codec_name"], small["width"], small["height"]) == ("h264", 480, 270)
    assert any(s["codec_type"] == "audio" for s in preview["streams"])
    # ...with the film's timing: as long as the film, to a frame of either.
    assert abs(float(preview["format"]["duration"]) - duration) <= 1 / 12 + 1 / 24
    assert st["outputs"]["preview"] == str(root / "outbox" / "brick-and-steel.preview.mp4")
    # The voice model was loaded once, at the daemon's start (for no project), not by a first voice
    # that every worker's first voice waited for.
    loads = [e for e in daemon.events() if e.get("event") == "backend loaded" and e.get("stage") == "voice"]
    assert len(loads) == 1 and not loads[0].get("project"), loads
    # The page says so within a second or two of status.json (it is written at most once a second).
    page = root / "outbox" / "index.html"
    wait_for(lambda: 'href="brick-and-steel.mp4"' in page.read_text(), 10, "the film's link on the page")
    assert "Ready" in page.read_text() and 'http-equiv="refresh"' not in page.read_text()


def test_files_waiting_at_start_are_taken_and_temporary_names_are_not(data_root: Path) -> None:
    inbox = data_root / "inbox"
    src = corpus_file("fountain_tools_utf8_emoji_scene_numbers.fountain")
    shutil.copy(src, inbox / "early.fountain")
    for ignored in (".hidden.fountain", "draft.fountain~", "copy.fountain.part", "x.fountain.tmp", ".x.swp"):
        (inbox / ignored).write_text("INT. ROOM - DAY\n\nIGNORED\nNo.\n")
    d = Daemon(data_root).start()
    try:
        wait_for(lambda: project_status(data_root, "early").get("state"), 30, "the waiting file to be taken")
        # A second script with the same stem gets a project of its own.
        shutil.copy(src, inbox / "early.fountain")
        wait_for(lambda: project_status(data_root, "early-2").get("state"), 30, "the second copy to be taken")
        time.sleep(1.5)
        assert sorted(p.name for p in (data_root / "projects").iterdir()) == ["early", "early-2"]
        assert sorted(p.name for p in inbox.iterdir()) == sorted(
            [".hidden.fountain", "draft.fountain~", "copy.fountain.part", "x.fountain.tmp", ".x.swp"]
        )
        assert d.alive()
    finally:
        assert d.stop() == 0


# Imported before anything else (by `site`), in the daemon's interpreter: the AI libraries cannot be
# imported, and every attempt is written down.
BLOCK_AI = """\
import importlib.abc, os, sys

HEAVY = ("torch", "diffusers", "transformers", "accelerate", "TTS", "ollama", "llama_cpp")


class _Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HEAVY:
            with open(os.environ["BLOCKED_IMPORTS_LOG"], "a") as fh:
                fh.write(name + "\\n")
            raise ImportError(f"{name} is made unimportable by the test")
        return None


sys.meta_path.insert(0, _Blocked())
"""


def test_the_drawn_film_needs_none_of_the_ai_libraries(data_root: Path, tmp_path: Path) -> None:
    """The default install stays light: with torch and the other AI libraries unimportable, the
    daemon starts and makes the drawn film without ever trying to import one."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(BLOCK_AI)
    attempts = tmp_path / "imports.txt"
    attempts.touch()
    env = {"PYTHONPATH": str(hook), "BLOCKED_IMPORTS_LOG": str(attempts)}
    daemon = Daemon(data_root, env).start()
    try:
        (data_root / "inbox" / "light.fountain").write_text(
            "Title: Light\n\nINT. ROOM - DAY\n\nANNA\nNo model was needed for this.\n"
        )
        st = wait_for(
            lambda: (
                not daemon.alive()
                or (
                    project_status(data_root, "light").get("state") in ("completed", "failed")
                    and project_status(data_root, "light")
                )
            ),
            300,
            "the film",
        )
        assert daemon.alive(), daemon.log.read_text()[-2000:]
        assert st["state"] == "completed", st["errors"]
        assert float(ffprobe(data_root / "outbox" / "light.mp4")["format"]["duration"]) > 1
    finally:
        daemon.stop()
    assert attempts.read_text() == "", "the drawn pipeline tried to import an AI library"
