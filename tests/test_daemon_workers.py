"""Several workers and two daemons on one inbox: every script taken once, every film made once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, Daemon, corpus_file, ffprobe, project_status, wait_for

pytestmark = pytest.mark.slow


def finished_stages(project: Path) -> list[str]:
    events = [json.loads(line) for line in (project / "logs" / "events.jsonl").read_text().splitlines()]
    return [e["stage"] for e in events if e.get("event", "").startswith(("stage finished", "stage skipped"))]


def test_two_daemons_share_an_inbox_and_a_bad_sidecar_fails_only_its_project(data_root: Path) -> None:
    env = {"SCRIPTVID_DAEMON__WORKERS": "3"}
    daemons = [Daemon(data_root, env).start(), Daemon(data_root, env).start()]
    try:
        wait_for(lambda: all("daemon ready" in str(d.events()) for d in daemons), 60, "both daemons to start")
        inbox = data_root / "inbox"
        (inbox / "broken.yaml").write_text("video:\n  fps: -3\n")
        shutil.copy(REPO / "examples" / "the-lighthouse.fountain", inbox / "broken.fountain")
        shutil.copy(REPO / "examples" / "the-lighthouse.fountain", inbox / "lighthouse.fountain")
        md = corpus_file("youtube_script_indoor_aquariums_narrator_visual.md")
        shutil.copy(md, inbox / "aquariums.md")

        broken = wait_for(
            lambda: (
                project_status(data_root, "broken").get("state") == "failed"
                and project_status(data_root, "broken")
            ),
            60,
            "the bad sidecar to be reported",
        )
        message = broken["errors"][0]["message"]
        assert "broken.yaml" in message and "video.fps" in message and "out of range" in message
        # The script and its sidecar are kept, untouched, in the project.
        assert (
            data_root / "projects" / "broken" / "source" / "broken.yaml"
        ).read_text() == "video:\n  fps: -3\n"

        for name in ("lighthouse", "aquariums"):
            st = wait_for(
                lambda n=name: (
                    project_status(data_root, n).get("state") in ("completed", "failed")
                    and project_status(data_root, n)
                ),
                900,
                f"{name} to finish",
            )
            assert st["state"] == "completed", st["errors"]
            assert st["renders"] == 1
            # Every step ran exactly once although six workers in two processes raced to finish the
            # scenes: each join (the score after every voice, the film after every scene) once.
            stages = finished_stages(data_root / "projects" / name)
            assert [s for s in stages if s in ("music", "mix", "assemble", "publish")] == [
                "music",
                "mix",
                "assemble",
                "publish",
            ]
            for scene_stage in ("image", "voice", "lipsync", "animate", "transition"):
                assert stages.count(scene_stage) == len(st["scenes"]), scene_stage
            info = ffprobe(Path(st["outputs"]["video"]))
            assert float(info["format"]["duration"]) > 10

        # Each script was taken once: one project per file, nothing left in the inbox.
        assert sorted(p.name for p in (data_root / "projects").iterdir()) == [
            "aquariums",
            "broken",
            "lighthouse",
        ]
        assert [p.name for p in inbox.iterdir()] == []
        ended = [d.proc.returncode for d in daemons if not d.alive() and d.proc is not None]
        assert not ended, (ended, _not_json(data_root / "daemon.log")[-60:])
        # Both daemons wrote into one log, and into the projects' event logs: every line is whole.
        logs = [data_root / "daemon.log", *(data_root / "projects").glob("*/logs/events.jsonl")]
        for log in logs:
            lines = [ln for ln in log.read_text().splitlines() if ln.startswith("{")]
            assert lines, log
            for line in lines:
                assert isinstance(json.loads(line), dict), (log, line[:200])
    finally:
        for d in daemons:
            if d.alive():
                d.stop()


def _not_json(log: Path) -> list[str]:
    """What the daemons wrote that is not a log event: a traceback of a crash, if one ended."""
    return [ln for ln in log.read_text(errors="replace").splitlines() if not ln.startswith("{")]
