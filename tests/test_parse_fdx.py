"""Final Draft (.fdx): real files written by another tool read as the same scenes and dialogue as their
Fountain originals; every corpus script exported by screenplain reads as what we read from the Fountain;
the layout Final Draft itself writes (element settings, styled runs, arc beats, an outline, dual
dialogue, scene numbers, a title page); and broken or hostile XML refused with the reason."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from scriptvid.errors import InputError
from scriptvid.model import Script
from scriptvid.stages.parse.reader import read_script

DATA = Path(__file__).parent / "data" / "fdx"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}")


def said(script: Script) -> list[tuple[str, str, str, str]]:
    return [
        (ln.character, ln.extension, ln.parenthetical, ln.text) for s in script.scenes for ln in s.dialogue
    ]


def scenes(script: Script) -> list[tuple[str, str, str, str, str]]:
    return [(s.heading, s.location, s.time_of_day, s.interior, s.transition) for s in script.scenes]


def fdx(body: str, title_page: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n'
        f'<FinalDraft DocumentType="Script" Template="No" Version="5"><Content>{body}</Content>'
        f"{title_page}</FinalDraft>"
    ).encode()


def p(kind: str, *runs: str, **attrs: str) -> str:
    more = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f'<Paragraph Type="{kind}"{more}>' + "".join(f"<Text>{r}</Text>" for r in runs) + "</Paragraph>"


@needs_corpus
@pytest.mark.parametrize(
    ("fdx_file", "fountain_file"),
    [
        ("Brick-and-Steel.fdx", "brick_and_steel.fountain"),
        ("The-Last-Birthday-Card.fdx", "the_last_birthday_card.fountain"),
    ],
)
def test_real_files_read_as_their_fountain_originals(fdx_file: str, fountain_file: str) -> None:
    ours = read_script((DATA / fdx_file).read_bytes(), fdx_file)
    original = read_script((CORPUS / fountain_file).read_bytes(), fountain_file)
    assert ours.format == "final-draft"
    assert scenes(ours) == scenes(original)
    assert said(ours) == said(original)
    assert [s.characters for s in ours.scenes] == [s.characters for s in original.scenes]


@needs_corpus
def test_brick_and_steel_in_detail() -> None:
    script = read_script((DATA / "Brick-and-Steel.fdx").read_bytes(), "Brick-and-Steel.fdx")
    assert len(script.scenes) == 8
    first = script.scenes[0]
    # Styled runs are one paragraph; lines inside a paragraph stay lines.
    assert (
        "And then there's a long beat.\nLonger than is funny.\nLong enough to be depressing." in first.action
    )
    # Dual dialogue: the second speaker speaks at the same time as the first.
    screw = [ln for ln in first.dialogue if ln.text == "Screw retirement."]
    assert [(ln.character, ln.dual) for ln in screw] == [("STEEL", False), ("BRICK", True)]
    dan = next(ln for s in script.scenes for ln in s.dialogue if ln.character == "DAN")
    assert dan.text == "Then let's retire them. Permanently."  # two Dialogue paragraphs, one speech
    pool = script.scenes[2]
    assert [ln.parenthetical for ln in pool.dialogue] == ["", "pause", "pause"]


@needs_corpus
@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.fountain")) if CORPUS.is_dir() else [])
def test_every_corpus_script_exported_by_screenplain_reads_as_its_fountain(name: str) -> None:
    """screenplain (PyPI) writes Final Draft files; what it understood of each script, we read back."""
    parser = pytest.importorskip("screenplain.parsers.fountain")
    from screenplain.export.fdx import to_fdx

    with codecs.open(str(CORPUS / name), "r", "utf-8-sig") as stream:
        screenplay = parser.parse(stream)
    out = io.StringIO()
    to_fdx(screenplay, out)
    exported = read_script(out.getvalue().encode(), Path(name).with_suffix(".fdx").name)
    original = read_script((CORPUS / name).read_bytes(), name)
    if name == "afterwriting_japanese_fullwidth.fountain":
        # screenplain knows neither the full-width heading (INT。) nor the cue: its export is all action.
        assert len(exported.scenes) == 1 and not said(exported)
        return
    if name == "afterwriting_kitchen_sink_test.fountain":
        # screenplain reads the indented title page as action: an opening scene before the first heading.
        assert (
            exported.scenes[0].heading == "AFTERWRITING KITCHEN SINK TEST" and not exported.scenes[0].dialogue
        )
        exported = Script(exported.title, exported.scenes[1:])
    assert [s.heading for s in exported.scenes] == [s.heading for s in original.scenes]
    assert said(exported) == said(original)


FINAL_DRAFT_LAYOUT = fdx(
    p("Action", "FADE IN:") + '<Paragraph Type="Scene Heading" Number="12A">'
    '<SceneProperties Length="4/8" Page="1" Title="Gold key"><SceneArcBeats>'
    '<CharacterArcBeat Name="MARA"><Paragraph><Text>Mara wants the key.</Text></Paragraph>'
    "</CharacterArcBeat></SceneArcBeats></SceneProperties>"
    "<Text>INT. HOME LIBRARY - NIGHT</Text></Paragraph>"
    + '<Paragraph Type="Action"><Text>Light </Text><Text Style="Italic">glinting</Text>'
    "<Text> off the_key *twice*.</Text></Paragraph>"
    + p("Character", "MARA (V.O.)")
    + p("Parenthetical", "(quietly)")
    + p("Dialogue", "It was here.")
    + p("Parenthetical", "beat")  # without its brackets, as some tools write it
    + p("Dialogue", "All along.")
    + p("Shot", "CLOSE ON THE KEY")
    + p("Cast List", "MARA, BEN")  # a type of a template of its own: read as action
    + "<Paragraph><DualDialogue>"
    + p("Character", "MARA")
    + p("Dialogue", "Now!")
    + p("Character", "BEN")
    + p("Dialogue", "Now!")
    + "</DualDialogue></Paragraph>"
    + p("Transition", "CUT TO:")
    + p("Scene Heading", "EXT. GARDEN - DAY", Number="13")
    + p("Character", "BEN")
    + p("Dialogue", "Caf\u00e9 &amp; cr\u00e8me &lt;br&gt;.")
    + p("Transition", "FADE OUT."),
    title_page=(
        "<TitlePage><HeaderAndFooter><Header><Paragraph><Text>1.</Text></Paragraph></Header></HeaderAndFooter>"
        "<Content>"
        + p("General", "THE GOLD KEY")
        + p("General", "")
        + p("General", "Written by")
        + p("General", "Ana Ruiz")
        + p("General", "ana@example.org")
        + "</Content></TitlePage>"
        '<ElementSettings Type="Action"><FontSpec Font="Courier Final Draft"/></ElementSettings>'
        "<Outline><Content>" + p("Beat", "Not on the page.") + "</Content></Outline>"
        "<SmartType><Characters><Character>MARA</Character></Characters></SmartType>"
    ),
)


def test_the_layout_final_draft_writes() -> None:
    script = read_script(FINAL_DRAFT_LAYOUT, "gold-key.fdx")
    assert script.title == "THE GOLD KEY"
    assert script.title_page == {
        "Title": "THE GOLD KEY",
        "Credit": "Written by",
        "Author": "Ana Ruiz",
        "Contact": "ana@example.org",
    }
    library, garden = script.scenes
    assert (
        library.heading,
        library.scene_number,
        library.location,
        library.time_of_day,
        library.interior,
    ) == (
        "INT. HOME LIBRARY - NIGHT",
        "12A",
        "HOME LIBRARY",
        "NIGHT",
        "INT",
    )
    # The arc beat nested in the heading and the outline's beat are not the script.
    assert "Mara wants the key." not in str(script) and "Not on the page." not in str(script)
    assert library.action == ("Light glinting off the_key *twice*.", "CLOSE ON THE KEY", "MARA, BEN")
    assert [(ln.character, ln.extension, ln.parenthetical, ln.text, ln.dual) for ln in library.dialogue] == [
        ("MARA", "V.O.", "quietly", "It was here.", False),
        ("MARA", "V.O.", "beat", "All along.", False),
        ("MARA", "", "", "Now!", False),
        ("BEN", "", "", "Now!", True),
    ]
    assert library.transition == "CUT TO:"
    assert (garden.scene_number, garden.transition) == ("13", "FADE OUT.")
    assert garden.dialogue[0].text == "Café & crème <br>."
    assert library.characters == ("MARA", "BEN")


def test_a_final_draft_file_is_known_by_its_content_whatever_its_name() -> None:
    assert read_script(FINAL_DRAFT_LAYOUT, "gold-key.xml").format == "final-draft"
    bom = b"\xef\xbb\xbf" + FINAL_DRAFT_LAYOUT
    assert len(read_script(bom, "gold-key.fdx").scenes) == 2


def test_dual_dialogue_file() -> None:
    script = read_script((DATA / "dual-dialogue.fdx").read_bytes(), "dual-dialogue.fdx")
    assert [(ln.character, ln.text, ln.dual) for ln in script.scenes[0].dialogue] == [
        ("GIRL", "Hey!", False),
        ("GUY", "Hello!", True),
    ]


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<FinalDraft><Content><Paragraph Type="Action"><Text>&lol3;</Text></Paragraph></Content></FinalDraft>'
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<FinalDraft><Content><Paragraph Type="Action"><Text>&secret;</Text></Paragraph></Content></FinalDraft>'
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BILLION_LAUGHS, "declares entities or reaches outside the file"),
        (EXTERNAL, "declares entities or reaches outside the file"),
        (FINAL_DRAFT_LAYOUT[:400], "broken XML at line 2"),
        (
            b'<?xml version="1.0"?><html><body>hi</body></html>',
            "not a Final Draft file (it starts with <html>)",
        ),
        (b"<FinalDraft><TitlePage/></FinalDraft>", "without a script in it"),
        (fdx(p("Action", "")), "no scene found; expected paragraphs of a script"),
    ],
)
def test_broken_or_hostile_files_are_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        read_script(data, "bad.fdx")
    assert reason in str(caught.value) and "bad.fdx" in str(caught.value)
