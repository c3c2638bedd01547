"""The data folder as a closed tree: links, pipes and over-long names, file by file."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from scriptvid import fsutil, intake, settings, tree
from scriptvid.errors import InputError
from scriptvid.project import Root
from scriptvid.stages.parse.reader import read_script

TINY = "Title: Tiny\n\nINT. ROOM - DAY\n\nANNA\nHéllo there.\n"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "data" / "projects" / "film" / "scenes" / "001-room").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text("dialogue: [{character: X, text: PLUM}]\n")
    return tmp_path / "data"


def test_a_link_at_any_depth_is_refused_and_named(base: Path) -> None:
    scene = base / "projects" / "film" / "scenes" / "001-room"
    outside = base.parent / "outside"
    (scene / "scene.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(tree.Refused, match=r"001-room/scene.yaml: is a symbolic link"):
        tree.read_bytes(base, scene / "scene.yaml")
    # A link one folder up leads to the same file: refused at the folder.
    (scene / "scene.yaml").unlink()
    os.rename(scene, base / "gone")
    scene.symlink_to(outside)
    with pytest.raises(tree.Refused, match=r"scenes/001-room: is a symbolic link"):
        tree.read_bytes(base, scene / "secret.yaml")
    with pytest.raises(tree.Refused, match=r"001-room: is a symbolic link"):
        tree.check_folder(base, scene)
    with pytest.raises(InputError, match="is a symbolic link"):
        settings.load_yaml(scene / "secret.yaml", base=base)
    # Outside the data folder (a person's own file on the command line) a link is theirs to use.
    assert b"PLUM" in tree.read_bytes(base, base.parent / "outside" / "secret.yaml")


def test_pipes_sockets_and_folders_are_refused_without_blocking(base: Path) -> None:
    film = base / "projects" / "film"
    os.mkfifo(film / "project.yaml")  # opening this for reading would block until a writer came
    with pytest.raises(tree.Refused, match=r"project.yaml: is a named pipe \(FIFO\), not a file"):
        tree.read_bytes(base, film / "project.yaml")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(film / "status.json"))
        with pytest.raises(tree.Refused, match="is a socket"):
            tree.read_bytes(base, film / "status.json")
    (film / "CANCEL").mkdir()
    with pytest.raises(tree.Refused, match="is a folder, not a file"):
        tree.read_bytes(base, film / "CANCEL")
    with pytest.raises(tree.Refused, match=r"project\.yaml: is a named pipe"):
        tree.check_entries([film])
    tree.check_entries([film], skip=("project.yaml", "status.json"))


def test_a_step_never_writes_through_a_link_in_the_tree(base: Path) -> None:
    outside = base.parent / "outside"
    (base / "outbox").symlink_to(outside)
    with pytest.raises(tree.Refused, match="outbox: is a symbolic link"):
        tree.check_folder(base, base / "outbox")
    # Missing folders are made, real ones pass, and nothing was made outside.
    assert tree.check_folder(base, base / "projects" / "film" / "render")
    assert not tree.check_folder(base, base / "projects" / "gone", make=False)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.yaml"]


def test_names_at_the_length_limit_still_get_reports_and_temporaries(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.ensure()
    name = "é" * 123 + ".pdf"  # 250 bytes: legal, but no suffix fits after it
    assert len(os.fsencode(name)) == 250
    src = root.inbox / name
    src.write_text("x")
    report = intake.report_failure(root, src, "not a script")
    assert report is not None and report.is_file()
    assert len(os.fsencode(report.name)) <= fsutil.NAME_MAX
    assert report.name.endswith(".error.txt") and report.name.startswith("é" * 50)
    # Two long names that differ only at the end get two reports.
    other = root.inbox / ("é" * 123 + ".odt")
    other.write_text("y")
    assert intake.report_failure(root, other, "not a script") != report
    # The atomic writer's temporary name fits too.
    fsutil.write_text(root.inbox / ("b" * 255), "kept")
    assert (root.inbox / ("b" * 255)).read_text() == "kept"


def test_names_that_are_not_utf8_are_reported_and_stored_printably(tmp_path: Path) -> None:
    root = Root(tmp_path)
    root.ensure()
    src = root.inbox / os.fsdecode(b"caf\xe9\n.pdf")
    src.write_text("x")
    report = intake.report_failure(root, src, "not a script")
    assert report is not None
    assert report.read_text().startswith("caf\\xe9\n.pdf was not taken: not a script")
    assert fsutil.printable(os.fsdecode(b"caf\xe9")) == "caf\\xe9"


def test_report_folder_that_is_a_link_or_a_file_gets_nothing_written(tmp_path: Path) -> None:
    root = Root(tmp_path / "data")
    root.ensure()
    outside = tmp_path / "outside"
    outside.mkdir()
    root.failed.symlink_to(outside)
    (root.inbox / "a.pdf").write_text("x")
    assert intake.report_failure(root, root.inbox / "a.pdf", "not a script") is None
    assert list(outside.iterdir()) == []
    root.failed.unlink()
    root.failed.write_text("a person's file named failed")
    assert intake.report_failure(root, root.inbox / "a.pdf", "not a script") is None
    assert root.failed.read_text() == "a person's file named failed"


@pytest.mark.parametrize(
    "data",
    [
        TINY.encode("utf-32"),  # FF FE 00 00: begins like UTF-16's mark
        b"\x00\x00\xfe\xff" + TINY.encode("utf-32-be"),
        TINY.encode("utf-16"),
        TINY.encode("utf-16-le"),  # no mark at all, as some Windows tools save
        TINY.encode("utf-16-be"),
        TINY.encode("utf-8-sig"),
        b"\x84\x31\x95\x33" + TINY.encode("gb18030"),
        ("\ufeff" + TINY).encode("utf-7"),
    ],
    ids=["utf32le", "utf32be", "utf16bom", "utf16le", "utf16be", "utf8bom", "gb18030", "utf7"],
)
def test_every_unicode_encoding_with_a_mark_is_read_as_text(data: bytes) -> None:
    script = read_script(data, "tiny.fountain")
    assert script.title == "Tiny"
    assert script.scenes[0].dialogue[0].text == "Héllo there."


def test_an_encoding_python_cannot_read_is_named() -> None:
    with pytest.raises(InputError, match="is saved as UTF-EBCDIC"):
        read_script(b"\xdd\x73\x66\x73" + b"\xc9\xd5\xe3", "x.fountain")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Title: X\n\n/* the old draft\n\nINT. ROOM - DAY\n\nANNA\nHi.\n\nEXT. PARK - NIGHT\n\nBOB\nYo.\n",
            "the boneyard opened with /\\* on line 3 is never closed, so it hides the rest of the script "
            "\\(2 scene headings\\)",
        ),
        (
            "Title: X\n\n[[ a note that runs on\n\nINT. ROOM - DAY\n\nANNA\nHi.\n]]\n",
            "the note opened with \\[\\[ on line 3 closes only on line 9, so it hides 1 scene headings",
        ),
        (
            "Title: X\nAuthor: Y\nINT. ROOM - DAY\nANNA\nHi.\n",
            "the title page at the top has no empty line after it",
        ),
        (
            "Title: X\n\n/*\nINT. ROOM - DAY\n\nANNA\nHi.\n*/\n",
            "the boneyard from line 3 to line 8 \\(/\\* ... \\*/\\) holds every scene heading",
        ),
    ],
    ids=["unclosed-boneyard", "long-note", "title-page", "closed-boneyard"],
)
def test_a_script_swallowed_by_its_own_syntax_says_by_what(text: str, message: str) -> None:
    with pytest.raises(InputError, match="no scene found: " + message):
        read_script(text.encode(), "x.fountain")


def test_entries_that_vanish_while_they_are_looked_at_are_no_error(base: Path, monkeypatch) -> None:
    """Other steps remove their temporaries while a step looks over the project."""
    scenes = base / "projects" / "film" / "scenes"
    (scenes / "001-room" / ".image-tmp").mkdir()
    real_scandir = os.scandir

    def scandir_then_remove(path: Any) -> Any:
        entries = list(real_scandir(path))
        for entry in entries:
            if entry.name == ".image-tmp":
                os.rmdir(entry.path)
        return iter(entries)

    monkeypatch.setattr(tree.os, "scandir", scandir_then_remove)
    tree.check_entries([scenes], recursive=True)
