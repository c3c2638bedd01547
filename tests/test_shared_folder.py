"""A shared folder that anyone can write to, tried against the real daemon: names at the length limit
and names the daemon uses itself, links, pipes, sockets and folders where files should be, a status
file spoiled or replaced, CANCEL in every form, an inbox that goes away and comes back.

After each, the daemon is still serving, says what was wrong and where, and nothing outside the data
folder was read or written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Daemon, wait_for

pytestmark = pytest.mark.slow

TINY = "Title: {title}\n\nINT. ROOM - DAY\n\nANNA\n{line}\n"
TWO = TINY + "\nEXT. PARK - NIGHT\n\nBOB\nAnd here.\n"
SECRET = "PLUM TREE NINETEEN"  # text only outside files hold: it must never reach a film


def status(root: Path, name: str) -> dict[str, Any]:
    """status.json as any reader sees it; {} while it is missing or being rewritten."""
    try:
        data = json.loads((root / "projects" / name / "status.json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def ended(root: Path, name: str, timeout: float = 300) -> dict[str, Any]:
    return wait_for(
        lambda: (
            status(root, name).get("state") in ("completed", "failed", "cancelled") and status(root, name)
        ),
        timeout,
        f"{name} to end",
    )


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry below `folder` (not following links): kind, size, digest of the contents."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        digest = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        )
        out[str(path.relative_to(folder))] = (st.st_mode, st.st_size, digest)
    return out


def all_text_under(folder: Path) -> str:
    parts = []
    for path in folder.rglob("*"):
        if (
            path.is_file()
            and not path.is_symlink()
            and path.suffix in (".srt", ".json", ".yaml", ".txt", ".jsonl")
        ):
            parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


class Outside:
    """A folder beside the data folder, with things a colleague might point links at. At the end of
    the test it must be as it was when last `seal`ed: nothing read through a link was written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()
        (path / "script.fountain").write_text(TINY.format(title="Outside", line=SECRET))
        (path / "settings.yaml").write_text("video: {fps: 12}\n")
        (path / "notes.txt").write_text(SECRET + "\n")
        (path / "dir").mkdir()
        self.seal()

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def seal(self) -> None:
        self.before = snapshot(self.path)


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Outside]:
    folder = Outside(tmp_path / "outside")
    yield folder
    assert snapshot(folder.path) == folder.before, "something outside the data folder was written"


def resume(root: Path, name: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scriptvid", "resume", name, "--root", str(root)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return done.stdout


def test_no_name_or_file_kind_in_the_inbox_stops_the_daemon(data_root: Path, outside: Outside) -> None:
    inbox = data_root / "inbox"
    long_bad = "x" * 251 + ".pdf"  # 255 bytes: its report's name must be shortened
    long_good = "l" * 246 + ".fountain"
    # Waiting before the daemon starts: the start-up rescan meets them first.
    (inbox / long_bad).write_text("not a script")
    os.mkfifo(inbox / "pipe.fountain")
    daemon = Daemon(data_root, {"SCRIPTVID_WATCH__ORPHAN_SECONDS": "2"}).start()
    try:
        wait_for(lambda: "daemon ready" in str(daemon.events()), 60, "the daemon to start")
        (inbox / long_good).write_text(TINY.format(title="Long", line="A name at the limit."))
        # Names the daemon uses itself, as files in the inbox.
        for name in ("status.json", "ledger.db", "queue.db", "CANCEL", "scenes", "source", "outbox"):
            (inbox / name).write_text("a colleague's file")
        (inbox / "project.yaml").write_text("video: {fps: 12}\n")  # a sidecar with no script
        (inbox / os.fsdecode(b"caf\xe9.fountain")).write_text(TINY.format(title="Cafe", line="Not UTF-8."))
        (inbox / "new\nline.fountain").write_text(TINY.format(title="Newline", line="A newline."))
        (inbox / "utf32.fountain").write_bytes(TINY.format(title="Wide", line="Thirty-two.").encode("utf-32"))
        (inbox / "boneyard.fountain").write_text(
            "Title: B\n\n/* old draft\n\n" + TINY.format(title="B", line="x")
        )
        (inbox / "dangling.fountain").symlink_to(outside / "missing.fountain")
        (inbox / "linked.fountain").symlink_to(outside / "script.fountain")
        (inbox / "sidelink.fountain").write_text(TINY.format(title="Side", line="Its sidecar is a link."))
        (inbox / "sidelink.yaml").symlink_to(outside / "settings.yaml")
        (inbox / "folder.fountain").mkdir()
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(inbox / "socket.fountain"))

            projects = {
                "l" * 60: "completed",
                "caf": "completed",
                "new-line": "completed",
                "utf32": "completed",
                "boneyard": "the boneyard opened with /* on line 3 is never closed",
                "sidelink": "sidelink.yaml: is a symbolic link",
            }
            for name, expect in projects.items():
                st = ended(data_root, name)
                if expect == "completed":
                    assert st["state"] == "completed", st["errors"]
                else:
                    assert st["state"] == "failed" and expect in st["errors"][0]["message"], st
            failed = inbox / "failed"
            reports = {
                "pipe.fountain": "is a named pipe (FIFO), not a file",
                "socket.fountain": "is a socket, not a file",
                "dangling.fountain": "links are not taken",
                "linked.fountain": "links are not taken",
                "status.json": "not a script",
                "CANCEL": "not a script",
                "outbox": "not a script",
                "project.yaml": "no script named project.fountain",
            }
            for name, expect in reports.items():
                text = wait_for(
                    lambda n=name: (
                        (failed / f"{n}.error.txt").is_file() and (failed / f"{n}.error.txt").read_text()
                    ),
                    30,
                    f"the report on {name}",
                )
                assert expect in text, (name, text)
            long_reports = [p for p in failed.iterdir() if p.name.startswith("x" * 200)]
            assert len(long_reports) == 1 and len(os.fsencode(long_reports[0].name)) <= 255
            assert "not a script" in long_reports[0].read_text()
        assert daemon.alive()
        # Nothing a person put there was lost: refused files stay where they were.
        for name in (long_bad, "status.json", "CANCEL", "folder.fountain", "linked.fountain"):
            assert os.path.lexists(inbox / name), name
        assert (inbox / "pipe.fountain").is_fifo()
        assert SECRET not in all_text_under(data_root / "outbox")
        assert SECRET not in all_text_under(data_root / "projects")
    finally:
        daemon.stop()


def test_a_report_folder_taken_by_a_file_or_a_link_writes_nothing_and_stops_nothing(
    data_root: Path, outside: Outside
) -> None:
    inbox = data_root / "inbox"
    (inbox / "failed").symlink_to(outside / "dir")
    (inbox / "first.pdf").write_text("x")
    daemon = Daemon(data_root).start()
    try:
        wait_for(lambda: "report not written" in str(daemon.events()), 60, "the refusal to write a report")
        (inbox / "failed").unlink()
        (inbox / "failed").write_text("a colleague's notes, in a file named failed")
        (inbox / "second.pdf").write_text("x")
        wait_for(lambda: str(daemon.events()).count("report not written") >= 2, 30, "the second refusal")
        daemon.stop()
        # Starting again with both still there: the start-up rescan meets them, the daemon serves.
        daemon.start()
        (inbox / "good.fountain").write_text(TINY.format(title="Good", line="Still served."))
        assert ended(data_root, "good")["state"] == "completed"
        assert daemon.alive()
        assert (inbox / "failed").read_text() == "a colleague's notes, in a file named failed"
    finally:
        daemon.stop()


def test_links_inside_a_project_are_refused_and_never_read(daemon: Daemon, outside: Outside) -> None:
    root = daemon.root
    for name in ("scene", "folder", "settings"):
        (root / "inbox" / f"{name}.fountain").write_text(TWO.format(title=name.title(), line="Our words."))
    for name in ("scene", "folder", "settings"):
        assert ended(root, name)["state"] == "completed"
    films = {name: (root / "outbox" / f"{name}.mp4").stat().st_mtime_ns for name in ("scene", "folder")}
    projects = root / "projects"

    # A project's event log replaced by a link: nothing is appended through it.
    events = projects / "scene" / "logs" / "events.jsonl"
    events.unlink()
    events.symlink_to(outside / "notes.txt")

    # scene.yaml replaced by a link to a valid scene file elsewhere, which would be rendered if read.
    scene_yaml = next((projects / "scene" / "scenes").glob("001-*/scene.yaml"))
    (outside / "scene.yaml").write_text(scene_yaml.read_text().replace("Our words.", SECRET))
    scene_yaml.unlink()
    scene_yaml.symlink_to(outside / "scene.yaml")

    # A scene folder moved out of the tree and linked back; an edit of project.yaml makes a run.
    scene_dir = next((projects / "folder" / "scenes").glob("002-*"))
    shutil.move(scene_dir, outside / "scene-folder")
    scene_dir.symlink_to(outside / "scene-folder")
    settings_file = projects / "folder" / "project.yaml"
    settings_file.write_text(settings_file.read_text().replace("fps: 24", "fps: 12"))

    # project.yaml itself a link.
    (projects / "settings" / "project.yaml").unlink()
    (projects / "settings" / "project.yaml").symlink_to(outside / "settings.yaml")
    outside.seal()  # what the test put there; from now on only the daemon could change it

    expected = {
        "scene": "scene.yaml: is a symbolic link",
        "folder": f"{scene_dir.name}: is a symbolic link",
        "settings": "project.yaml: is a symbolic link",
    }
    for name, message in expected.items():
        st = wait_for(lambda n=name: status(root, n).get("state") == "failed" and status(root, n), 60, name)
        assert any(message in e["message"] for e in st["errors"]), (name, st["errors"])
        assert "does not follow links" in st["errors"][0]["message"]
    # The films published before are still there, unchanged; nothing outside leaked into any of them.
    for name, mtime in films.items():
        assert (root / "outbox" / f"{name}.mp4").stat().st_mtime_ns == mtime
    assert SECRET not in all_text_under(root / "outbox")
    assert daemon.alive()
    # Put right, the scene's film is made again (the daemon did not give up on the project).
    scene_yaml.unlink()
    scene_yaml.write_text((outside / "scene.yaml").read_text().replace(SECRET, "Our words, again."))
    assert wait_for(lambda: status(root, "scene").get("state") == "completed", 120, "the repaired film")


def test_the_status_file_is_never_trusted(daemon: Daemon) -> None:
    root = daemon.root
    (root / "inbox" / "film.fountain").write_text(TINY.format(title="Film", line="Hello."))
    assert ended(root, "film")["state"] == "completed"
    project = root / "projects" / "film"
    good = status(root, "film")

    # Garbage in status.json: written again from the ledger; `scriptvid status` never read it.
    (project / "status.json").write_bytes(b"\x00\xff{not json")
    wait_for(lambda: status(root, "film").get("state") == "completed", 10, "status.json to be rewritten")
    listing = subprocess.run(
        [sys.executable, "-m", "scriptvid", "status", "--root", str(root)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout
    assert "film" in listing and "completed" in listing

    # A folder in its place: the daemon carries on, the next transition says so in the log.
    (project / "status.json").unlink()
    (project / "status.json").mkdir()
    (project / "project.yaml").write_text((project / "project.yaml").read_text() + "# my note\n")
    wait_for(lambda: "status.json not written" in str(daemon.events()), 30, "the status file refusal")
    (project / "status.json").rmdir()
    wait_for(lambda: status(root, "film").get("state") == "completed", 60, "status.json after the folder")
    runs = status(root, "film")["run"]

    # Deleted while the daemon is down, with a person's edit in project.yaml: the project is not
    # registered anew, the edit is not overwritten, nothing is rendered again.
    daemon.stop()
    (project / "status.json").unlink()
    edited = (project / "project.yaml").read_text().replace("# my note\n", "# my note, kept\n")
    (project / "project.yaml").write_text(edited)
    daemon.start()
    wait_for(lambda: status(root, "film").get("state") == "completed", 60, "status.json after a restart")
    assert (project / "project.yaml").read_text() == edited
    after = status(root, "film")
    assert (after["run"], after["renders"]) == (runs, good["renders"])
    assert daemon.alive()


@pytest.mark.parametrize("form", ["folder", "dangling-link", "link-to-a-folder-outside"])
def test_cancel_in_any_form_stops_within_two_seconds_and_resume_works(
    data_root: Path, outside: Outside, form: str
) -> None:
    # The image stage is held, so that the film is surely running when CANCEL comes.
    daemon = Daemon(data_root, {"SCRIPTVID_TEST_DELAY": "image:4"}).start()
    try:
        (data_root / "inbox" / "film.fountain").write_text(TWO.format(title="Film", line="Hello."))
        wait_for(lambda: status(data_root, "film").get("stage") == "image", 60, "the film to reach image")
        cancel = data_root / "projects" / "film" / "CANCEL"
        if form == "folder":
            cancel.mkdir()
            (cancel / "why.txt").write_text("wrong cast")
        elif form == "dangling-link":
            cancel.symlink_to(outside / "nothing-here")
        else:
            cancel.symlink_to(outside / "dir")
        made = time.monotonic()
        wait_for(lambda: status(data_root, "film").get("state") == "cancelled", 2.0, "the cancel")
        print(f"\nCANCEL ({form}) to cancelled: {time.monotonic() - made:.2f} s")
        said = resume(data_root, "film")
        assert "CANCEL" in said and not os.path.lexists(cancel)
        if form == "folder":  # a person's files in it are kept, beside
            kept = list((data_root / "projects" / "film").glob("CANCEL.kept-*"))
            assert len(kept) == 1 and (kept[0] / "why.txt").read_text() == "wrong cast"
        assert ended(data_root, "film")["state"] == "completed"
    finally:
        daemon.stop()


def test_an_inbox_removed_made_again_or_replaced_is_watched_again(daemon: Daemon) -> None:
    root = daemon.root
    inbox = root / "inbox"
    wait_for(lambda: "daemon ready" in str(daemon.events()), 60, "the daemon to start")
    shutil.rmtree(inbox)
    wait_for(lambda: "watched folder is gone" in str(daemon.events()), 10, "the daemon to notice")
    inbox.mkdir()
    (inbox / "again.fountain").write_text(TINY.format(title="Again", line="Back."))
    assert ended(root, "again")["state"] == "completed"
    assert "watched folder is back" in str(daemon.events())
    # Replaced at once (a mount, or a folder renamed over it): no moment without one.
    fresh = root / "inbox-new"
    fresh.mkdir()
    (fresh / "swapped.fountain").write_text(TINY.format(title="Swapped", line="New inbox."))
    os.rename(inbox, root / "inbox-old")
    os.rename(fresh, inbox)
    assert ended(root, "swapped")["state"] == "completed"
    assert "watched folder was replaced" in str(daemon.events())
    assert daemon.alive()
