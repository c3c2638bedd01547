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
    # No temporary file was left in the outbox.
    assert sorted(p.name for p in (root / "outbox").iterdir()) == [
        "brick-and-steel.mp4",
        "brick-and-steel.srt",
    ]


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
