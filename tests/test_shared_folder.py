"""A shared folder that anyone can write to, tried against the real daemon: names at the length limit
and names the daemon uses itself, links, pipes, sockets and folders where files should be, a status
file spoiled or replaced, CANCEL in every form, an inbox that goes away and comes back.

After each, the daemon is still serving, says what was wrong and where, and nothing outside the data
folder was read or written. Last, random names, links and file kinds are thrown at a running daemon
for a bounded time (a property-based test): it must still make a good film, and nothing outside the
data folder may have been read (no inotify event at all there) or written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers.inotify import InotifyObserver

from conftest import REPO, Daemon, ffprobe, wait_for

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
    long_bad = "x" * 251 + ".doc"  # 255 bytes: its report's name must be shortened
    long_good = "l" * 246 + ".fountain"
    # Waiting before the daemon starts: the start-up rescan meets them first.
    (inbox / long_bad).write_text("not a script")
    os.mkfifo(inbox / "pipe.fountain")
    # Names of project folders taken by what a person put in projects/: a file, a dangling link.
    (data_root / "projects").mkdir()
    (data_root / "projects" / "collide").write_text("a colleague's file")
    (data_root / "projects" / "dangle").symlink_to(outside / "nowhere")
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
        for name in ("collide", "dangle"):
            (inbox / f"{name}.fountain").write_text(
                TINY.format(title=name, line="Named after a taken folder.")
            )
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
                "collide-2": "completed",
                "dangle-2": "completed",
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
                "project.yaml": "no script named project (.fountain, .fdx",
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
        assert (data_root / "projects" / "collide").read_text() == "a colleague's file"
        assert (data_root / "projects" / "dangle").is_symlink()
        assert SECRET not in all_text_under(data_root / "outbox")
        assert SECRET not in all_text_under(data_root / "projects")
    finally:
        daemon.stop()


def test_a_report_folder_taken_by_a_file_or_a_link_writes_nothing_and_stops_nothing(
    data_root: Path, outside: Outside
) -> None:
    inbox = data_root / "inbox"
    (inbox / "failed").symlink_to(outside / "dir")
    (inbox / "first.doc").write_text("x")
    daemon = Daemon(data_root).start()
    try:
        wait_for(lambda: "report not written" in str(daemon.events()), 60, "the refusal to write a report")
        (inbox / "failed").unlink()
        (inbox / "failed").write_text("a colleague's notes, in a file named failed")
        (inbox / "second.doc").write_text("x")
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

    # Deleted while the daemon is down: written again at start; the project is not registered anew.
    daemon.stop()
    (project / "status.json").unlink()
    daemon.start()
    wait_for(lambda: status(root, "film").get("state") == "completed", 60, "status.json after a restart")
    after = status(root, "film")
    assert (after["run"], after["renders"]) == (runs, good["renders"])

    # A person's edit of project.yaml saved while the daemon is down: acted on at start (one run, in
    # which nothing needs making again: only a comment changed), and never written over.
    daemon.stop()
    edited = (project / "project.yaml").read_text().replace("# my note\n", "# my note, kept\n")
    (project / "project.yaml").write_text(edited)
    daemon.start()
    wait_for(lambda: status(root, "film").get("run") == runs + 1, 60, "the run for the edit made while down")
    after = ended(root, "film")
    assert after["state"] == "completed" and after["renders"] == good["renders"]
    assert after["reason"] == "edited while the daemon was down: project.yaml"
    assert (project / "project.yaml").read_text() == edited
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


# -- random attack ------------------------------------------------------------------------------

BUDGET_SECONDS = 60.0  # how long the daemon is attacked, at most

# Every name the daemon itself uses, in the inbox, the projects folder or a project.
OWN_NAMES = [
    *("failed", "inbox", "outbox", "projects", "ledger.db", "queue.db", "config"),
    *("source", "scenes", "music", "render", "logs", "status.json", "project.yaml", "CANCEL"),
    *(".written.json", "script.json", "storyboard.png", "events.jsonl", "scene.yaml", "image.png"),
    *("voice", "said", "clip.mp4", "into.mp4", "title.mp4", "sound.m4a", "mix.wav", "victim"),
]
SUFFIXES = [
    "",
    ".fountain",
    ".fdx",
    ".fadein",
    ".txt",
    ".md",
    ".yaml",
    ".yml",
    ".pdf",
    ".doc",
    ".error.txt",
    ".tmp",
    ".part",
]


def _long_name(stem: str, suffix: str) -> str:
    """A name of exactly 255 bytes, the limit."""
    raw = (stem.encode() * 255)[: 255 - len(suffix)] + suffix.encode()
    return os.fsdecode(raw)


names = st.one_of(
    st.sampled_from(OWN_NAMES),
    st.builds(lambda n, s: n + s, st.sampled_from(OWN_NAMES), st.sampled_from(SUFFIXES)),
    st.builds(
        lambda t, s: t + s,
        st.text(st.characters(blacklist_characters="/\x00", codec="utf-8"), min_size=1, max_size=40),
        st.sampled_from(SUFFIXES),
    ),
    st.builds(lambda b, s: os.fsdecode(b) + s, st.binary(min_size=1, max_size=30), st.sampled_from(SUFFIXES)),
    st.builds(_long_name, st.sampled_from(["a", "é", "x-", "日本"]), st.sampled_from(SUFFIXES)),
).filter(lambda n: n not in (".", "..") and "/" not in n and "\x00" not in n and len(os.fsencode(n)) <= 255)

KINDS = [
    "script",
    "yaml",
    "bytes",
    "empty",
    "folder",
    "link-file",
    "link-folder",
    "dangling",
    "loop",
    "fifo",
    "socket",
]


@dataclass(frozen=True)
class Drop:
    where: int  # which folder of the tree (see `wheres`), modulo how many there are then
    name: str
    kind: str
    replace: bool  # whether it may take the place of a file that is there (a colleague's overwrite)
    content: bytes


def wheres(root: Path) -> list[Path]:
    """The inbox, the projects folder, and every folder of the victim project."""
    victim = root / "projects" / "victim"
    found = [p for p in victim.rglob("*") if p.is_dir() and not p.is_symlink()] if victim.is_dir() else []
    return [root / "inbox", root / "projects", victim, *sorted(found)]


drops = st.builds(
    Drop,
    where=st.integers(0, 1000),
    name=names,
    kind=st.sampled_from(KINDS),
    replace=st.booleans(),
    content=st.binary(max_size=200),
)


class Attacker:
    def __init__(self, root: Path, outside: Outside) -> None:
        self.root, self.outside = root, outside
        self.sockets: list[socket.socket] = []
        self.made = 0

    def apply(self, drop: Drop) -> None:
        folders = wheres(self.root)
        path = folders[drop.where % len(folders)] / drop.name
        try:
            if os.path.lexists(path):
                if not drop.replace or (path.is_dir() and not path.is_symlink()):
                    return
                path.unlink()
            self._make(path, drop)
            self.made += 1
        except OSError:
            pass  # the name does not fit there (too long with the folder, or the folder went away)

    def _make(self, path: Path, drop: Drop) -> None:
        kind = drop.kind
        if kind == "script":
            path.write_text(TINY.format(title="Fuzz", line="Random words."))
        elif kind == "yaml":
            path.write_text("video: {fps: 12}\ndialogue: [{character: ANNA, text: hi}]\n")
        elif kind == "bytes":
            path.write_bytes(drop.content)
        elif kind == "empty":
            path.touch()
        elif kind == "folder":
            path.mkdir()
        elif kind == "link-file":
            path.symlink_to(self.outside / ("script.fountain" if drop.content[:1] < b"\x80" else "notes.txt"))
        elif kind == "link-folder":
            path.symlink_to(self.outside.path)
        elif kind == "dangling":
            path.symlink_to(self.outside / "missing")
        elif kind == "loop":
            path.symlink_to(path.name)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "socket" and len(os.fsencode(str(path))) < 100:  # sun_path is 108 bytes
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(str(path))
            self.sockets.append(sock)


class Touches(FileSystemEventHandler):
    """Every inotify event in the outside folder: an open, a read, a write, anything."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        with self.lock:
            self.events.append(f"{event.event_type} {event.src_path!r}")


def test_random_names_links_and_kinds_never_stop_the_daemon_or_leak(data_root: Path, tmp_path: Path) -> None:
    outside = Outside(tmp_path / "outside")
    daemon = Daemon(data_root, {"SCRIPTVID_WATCH__ORPHAN_SECONDS": "1"}).start()
    attacker = Attacker(data_root, outside)
    touches = Touches()
    observer = InotifyObserver()
    try:
        (data_root / "inbox" / "victim.fountain").write_text(TWO.format(title="Victim", line="Ours."))
        ended(data_root, "victim")
        observer.schedule(touches, str(outside.path), recursive=True)
        observer.start()
        started = time.monotonic()

        @settings(
            max_examples=250,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.lists(drops, min_size=1, max_size=8))
        def attack(batch: list[Drop]) -> None:
            if time.monotonic() - started > BUDGET_SECONDS:
                return
            for drop in batch:
                attacker.apply(drop)
            time.sleep(0.2)
            assert daemon.alive(), "the daemon died"

        attack()
        events = daemon.events()
        said = {
            e: sum(1 for x in events if x.get("event") == e) for e in ("inbox file refused", "stage failed")
        }
        print(
            f"\n{attacker.made} entries made in {time.monotonic() - started:.0f} s; the daemon said: {said}"
        )
        time.sleep(3)  # what the daemon still does with them
        assert daemon.alive(), "the daemon died"

        # Still serving: a good script dropped now becomes a good film.
        (data_root / "inbox" / "after-the-storm.fountain").write_text(
            TINY.format(title="After", line="Calm.")
        )
        st_after = ended(data_root, "after-the-storm", timeout=300)
        assert st_after["state"] == "completed", st_after["errors"]
        assert float(ffprobe(data_root / "outbox" / "after-the-storm.mp4")["format"]["duration"]) > 1
        assert daemon.alive()
    finally:
        observer.stop()
        observer.join(timeout=5)
        for sock in attacker.sockets:
            sock.close()
        daemon.stop()
    assert touches.events == [], "the daemon reached outside the data folder"
    assert snapshot(outside.path) == outside.before, "something outside the data folder was written"
    assert SECRET not in all_text_under(data_root / "outbox")


def test_an_inbox_on_a_network_filesystem_is_polled_unless_the_settings_say_otherwise(tmp_path: Path) -> None:
    from scriptvid.daemon.watcher import filesystem_of, should_poll

    share, local = tmp_path / "share" / "inbox", tmp_path / "disk" / "inbox"
    for folder in (share, local):
        folder.mkdir(parents=True)
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda1 / ext4 rw 0 0\n"
        f"fileserver:/export {tmp_path / 'share'} nfs4 rw,vers=4.2 0 0\n"
        f"//nas/films {tmp_path / 'share' / 'inbox' / 'sub'} cifs rw 0 0\n"
    )
    assert filesystem_of(share, str(mounts)) == "nfs4"  # the longest mount point that holds it
    assert filesystem_of(share / "sub", str(mounts)) == "cifs"
    assert filesystem_of(local, str(mounts)) == "ext4"
    assert filesystem_of(local, str(tmp_path / "no-such-table")) == ""
    # This machine's own table: the tests' folders are not on a network share.
    assert should_poll(local, None) is (filesystem_of(local) in ("nfs", "nfs4", "cifs", "fuse.sshfs"))
    assert should_poll(local, True) and not should_poll(local, False)
