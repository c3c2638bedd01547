"""Taking a file from the inbox: claimed in the ledger, so that of several daemons on one inbox
exactly one takes it, under the name it would have had alone."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from scriptvid import intake
from scriptvid.daemon.watcher import InboxWatcher, ProjectsWatcher
from scriptvid.ledger import Ledger
from scriptvid.pipeline import STEPS
from scriptvid.project import Root

SCRIPT = "INT. ROOM - DAY\n\nANNA\nHello.\n"


def test_a_file_is_claimed_once_and_named_as_if_alone(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path, "", STEPS)
    nothing = lambda name: False  # noqa: E731
    assert ledger.claim("film.fountain", "1:10:5", "film", nothing, "host/1/1") == "film"
    assert ledger.claim("film.fountain", "1:10:5", "film", nothing, "host/2/2") is None
    # Another file of another name, while the first is being taken, does not get its name.
    assert ledger.claim("Film.fountain", "2:10:5", "film", nothing, "host/2/2") == "film-2"
    ledger.release("film.fountain")
    ledger.release("Film.fountain")
    # A name whose folder is there (made by a person, or an older project) is passed over.
    assert ledger.claim("film.fountain", "3:10:5", "film", lambda n: n == "film", "host/1/1") == "film-2"


def test_a_claim_whose_daemon_died_is_taken_over_under_the_same_name(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path, "", STEPS)
    dead = f"{socket.gethostname()}/999999/0"  # no process of this machine: its claim is stale
    assert ledger.claim("film.fountain", "1:10:5", "film", lambda n: False, dead) == "film"
    ledger.claim("x", "0", "x", lambda n: False, "h/1/1")  # another claim, alive, stays
    taken = ledger.claim("film.fountain", "1:10:5", "film", lambda n: n == "film", "elsewhere/1/1")
    assert taken == "film"


def test_two_daemons_racing_for_one_file_make_one_project_without_a_suffix(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.ensure()
    for attempt in range(20):
        script = root.inbox / f"race{attempt}.fountain"
        script.write_text(SCRIPT)
        ledgers = [Ledger.open(tmp_path, "", STEPS) for _ in range(2)]
        results: list[object] = []
        barrier = threading.Barrier(2)

        def take(
            ledger: Ledger,
            script: Path = script,
            barrier: threading.Barrier = barrier,
            results: list = results,
        ) -> None:
            barrier.wait()
            results.append(intake.claim(root, script, [], ledger))

        threads = [threading.Thread(target=take, args=(ledger,)) for ledger in ledgers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        made = [r for r in results if r is not None]
        assert len(made) == 1, results
        assert sorted(p.name for p in root.projects.iterdir() if p.name.startswith(f"race{attempt}")) == [
            f"race{attempt}"
        ]
        assert (root.projects / f"race{attempt}" / "source" / script.name).read_text() == SCRIPT


def _noted(watcher: InboxWatcher, path: Path, renamed: bool) -> None:
    """Wait until the watcher's observer thread has noted the event on `path`."""
    deadline = time.monotonic() + 10
    while not (path in watcher._candidates and (path in watcher._renamed) is renamed):
        assert time.monotonic() < deadline, f"no event noted for {path.name}"
        time.sleep(0.02)


@pytest.mark.parametrize("poll", [False, True], ids=["inotify", "polling"])
def test_a_file_renamed_into_the_inbox_waits_less_than_one_written_there(tmp_path: Path, poll: bool) -> None:
    """A copy tool that writes a temporary name renames the file when it is whole: taken after
    `renamed_seconds`. Written in place (a copy still under way, for all we know), or written again
    after its rename, a file waits the whole `stable_seconds`."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = InboxWatcher(inbox, stable_seconds=5.0, poll=poll, poll_interval=0.1, renamed_seconds=0.25)
    watcher.start()
    try:
        renamed, written = inbox / "renamed.fountain", inbox / "written.fountain"
        (inbox / ".renamed.fountain.part").write_text(SCRIPT)
        # Polled, a rename is seen as one only if a poll saw the temporary name first (a copy that
        # took less than a poll looks like a new file, and waits as one): ten polls' time.
        time.sleep(1.0)
        os.replace(inbox / ".renamed.fountain.part", renamed)
        written.write_text(SCRIPT)
        _noted(watcher, renamed, renamed=True)
        _noted(watcher, written, renamed=False)

        # `now` is given: what is asserted is the rule, not how fast this machine is.
        now = time.monotonic()
        assert watcher.ready(now) == []  # first seen: both are still for 0 s
        assert watcher.ready(now + 0.3) == [renamed]
        assert watcher.ready(now + 4.9) == [renamed]
        assert sorted(watcher.ready(now + 5.1)) == [renamed, written]

        with open(renamed, "a") as fh:  # written again after its rename: no longer known to be whole
            fh.write("\nMORE\nLines.\n")
        _noted(watcher, renamed, renamed=False)
        later = time.monotonic()
        assert renamed not in watcher.ready(later)
        assert renamed not in watcher.ready(later + 0.3)
        assert renamed in watcher.ready(later + 5.1)
    finally:
        watcher.stop()


@pytest.mark.parametrize("poll", [False, True], ids=["inotify", "polling"])
def test_a_scene_saved_by_a_rename_is_acted_on_at_once(tmp_path: Path, poll: bool) -> None:
    """An editor's atomic save (a temporary name renamed over scene.yaml) is whole when it arrives:
    the daemon starts the new run without waiting for the file to settle, and its main loop is woken
    for it. A file written in place may be one write of several: it waits `settle_seconds`."""
    projects = tmp_path / "projects"
    scene = projects / "film" / "scenes" / "001-a"
    scene.mkdir(parents=True)
    (scene / "scene.yaml").write_text("heading: A\n")
    (projects / "film" / "project.yaml").write_text("video: {fps: 24}\n")
    wake = threading.Event()
    watcher = ProjectsWatcher(projects, settle_seconds=5.0, poll=poll, poll_interval=0.1, wake=wake)
    watcher.start()
    try:
        (scene / ".scene.yaml.swp").write_text("heading: B\n")
        # Polled, a rename is seen as one only if a poll saw the temporary name first: ten polls' time.
        time.sleep(1.0)
        wake.clear()
        os.replace(scene / ".scene.yaml.swp", scene / "scene.yaml")
        (projects / "film" / "project.yaml").write_text("video: {fps: 25}\n")
        assert wake.wait(10), "the main loop was not woken"
        deadline = time.monotonic() + 10
        while len(watcher._changed) < 2:
            assert time.monotonic() < deadline, watcher._changed
            time.sleep(0.02)
        now = time.monotonic()
        assert watcher.settled(now) == {
            "film": [scene / "scene.yaml"]
        }  # `now` given: the rule, not the speed
        assert watcher.settled(now + 4.9) == {}
        assert watcher.settled(now + 5.1) == {"film": [projects / "film" / "project.yaml"]}
    finally:
        watcher.stop()
