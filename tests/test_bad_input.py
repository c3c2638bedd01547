"""Bad input, all at once, into one running daemon: each case ends with a clear message (in
status.json, or in inbox/failed/ when no project can be made), nothing a person put there is lost,
and the daemon goes on serving the good scripts dropped beside the bad ones."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import CORPUS, Daemon, ffprobe, project_status, wait_for

pytestmark = pytest.mark.slow

TINY = "Title: {title}\n\nINT. ROOM - DAY\n\nANNA\n{line}\n"
GOOD = TINY.format(title="Tiny", line="Hello there.")
FDX = Path(__file__).parent / "data" / "fdx"
OSF = Path(__file__).parent / "data" / "osf"


@dataclass
class Case:
    """A file (and maybe a sidecar) dropped into the inbox, and what must become of it."""

    name: str  # file name in the inbox
    content: bytes
    project: str | None  # the project it becomes, or None when it must be refused
    expect: str  # "completed", or text the error message must contain
    sidecar: str | None = None


def case(
    name: str, content: str | bytes, project: str | None, expect: str, sidecar: str | None = None
) -> Case:
    return Case(name, content.encode() if isinstance(content, str) else content, project, expect, sidecar)


def zip_bomb() -> bytes:
    """A Fade In file of 60 KB that would unpack to 60 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("document.xml", b"<document>" + b" " * 60_000_000 + b"</document>")
    return out.getvalue()


def many_scenes(n: int) -> str:
    return "".join(f"INT. ROOM {i} - DAY\n\nANNA\nLine {i}.\n\n" for i in range(n))


CASES = [
    case("empty.fountain", "", "empty", "empty"),
    case("blank.fountain", "  \n\t\n\n   \n", "blank", "empty"),
    case("binary.fountain", bytes(range(256)) * 8, "binary", "not a text file"),
    case("latin.fountain", b"INT. ROOM - DAY\n\nANNA\nCaf\x81\x8d\x90 au lait.\n", "latin", "UTF-8"),
    case("utf16.fountain", "\ufeff" + GOOD.replace("Hello", "Héllo"), "utf16", "completed"),
    case(
        "silent.fountain",
        "EXT. FIELD - DAY\n\nWind moves through the grass. Nobody speaks.\n",
        "silent",
        "completed",
    ),
    case("many.fountain", many_scenes(2000), "many", "limits.max_scenes"),
    case(
        "long-line.fountain",
        TINY.format(title="Long", line="word " * 3000),
        "long-line",
        "limits.max_line_chars",
    ),
    case("huge.fountain", b"INT. ROOM - DAY\n\n" + b"x" * (50 * 1024 * 1024), "huge", "limits.max_script_mb"),
    case("badyaml.fountain", GOOD, "badyaml", "not valid YAML: line", sidecar="video: {width: [1,\n"),
    case("bomb.fountain", GOOD, "bomb", "aliases", sidecar="a: &a [x, x]\nb: [*a, *a]\n"),
    case(
        "unknown.fountain",
        GOOD,
        "unknown",
        "video.colour_depth: unknown setting",
        sidecar="video: {colour_depth: 10}\n",
    ),
    case("types.fountain", GOOD, "types", "video.fps: 'fast' is not allowed", sidecar="video: {fps: fast}\n"),
    case(
        "negative.fountain",
        GOOD,
        "negative",
        "timing.min_scene: -3 is out of range",
        sidecar="timing: {min_scene: -3}\n",
    ),
    case(
        "absurd-size.fountain",
        GOOD,
        "absurd-size",
        "video.width: 100000 is out of range",
        sidecar="video: {width: 100000}\n",
    ),
    case(
        "absurd-fps.fountain",
        GOOD,
        "absurd-fps",
        "video.fps: 1000 is out of range",
        sidecar="video: {fps: 1000}\n",
    ),
    case(
        "escape.fountain", GOOD, "escape", "output: unknown setting", sidecar="output: ../../../etc/passwd\n"
    ),
    case(
        "no-such-backend.fountain",
        GOOD,
        "no-such-backend",
        "backends.music: 'orchestra' is not allowed; expected one of fluidsynth, musicgen",
        sidecar="backends: {music: orchestra}\n",
    ),
    case(
        "model-path.fountain",
        GOOD,
        "model-path",
        "'piper.model' is a daemon setting",
        sidecar="piper: {model: /etc/passwd}\n",
    ),
    case(
        "daemon-key.fountain",
        GOOD,
        "daemon-key",
        "'watch' is a daemon setting",
        sidecar="watch: {poll: true}\n",
    ),
    case("My Film (final).fountain", GOOD, "my-film-final", "completed"),
    case('it\'s "quoted".fountain', GOOD, "it-s-quoted", "completed"),
    case("café ünïcode 映画.fountain", GOOD, "cafe-unicode", "completed"),
    case("-rf --force.fountain", GOOD, "rf-force", "completed"),
    case("a..b.fountain", GOOD, "a-b", "completed"),
    case("dual.fdx", (FDX / "dual-dialogue.fdx").read_bytes(), "dual", "completed"),
    case("torn.fdx", (FDX / "dual-dialogue.fdx").read_bytes()[:300], "torn", "broken XML at line"),
    case(
        "laughs.fdx",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<FinalDraft><Content><Paragraph Type="Action"><Text>&b;</Text></Paragraph></Content></FinalDraft>',
        "laughs",
        "declares entities",
    ),
    case("page.fdx", b"<html><body>INT. ROOM - DAY</body></html>", "page", "not a Final Draft file"),
    case("sample.fadein", (OSF / "sample-04.fadein").read_bytes(), "sample", "completed"),
    case("zipbomb.fadein", zip_bomb(), "zipbomb", "unpacks to more than 50 MB"),
    case("notes.pdf", b"%PDF-1.4 not a script", "notes", "is not a readable PDF"),
    case("notes.docx", b"PK\x03\x04 a word document", None, "not a script"),
    case("lonely.yaml", "music: {mood: sad}\n", None, "no script named lonely"),
    case(
        "tricky.fountain",
        "Title: It's 50%: $(rm -rf ~); echo `id` \\ done\n\nINT. ROOM - DAY\n\nANNA\n"
        "Type %{pts} and 'quotes'; then $(whoami) \\n: it stays text.\n",
        "tricky",
        "completed",
        sidecar="subtitles: {burn_in: true}\n",
    ),
]


def screenplay_pdf() -> bytes | None:
    """A one-page screenplay PDF, as another program writes one (reportlab comes with the dev tools)."""
    try:
        from reportlab.pdfgen import canvas
    except ImportError:
        return None
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont("Courier", 12)
    for x, y, text in [(108, 700, "INT. VAULT - NIGHT"), (266, 670, "MARA"), (180, 656, "Open it.")]:
        page.drawString(x, y, text)
    page.save()
    return out.getvalue()


if (pdf := screenplay_pdf()) is not None:
    CASES.append(case("vault.pdf", pdf, "vault", "completed"))


def drop(inbox: Path, c: Case) -> None:
    """Copy in as a careful tool does: a temporary name, then a rename."""
    if c.sidecar is not None:
        side = inbox / (Path(c.name).stem + ".yaml")
        (inbox / f".{side.name}.part").write_text(c.sidecar)
        os.replace(inbox / f".{side.name}.part", side)
    (inbox / f".{c.name}.part").write_bytes(c.content)
    os.replace(inbox / f".{c.name}.part", inbox / c.name)


def write_slowly(path: Path, data: bytes, seconds: float) -> None:
    """A file still being written for `seconds`: a piece every half second."""
    pieces = int(seconds / 0.5)
    step = len(data) // pieces + 1
    with open(path, "wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i : i + step])
            fh.flush()
            time.sleep(0.5)


def outcome(root: Path, c: Case) -> Callable[[], Any]:
    def check() -> Any:
        if c.project is None:
            report = root / "inbox" / "failed" / f"{c.name}.error.txt"
            return report.exists() and report.read_text()
        st = project_status(root, c.project)
        return st.get("state") in ("completed", "failed") and st

    return check


def test_bad_input_gets_a_clear_message_and_nothing_is_lost(data_root: Path) -> None:
    (data_root / "config" / "scriptvid.yaml").write_text(
        "video: {width: 320, height: 180, fps: 12, preset: ultrafast}\n"
        "watch: {stable_seconds: 1.0, orphan_seconds: 3}\nmusic: {enabled: false}\n"
    )
    inbox = data_root / "inbox"
    outside = data_root.parent / "outside.fountain"
    outside.write_text(GOOD)
    daemon = Daemon(data_root).start()
    try:
        wait_for(lambda: "daemon ready" in str(daemon.events()), 60, "the daemon")
        slow = threading.Thread(target=write_slowly, args=(inbox / "slow.fountain", GOOD.encode() * 40, 30.0))
        slow.start()
        for c in CASES:
            drop(inbox, c)
        (inbox / "link.fountain").symlink_to(outside)
        twice = (CORPUS / "fountain_tools_utf8_emoji_scene_numbers.fountain").read_bytes()
        (inbox / "twice.fountain").write_bytes(twice)
        wait_for(lambda: project_status(data_root, "twice").get("state"), 30, "the first copy")
        (inbox / "twice.fountain").write_bytes(twice)

        failures = []
        for c in CASES:
            result = wait_for(outcome(data_root, c), 600, f"the outcome of {c.name}")
            text = result if isinstance(result, str) else json.dumps(result.get("errors"), ensure_ascii=False)
            if c.expect == "completed":
                if result["state"] != "completed":
                    failures.append(f"{c.name}: {text}")
            elif c.expect not in text:
                failures.append(f"{c.name}: expected {c.expect!r} in {text}")
            if c.project is not None:
                # The script (and its sidecar) lie untouched in the project.
                source = data_root / "projects" / c.project / "source"
                assert (source / c.name).read_bytes() == c.content, c.name
                if c.sidecar is not None:
                    assert (source / (Path(c.name).stem + ".yaml")).read_text() == c.sidecar
            else:
                assert (inbox / c.name).read_bytes() == c.content, f"{c.name} was moved or changed"
        assert not failures, "\n".join(failures)

        # Filter and shell syntax is shown as text, in the subtitles and in the chapter (title) names.
        srt = (data_root / "outbox" / "tricky.srt").read_text()
        assert "Type %{pts} and 'quotes'; then $(whoami) \\n: it stays text." in srt.replace("\n", " ")
        info = ffprobe(data_root / "outbox" / "tricky.mp4")
        assert info["chapters"][0]["tags"]["title"] == "It's 50%: $(rm -rf ~); echo `id` \\ done"

        # A link is refused and left alone; the file it points to is untouched.
        report = wait_for(
            lambda: (inbox / "failed" / "link.fountain.error.txt").exists(), 30, "the link report"
        )
        assert report and (inbox / "link.fountain").is_symlink() and outside.read_text() == GOOD

        # The same script twice: two projects, neither overwritten.
        wait_for(lambda: project_status(data_root, "twice-2").get("state"), 30, "the second copy")
        assert (data_root / "projects" / "twice" / "source" / "twice.fountain").read_bytes() == twice

        # A file written for 30 s is taken only once it is whole.
        slow.join()
        st = wait_for(outcome(data_root, Case("slow.fountain", b"", "slow", "")), 300, "the slow file")
        assert (
            data_root / "projects" / "slow" / "source" / "slow.fountain"
        ).read_bytes() == GOOD.encode() * 40
        assert st["state"] in ("completed", "failed")

        assert daemon.alive()
        assert len(CASES) + 3 >= 25
    finally:
        daemon.stop()
