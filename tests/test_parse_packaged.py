"""Fade In (.fadein) and Highland (.highland), the zipped formats: real files saved by Fade In and by
Final Draft read as the same scenes and dialogue as the Fountain their author wrote beside them; a
Highland TextBundle is read as the Fountain inside it; zips that would hurt are refused unread."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from scriptvid.errors import InputError
from scriptvid.model import Script
from scriptvid.stages.parse.packaged import UNPACKED_LIMIT
from scriptvid.stages.parse.reader import read_script

OSF = Path(__file__).parent / "data" / "osf"


def said(script: Script) -> list[tuple[str, str, str, str, bool]]:
    return [
        (ln.character, ln.extension, ln.parenthetical, ln.text, ln.dual)
        for scene in script.scenes
        for ln in scene.dialogue
    ]


def shape(script: Script) -> list[tuple[str, str, str]]:
    return [(s.heading, s.time_of_day, s.transition) for s in script.scenes]


@pytest.mark.parametrize("number", range(1, 7))
@pytest.mark.parametrize("saved_by", ["fadein", "fdx"])
def test_files_saved_by_fade_in_and_final_draft_read_as_their_fountain(number: int, saved_by: str) -> None:
    name = f"sample-0{number}.{saved_by}"
    ours = read_script((OSF / name).read_bytes(), name)
    fountain = read_script((OSF / f"sample-0{number}.fountain").read_bytes(), f"sample-0{number}.fountain")
    assert ours.format == {"fadein": "fade-in", "fdx": "final-draft"}[saved_by]
    assert shape(ours) == shape(fountain)
    assert said(ours) == said(fountain)
    assert ours.scenes and all(s.characters for s in ours.scenes if s.dialogue)


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return out.getvalue()


def test_a_highland_file_is_the_fountain_in_its_textbundle() -> None:
    fountain = (OSF / "sample-04.fountain").read_bytes()
    highland = zipped(
        {
            "Sample.textbundle/info.json": b'{"version": 2, "type": "com.highland.fountain"}',
            "Sample.textbundle/text.fountain": fountain,
            "Sample.textbundle/assets/": b"",
        }
    )
    ours = read_script(highland, "sample.highland")
    original = read_script(fountain, "sample.fountain")
    assert (shape(ours), said(ours), ours.title) == (shape(original), said(original), original.title)


def test_a_zip_bomb_is_refused_after_the_limit_not_unpacked() -> None:
    bomb = zipped({"document.xml": b"<document>" + b" " * (UNPACKED_LIMIT + 1000) + b"</document>"})
    assert len(bomb) < UNPACKED_LIMIT // 100  # it is small on the share
    with pytest.raises(InputError, match="unpacks to more than 50 MB"):
        read_script(bomb, "bomb.fadein")


def encrypted_zip() -> bytes:
    """A zip whose member is marked encrypted (bit 0 of its flags, in the local and the central header),
    as a zip tool with a password writes it (Python's zipfile writes no encryption)."""
    data = bytearray(zipped({"document.xml": b"\x00" * 64}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x1
    return bytes(data)


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b"<document><paragraphs><para><text>&b;</text></para></paragraphs></document>"
)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notzip.fadein", b"INT. ROOM - DAY\n", "is not a readable zip"),
        ("empty.fadein", zipped({"readme.txt": b"hi"}), "without document.xml in it: not a Fade In file"),
        ("locked.fadein", encrypted_zip(), "is an encrypted zip"),
        ("laughs.fadein", zipped({"document.xml": LAUGHS}), "declares entities"),
        ("other.fadein", zipped({"document.xml": b"<html/>"}), "not a Open Screenplay Format file"),
        ("nobundle.highland", zipped({"text.fountain": b"INT. A - DAY\n"}), "without a .textbundle folder"),
    ],
)
def test_broken_or_hostile_zips_are_refused_with_the_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        read_script(data, name)
    assert reason in str(caught.value) and name in str(caught.value)
