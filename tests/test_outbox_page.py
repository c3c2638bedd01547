"""outbox/index.html: the page people open from the share to see where their films are.

The page is made by the real daemon from real projects (one finished, one failed on its sidecar, one
being made, and a file that was refused) and opened in a real headless Chromium: it must load with
no console messages, show each state, and link only to files beside it."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from scriptvid import outbox_page
from scriptvid.project import Root

from conftest import REPO, Daemon, project_status, wait_for

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = REPO / "docs" / "outbox-page.png"


def status(name: str, state: str, **more: Any) -> dict[str, Any]:
    return {
        "project": name,
        "title": name.title(),
        "source": f"{name}.fountain",
        "state": state,
        "stage": None,
        "progress": 0.0,
        "eta_seconds": None,
        "created": "2026-12-01T10:00:00.000Z",
        "scenes": [],
        "notes": [],
        "errors": [],
        "outputs": {},
        **more,
    }


def test_the_page_escapes_what_people_wrote_and_links_only_beside_itself(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.ensure()
    statuses = [
        status(
            "done",
            "completed",
            title='<script>alert("x")</script> & "Tea"',
            source=str(tmp_path / "projects" / "done" / "source" / "done.fountain"),
            progress=1.0,
            created="2026-12-01T09:00:00.000Z",
            outputs={
                "video": str(tmp_path / "outbox" / "done.mp4"),
                "subtitles": str(tmp_path / "outbox" / "done.srt"),
            },
        ),
        status(
            "broken",
            "failed",
            created="2026-12-01T11:00:00.000Z",
            errors=[
                {"stage": "parse", "scene": None, "message": "broken.yaml: video.fps: 0 is out of range"}
            ],
        ),
    ]
    page = outbox_page.render(root, statuses)
    assert "<script" not in page and "&lt;script&gt;" in page and "&amp; &quot;Tea&quot;" in page
    # Newest first; the failure in plain words with the file and key.
    assert page.index('id="broken"') < page.index('id="done"')
    assert "broken.yaml: video.fps: 0 is out of range" in page
    links = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert sorted(links) == ["done.mp4", "done.srt"]
    assert "from done.fountain" in page
    assert str(tmp_path) not in page  # no absolute path: the share is mounted elsewhere on each machine
    assert 'http-equiv="refresh"' not in page  # nothing is being made: no reloading

    running = outbox_page.render(
        root, [status("busy", "running", stage="animate", progress=0.4, eta_seconds=95)]
    )
    assert 'http-equiv="refresh" content="5"' in running
    assert "now: animate" in running and "about 2 minutes left" in running and "width: 40%" in running


def test_a_persons_own_index_html_or_a_link_is_left_as_it_is(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.ensure()
    page = outbox_page.OutboxPage(root, lambda name: status(name, "completed"), lambda: ["one"])
    mine = root.outbox / "index.html"
    mine.write_text("<p>my own page</p>")
    page.write()
    assert mine.read_text() == "<p>my own page</p>"
    mine.unlink()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.html"
    outside.write_text("outside")
    mine.symlink_to(outside)
    page.write()
    assert mine.is_symlink() and outside.read_text() == "outside"
    mine.unlink()
    page.write()
    assert outbox_page.MARK in mine.read_text() and 'id="one"' in mine.read_text()


def test_the_page_is_written_when_projects_change_and_not_more_often(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.ensure()
    reads: list[str] = []
    states = {"a": "running", "b": "completed"}

    def read(name: str) -> dict[str, Any]:
        reads.append(name)
        return status(name, states[name])

    page = outbox_page.OutboxPage(root, read, lambda: sorted(states))
    assert page.tick(now=100.0) and sorted(reads) == ["a", "b"]  # at the start, every project
    reads.clear()
    page.changed("b")
    assert not page.tick(now=100.5)  # a second apart at most once
    assert page.tick(now=101.2) and reads == ["b"]  # only the project that changed is read again
    reads.clear()
    assert not page.tick(now=103.0)  # nothing new
    assert page.tick(now=105.1) and reads == ["a"]  # the running one, for its ETA, every few seconds
    states["a"] = "completed"
    reads.clear()
    page.changed("a")
    page.tick(now=107.0)
    assert not page.tick(now=112.0) and reads == ["a"]  # nothing running: the page rests


def chromium(page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    # --no-sandbox: the tests may run as root (CI), where Chromium's sandbox refuses to start.
    quiet = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    logging = ["--enable-logging=stderr", "--v=0", f"--user-data-dir={page.parent.parent / '.chromium'}"]
    return subprocess.run(
        [CHROMIUM, *quiet, *logging, *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(page.parent.parent)},
    )


BAD_SIDECAR = "video: {fps: 0}\n"


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (scripts/setup dev installs it)")
def test_the_page_in_a_real_browser_shows_finished_failed_and_running_films(data_root: Path) -> None:
    lighthouse = REPO / "examples" / "the-lighthouse.fountain"
    daemon = Daemon(data_root).start()
    try:
        shutil.copy(lighthouse, data_root / "inbox" / "lighthouse.fountain")
        shutil.copy(lighthouse, data_root / "inbox" / "wrong-frame.fountain")
        (data_root / "inbox" / "wrong-frame.yaml").write_text(BAD_SIDECAR)
        (data_root / "inbox" / "notes.docx").write_bytes(b"PK\x03\x04 a word document")
        wait_for(lambda: project_status(data_root, "lighthouse").get("state") == "completed", 600, "the film")
        wait_for(lambda: project_status(data_root, "wrong-frame").get("state") == "failed", 60, "the failure")
        wait_for(lambda: (data_root / "inbox" / "failed" / "notes.docx.error.txt").exists(), 60, "the report")
    finally:
        daemon.stop()
    # A film being made: its animation held (as a long render would be) so the page catches it.
    daemon = Daemon(data_root, {"SCRIPTVID_TEST_DELAY": "animate:600"}).start()
    try:
        shutil.copy(lighthouse, data_root / "inbox" / "long-night.fountain")
        page = data_root / "outbox" / "index.html"
        wait_for(
            lambda: (
                page.exists() and 'id="long-night"' in page.read_text() and "now: animate" in page.read_text()
            ),
            300,
            "the running film on the page",
        )
        wait_for(lambda: "left" in page.read_text(), 60, "an ETA on the page")
        text = page.read_text()

        # Loaded in Chromium as a person opens it from the share: the DOM it builds, and its console.
        loaded = chromium(page, "--dump-dom")
        assert loaded.returncode == 0, loaded.stderr[-2000:]
        console = [ln for ln in loaded.stderr.splitlines() if ":CONSOLE" in ln]
        assert console == [], console
        dom = html.unescape(loaded.stdout)
        for project, words in (
            ("long-night", "Being made"),
            ("wrong-frame", "Failed"),
            ("lighthouse", "Ready"),
        ):
            article = dom[dom.index(f'id="{project}"') :]
            assert words in article[: article.index("</article>")], project
        # Newest first; the failure names the file and the key to fix; the refused file is there too.
        assert dom.index('id="long-night"') < dom.index('id="wrong-frame"') < dom.index('id="lighthouse"')
        assert "wrong-frame.yaml: video.fps: 0 is out of range" in dom
        assert "notes.docx was not taken" in dom and "Files in the inbox that were not taken" in dom
        assert 'http-equiv="refresh"' in dom

        # Every link and picture is relative and there: the film, its subtitles, the storyboards.
        links = [unquote(x) for x in re.findall(r'(?:href|src)="([^"]*)"', text)]
        assert "lighthouse.mp4" in links and "lighthouse.srt" in links
        assert "../projects/lighthouse/storyboard.png" in links
        assert any(x.startswith("../projects/long-night/scenes/") for x in links)  # its first picture
        for link in links:
            assert not link.startswith(("/", "file:", "http")) and (page.parent / link).resolve().is_file(), (
                link
            )

        shot = chromium(page, "--window-size=1200,1100", f"--screenshot={page.parent / 'shot.png'}")
        assert shot.returncode == 0 and (page.parent / "shot.png").stat().st_size > 20_000
        SCREENSHOT.parent.mkdir(exist_ok=True)
        if os.environ.get("UPDATE_DOCS"):
            shutil.copy(page.parent / "shot.png", SCREENSHOT)
    finally:
        daemon.stop(sig=9)
