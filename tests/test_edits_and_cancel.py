"""People steer films with files: edit a scene.yaml, create CANCEL, resume. Nothing is lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

import pytest
import yaml

from scriptvid import timeline
from scriptvid.pipeline import STEPS

from conftest import REPO, Daemon, ffprobe, project_status, wait_for

pytestmark = pytest.mark.slow


def stage_events(project: Path, since: int = 0) -> list[tuple[str, str]]:
    """(scene, stage) of every stage that did work, in order, from the project's event log."""
    lines = (project / "logs" / "events.jsonl").read_text().splitlines()[since:]
    events = [json.loads(line) for line in lines]
    return [(e.get("scene", ""), e["stage"]) for e in events if e["event"] == "stage finished"]


def log_length(project: Path) -> int:
    return len((project / "logs" / "events.jsonl").read_text().splitlines())


def save_like_an_editor(path: Path, text: str) -> None:
    """Write a temporary file and rename it over the original, as most editors save."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text)
    os.replace(tmp, path)


def finished(root: Path, name: str, timeout: float = 600) -> dict[str, Any]:
    return wait_for(
        lambda: (
            project_status(root, name).get("state") in ("completed", "failed", "cancelled")
            and project_status(root, name)
        ),
        timeout,
        f"{name} to finish",
    )


def descendants(pid: int) -> list[str]:
    """Command names of every process below `pid`."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        child = int(stat.parent.name)
        ppid = int(text[text.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(child)
        names[child] = text[text.index("(") + 1 : text.rindex(")")]
    out, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(names.get(p, "?"))
        todo.extend(children.get(p, []))
    return out


def test_editing_a_scene_redoes_that_scene_and_replaces_the_film(daemon: Daemon) -> None:
    root = daemon.root
    shutil.copy(REPO / "examples" / "the-lighthouse.fountain", root / "inbox" / "lighthouse.fountain")
    st = finished(root, "lighthouse")
    assert st["state"] == "completed", st["errors"]
    project = root / "projects" / "lighthouse"
    film = root / "outbox" / "lighthouse.mp4"
    first_film = film.read_bytes()
    scenes = sorted(p for p in (project / "scenes").iterdir() if p.is_dir())

    # One line of dialogue changed in the third scene (three lines, four sentences).
    edited = scenes[2]
    scene_yaml = edited / "scene.yaml"
    mark = log_length(project)
    first_look = (root / "outbox" / "lighthouse.preview.mp4").read_bytes()
    said_before = {p.name for p in (edited / "voice" / "said").iterdir()}
    length_before = json.loads((edited / "voice" / "cues.json").read_text())["duration"]
    pieces_before = timeline.pieces(edited)
    saved = time.monotonic()
    text = scene_yaml.read_text().replace("write something worth finding", "leave something worth finding")
    save_like_an_editor(scene_yaml, text)
    wait_for(
        lambda: project_status(root, "lighthouse").get("run", 0) > st["run"], 2.0, "the edit to queue a run"
    )
    print(f"\nsave to queued: {time.monotonic() - saved:.2f} s")
    st2 = finished(root, "lighthouse")
    assert st2["state"] == "completed", st2["errors"]
    assert st2["renders"] == 2
    assert st2["reason"] == f"edited scenes/{edited.name}/scene.yaml"
    redone = stage_events(project, mark)
    # What the edit must redo, derived from what it changed: the edited scene's voice, mouths and
    # picture, and at most the blends into it and out of it (each only if the frames it blends
    # changed); the score only if the scene's length changed (to the frame); the sound, the assembly
    # and the outbox always. Nothing of the other scenes.
    length_after = json.loads((edited / "voice" / "cues.json").read_text())["duration"]
    pieces_after = timeline.pieces(edited)
    expected = {(edited.name, s) for s in ("voice", "lipsync", "animate")}
    blends = {(edited.name, "transition")}
    if edited != scenes[-1]:
        blends.add((scenes[scenes.index(edited) + 1].name, "transition"))
    expected |= set(redone) & blends
    # The line edited is the scene's last: the pieces before its own are kept as they were.
    assert pieces_before[:-1] == pieces_after[:-1] and pieces_before[-1] != pieces_after[-1]
    assert all((edited / p.file).exists() for p in pieces_after)
    if length_after != length_before:
        expected.add(("", "music"))
    expected.add(("", "mix"))
    # The first look is made for the first film only: at the first edit its step finds the film there
    # and does nothing (at once); after that it is skipped.
    expected.add(("", "preview"))
    assert (root / "outbox" / "lighthouse.preview.mp4").read_bytes() == first_look  # replaced by nothing
    assert set(redone[:-2]) == expected and len(redone) == len(expected) + 2, redone
    assert redone[-2:] == [("", "assemble"), ("", "publish")], redone
    # Only the edited sentence was spoken again; the scene's other sentences came from voice/said/.
    said_after = {p.name for p in (edited / "voice" / "said").iterdir()}
    assert len(said_before) == 4 and len(said_before - said_after) == len(said_after - said_before) == 1
    # The score: kept, fitted to the new length (not composed anew), and as long as the film.
    events = [
        json.loads(line) for line in (project / "logs" / "events.jsonl").read_text().splitlines()[mark:]
    ]
    if ("", "music") in expected:
        assert [e["film"] for e in events if e["event"] == "score kept, fitted to the new length"], events
    assert (
        not [e for e in events if e.get("stage") == "music" and e["event"] == "stage finished"]
        or ("", "music") in expected
    )
    with wave.open(str(project / "music" / "score.wav")) as score:
        assert (
            abs(score.getnframes() / score.getframerate() - float(ffprobe(film)["format"]["duration"])) < 0.05
        )
    assert "leave something worth finding" in (root / "outbox" / "lighthouse.srt").read_text().replace(
        "\n", " "
    )
    assert film.read_bytes() != first_film
    assert sorted(p.name for p in (root / "outbox").iterdir()) == [
        "index.html",
        "lighthouse.mp4",
        "lighthouse.preview.mp4",
        "lighthouse.srt",
    ]

    # An invalid edit: the last good film stays, status.json names the file and the key.
    good_film = film.read_bytes()
    save_like_an_editor(scene_yaml, text.replace("duration: null", "duration: -5"))
    st3 = wait_for(
        lambda: (
            project_status(root, "lighthouse").get("state") == "failed" and project_status(root, "lighthouse")
        ),
        60,
        "the bad edit to be reported",
    )
    message = st3["errors"][0]["message"]
    assert "scene.yaml" in message and "duration: -5" in message and "-5" in message, message
    assert film.read_bytes() == good_film

    # Fixed again: the film comes back, and nothing but the fixed scene's successors is redone.
    save_like_an_editor(scene_yaml, text)
    st4 = wait_for(
        lambda: (
            project_status(root, "lighthouse").get("state") == "completed"
            and project_status(root, "lighthouse").get("run") > st3["run"]
            and project_status(root, "lighthouse")
        ),
        120,
        "the fixed edit to render",
    )
    assert st4["errors"] == []

    # project.yaml: a quieter score. Only the mix changes: the scenes and the score are kept.
    mark = log_length(project)
    settings_file = project / "project.yaml"
    written = settings_file.read_text()
    level = yaml.safe_load(written)["music"]["level"]
    quieter = written.replace(f"level: {level}", f"level: {level - 6}")
    assert quieter != written
    save_like_an_editor(settings_file, quieter)
    wait_for(
        lambda: (
            project_status(root, "lighthouse").get("state") == "completed"
            and project_status(root, "lighthouse").get("run") > st4["run"]
        ),
        120,
        "the project.yaml edit to render",
    )
    assert stage_events(project, mark) == [("", "mix"), ("", "assemble"), ("", "publish")]

    # A scene.yaml deleted by hand: a clear error naming the scene folder, and the film stays.
    (scenes[0] / "scene.yaml").unlink()
    subprocess.run(
        [sys.executable, "-m", "scriptvid", "resume", "lighthouse", "--root", str(root)],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    st5 = wait_for(
        lambda: (
            project_status(root, "lighthouse").get("state") == "failed" and project_status(root, "lighthouse")
        ),
        60,
        "the missing scene.yaml to be reported",
    )
    assert (
        scenes[0].name in st5["errors"][0]["message"]
        and "scene.yaml is missing" in st5["errors"][0]["message"]
    )
    assert film.read_bytes() == good_film or ffprobe(film)["format"]["duration"]
    assert daemon.alive()


def test_cancel_stops_one_project_and_resume_carries_on(daemon: Daemon) -> None:
    root = daemon.root
    script = REPO.parent / "shared" / "corpus" / "brick_and_steel.fountain"
    if not script.exists():
        pytest.skip("the shared corpus is not beside the repository")
    shutil.copy(script, root / "inbox" / "long.fountain")
    shutil.copy(REPO / "examples" / "the-lighthouse.fountain", root / "inbox" / "other.fountain")
    # Wait until the long film is rendering pictures (FFmpeg children at work).
    wait_for(lambda: project_status(root, "long").get("stage") == "animate", 300, "long to reach animate")
    project = root / "projects" / "long"
    (project / "CANCEL").touch()
    created = time.monotonic()
    wait_for(lambda: project_status(root, "long").get("state") == "cancelled", 2.0, "the cancel")
    print(f"\nCANCEL to cancelled: {time.monotonic() - created:.2f} s")
    time.sleep(1.0)
    st = project_status(root, "long")
    assert st["state"] == "cancelled"
    # Stopped means quiet: status.json is not written again and again while CANCEL lies there.
    written = (project / "status.json").stat().st_mtime_ns
    time.sleep(1.5)
    assert (project / "status.json").stat().st_mtime_ns == written
    done_before = {(s["name"], d) for s in st["scenes"] for d in s["done"]}
    # The other project is not held up, and the cancelled one does no more work.
    other = finished(root, "other")
    assert other["state"] == "completed", other["errors"]
    assert project_status(root, "long")["state"] == "cancelled"
    assert (
        "ffmpeg" not in descendants(daemon.proc.pid) or project_status(root, "other")["state"] == "completed"
    )
    mark = log_length(project)

    # Resume: CANCEL removed, the film finished from where it stopped.
    subprocess.run(
        [sys.executable, "-m", "scriptvid", "resume", "long", "--root", str(root)],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    assert not (project / "CANCEL").exists()
    st = finished(root, "long")
    assert st["state"] == "completed", st["errors"]
    redone = set(stage_events(project, mark))
    assert not (redone & done_before), "finished stages were done again after resume"
    assert float(ffprobe(root / "outbox" / "long.mp4")["format"]["duration"]) > 30


def test_killed_at_any_stage_the_daemon_restarts_and_finishes(data_root: Path) -> None:
    """kill -9 during parse, voice, image, assemble and publish (the voices go before the stills);
    each restart carries on."""
    env = {"SCRIPTVID_TEST_DELAY": "parse:3,image:1.5,voice:1.5,assemble:3,publish:3"}
    daemon = Daemon(data_root, env).start()
    shutil.copy(REPO / "examples" / "the-lighthouse.fountain", data_root / "inbox" / "crash.fountain")
    try:
        for stage in ("parse", "voice", "image", "assemble", "publish"):
            wait_for(
                lambda s=stage: project_status(data_root, "crash").get("stage") == s, 300, f"stage {stage}"
            )
            time.sleep(0.5)
            assert daemon.stop(sig=9) == -9
            daemon = Daemon(data_root, env).start()
        st = finished(data_root, "crash")
    finally:
        if daemon.alive():
            daemon.stop()
    assert st["state"] == "completed", st["errors"]
    assert st["renders"] == 1
    project = data_root / "projects" / "crash"
    # Every stage did its work once: nothing finished was redone after a restart.
    work = stage_events(project)
    assert len(work) == len(set(work)), work
    assert len(work) == len(STEPS.film_steps) + len(STEPS.scene_steps) * len(st["scenes"])
    # No half-written file anywhere: every MP4 in the project and the outbox is whole.
    info = ffprobe(data_root / "outbox" / "crash.mp4")
    assert float(info["format"]["duration"]) > 10
    for piece in project.rglob("*.mp4"):
        assert float(ffprobe(piece)["format"]["duration"]) > 0
    leftovers = [p.name for p in (data_root / "outbox").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    # The steps each killed daemon held were taken over by the next one, and only those.
    taken = {key for key, a in st["attempts"].items() if "taken over" in a["last_error"]}
    assert {"parse", "assemble", "publish"} <= taken and len(taken) <= 5 * 2, st["attempts"]
