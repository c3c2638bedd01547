"""The parser never hangs or crashes: whatever a person drops, it returns scenes or a clear InputError,
within a second. 10,000 generated inputs over four strategies: random bytes, mutated real scripts,
deep emphasis, notes and boneyards, and random Fountain built from its own elements."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scriptvid.errors import InputError
from scriptvid.model import Script
from scriptvid.stages.parse.reader import read_script

from conftest import CORPUS, REPO

EACH = 2500  # examples per strategy: 10,000 in all
FUZZ = settings(
    max_examples=EACH,
    deadline=timedelta(seconds=1),  # every input parsed (or refused) within a second
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same inputs on every machine, so a failure is one anybody can rerun
    database=None,
)
NAMES = ("script.fountain", "script.txt", "script.md", "script.fdx", "script.fadein")

SOURCES = sorted(
    [
        *CORPUS.glob("*.fountain"),
        *CORPUS.glob("*.txt"),
        *CORPUS.glob("*.md"),
        *(REPO / "examples").glob("*.fountain"),
        *(REPO / "tests" / "data" / "osf").glob("*.fountain"),
        *(REPO / "tests" / "data" / "fdx").glob("*.fdx"),
    ]
)
TEXTS = [(p.name, p.read_bytes()[:60_000]) for p in SOURCES if p.name != "SOURCES.md"]


def parse(data: bytes, name: str) -> None:
    try:
        script = read_script(data, name)
    except InputError as exc:
        assert str(exc).strip(), "an InputError must say what is wrong"
        return
    assert isinstance(script, Script) and script.scenes
    for scene in script.scenes:
        assert isinstance(scene.heading, str)
        assert all(isinstance(line.text, str) and line.character for line in scene.dialogue)


@FUZZ
@given(st.binary(max_size=6000), st.sampled_from(NAMES))
def test_random_bytes(data: bytes, name: str) -> None:
    parse(data, name)


SPECIALS = "*_/\\[]()#=>.<~:^!@|\n\n\n \t\u00a0\u200b\ufeff\u2028é漢😀"


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    name, data = draw(st.sampled_from(TEXTS))
    text = bytearray(data)
    for _ in range(draw(st.integers(1, 12))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        span = draw(st.integers(1, 400))
        kind = draw(st.sampled_from(("delete", "repeat", "insert", "bytes", "cut")))
        if kind == "delete":
            del text[at : at + span]
        elif kind == "repeat":
            text[at:at] = text[at : at + span] * draw(st.integers(2, 20))
        elif kind == "insert":
            text[at:at] = draw(st.text(alphabet=SPECIALS, max_size=60)).encode()
        elif kind == "bytes":
            text[at:at] = draw(st.binary(max_size=16))
        else:
            del text[at:]
    suffix = draw(st.sampled_from((Path(name).suffix, ".txt", ".fountain")))
    return bytes(text), "mutated" + suffix


@FUZZ
@given(mutated())
def test_mutated_real_scripts(case: tuple[bytes, str]) -> None:
    parse(*case)


@st.composite
def nested(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 3000))
    opener = draw(st.sampled_from(("*", "**", "***", "_", "[[", "/*", "(", "[", "<", "~", "\\*")))
    closer = {"[[": "]]", "/*": "*/", "(": ")", "[": "]", "<": ">"}.get(opener, opener)
    closed = draw(st.integers(0, depth))  # some left open: unclosed boneyards and notes
    words = draw(st.sampled_from(("word", "INT. HOUSE - DAY", "MARA\nHello.", "", "\n\n")))
    body = opener * depth + words + closer * closed
    around = draw(
        st.sampled_from(("{}", "INT. ROOM - DAY\n\n{}\n", "MARA\n{}\n", "Title: {}\n\nEXT. SEA - DAY\n"))
    )
    return around.replace("{}", body)


@FUZZ
@given(nested(), st.sampled_from(NAMES[:3]))
def test_deep_emphasis_notes_and_unclosed_boneyards(text: str, name: str) -> None:
    parse(text.encode(), name)


ELEMENTS = (
    "INT. KITCHEN - NIGHT",
    "EXT. BEACH - DAY #12A#",
    ".FORCED HEADING",
    "12   KÜCHE - NACHT",
    "MARA",
    "OWEN (V.O.)",
    "@McCLANE",
    "BRICK ^",
    "(whispering)",
    "Hello there, how are you?",
    "CUT TO:",
    "> THE END <",
    "FADE IN:",
    "# ACT ONE",
    "= a synopsis",
    "[[a note]]",
    "/* a boneyard",
    "*/",
    "===",
    "~lyric line",
    "Title: A Film",
    "Author: Somebody",
    "[NARRATOR]: Once upon a time.",
    "[VISUAL]: A wide shot.",
    "Mara: a line of dialogue",
    "ACT I.",
    "SCENE 2. A street.",
    "Anna.  A speech in a play.",
    "",
    "",
)


@FUZZ
@given(st.lists(st.sampled_from(ELEMENTS), max_size=300), st.sampled_from(NAMES[:3]))
def test_random_fountain_from_its_elements(lines: list[str], name: str) -> None:
    parse("\n".join(lines).encode(), name)


def test_the_strategies_have_real_scripts_to_mutate() -> None:
    if not any(CORPUS.glob("*.fountain")):
        pytest.skip("the shared corpus is not beside the repository")
    assert len(TEXTS) >= 10
