"""PDF screenplays: PDFs that screenplain (PyPI) makes of the corpus scripts read as the same scenes and
dialogue as the Fountain originals (through the real pdftotext); the page's furniture (page numbers,
CONTINUED, a speech broken by (MORE) and CONT'D, scene numbers in the margins) is read as a reader
would; a scan, an encrypted PDF, a PDF of something else and a broken file are refused with the reason."""

from __future__ import annotations

import codecs
import io
import re
import shutil
from pathlib import Path

import pytest

from scriptvid.errors import InputError
from scriptvid.model import Script
from scriptvid.stages.parse.layout import parse_layout
from scriptvid.stages.parse.reader import read_script

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}")
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
EMOJI = re.compile("[\U0001f300-\U0001faff]")


def said(script: Script) -> list[tuple[str, str, str, str, bool]]:
    return [
        (ln.character, ln.extension, ln.parenthetical, ln.text, ln.dual)
        for scene in script.scenes
        for ln in scene.dialogue
    ]


def screenplain_pdf(name: str) -> bytes:
    parser = pytest.importorskip("screenplain.parsers.fountain")
    pytest.importorskip("reportlab")
    from screenplain.export.pdf import to_pdf

    with codecs.open(str(CORPUS / name), "r", "utf-8-sig") as stream:
        screenplay = parser.parse(stream)
    out = io.BytesIO()
    to_pdf(screenplay, out)
    return out.getvalue()


@needs_corpus
@pytest.mark.parametrize("name", ["brick_and_steel.fountain", "the_last_birthday_card.fountain"])
def test_a_pdf_reads_as_its_fountain_original(name: str) -> None:
    ours = read_script(screenplain_pdf(name), name.replace(".fountain", ".pdf"))
    original = read_script((CORPUS / name).read_bytes(), name)
    assert ours.format == "layout"
    assert [(s.heading, s.location, s.time_of_day, s.interior) for s in ours.scenes] == [
        (s.heading, s.location, s.time_of_day, s.interior) for s in original.scenes
    ]
    assert [s.transition for s in ours.scenes] == [s.transition for s in original.scenes]
    assert said(ours) == said(original)  # parentheticals, extensions and dual dialogue too
    assert (ours.title, ours.title_page["Author"]) == (original.title, original.title_page["Author"])


@needs_corpus
def test_emoji_that_the_pdf_cannot_show_are_the_only_difference() -> None:
    name = "fountain_tools_utf8_emoji_scene_numbers.fountain"
    ours = read_script(screenplain_pdf(name), "emoji.pdf")
    original = read_script((CORPUS / name).read_bytes(), name)
    # screenplain's PDF font has no emoji: they are not in the PDF at all.
    assert len(ours.scenes) == len(original.scenes)
    assert [(c, e, p, t) for c, e, p, t, _ in said(ours)] == [
        (EMOJI.sub("", c), e, p, EMOJI.sub("", t)) for c, e, p, t, _ in said(original)
    ]


@needs_corpus
def test_the_kitchen_sink_differs_only_where_paper_cannot_tell() -> None:
    name = "afterwriting_kitchen_sink_test.fountain"
    ours = read_script(screenplain_pdf(name), "sink.pdf")
    original = read_script((CORPUS / name).read_bytes(), name)
    ours_headings = [s.heading for s in ours.scenes]
    # screenplain prints its indented title page as action (an opening scene), and `!INT. ACTION`
    # (Fountain's forced action) looks like a heading on paper.
    assert ours_headings[0] == "SINK" and "INT. ACTION" in ours_headings
    assert [h for h in ours_headings[1:] if h != "INT. ACTION"] == [s.heading for s in original.scenes]
    # A cue longer than its line wraps onto the next, and screenplain prints a lyric (`~`) without its
    # singer: those two speeches are lost; every other is the same.
    lost = [x for x in said(original) if x[0].startswith("VERY VERY") or x[2] == "singing"]
    assert len(lost) == 2
    assert said(ours) == [x for x in said(original) if x not in lost]


PAGES = (
    "                         THE GOLD KEY\n\n"
    "                          Written by\n\n"
    "                           Ana Ruiz\n"
    "\n\n\n\nana@example.org\n"
    "\f                                                                1.\n"
    "FADE IN:\n\n"
    "1    INT. HOME LIBRARY - NIGHT                                   1\n\n"
    "Dust hangs in the lamplight. MARA, forties, turns a page.\n\n"
    "                     MARA\n"
    "               (to herself,\n"
    "                barely audible)\n"
    "          It was here. It was always\n"
    "          here, under the\n"
    "                     (MORE)\n"
    "                                                       (CONTINUED)\n"
    "\f                                                                2.\n"
    "CONTINUED:\n"
    "                     MARA (CONT'D)\n"
    "          floorboards.\n\n"
    "          BEN                          MARA\n"
    "     Now?                         Now.\n\n"
    "                                                        CUT TO:\n\n"
    "2    KÜCHE - NACHT                                               2\n\n"
    "Ben fills the kettle.\n\n"
    "                     BEN (V.O.)\n"
    "          She never slept again.\n\n"
    "                                                      FADE OUT.\n"
)


def test_a_typewritten_page_is_read_by_its_columns() -> None:
    script = parse_layout(PAGES, "gold-key")
    assert script.title_page == {
        "Title": "THE GOLD KEY",
        "Credit": "Written by",
        "Author": "Ana Ruiz",
        "Contact": "ana@example.org",
    }
    library, kitchen = script.scenes
    assert (library.heading, library.scene_number, library.interior) == (
        "INT. HOME LIBRARY - NIGHT",
        "1",
        "INT",
    )
    assert (kitchen.heading, kitchen.scene_number, kitchen.location) == ("KÜCHE - NACHT", "2", "KÜCHE")
    assert library.action == ("Dust hangs in the lamplight. MARA, forties, turns a page.",)
    assert said(script) == [
        # (MORE), the page number, CONTINUED and MARA (CONT'D) dropped: one speech across the pages
        (
            "MARA",
            "",
            "to herself, barely audible",
            "It was here. It was always here, under the floorboards.",
            False,
        ),
        ("BEN", "", "", "Now?", False),
        ("MARA", "", "", "Now.", True),
        ("BEN", "V.O.", "", "She never slept again.", False),
    ]
    assert (library.transition, kitchen.transition) == ("CUT TO:", "FADE OUT.")


def reportlab_pdf(draw: object, **canvas_options: object) -> bytes:
    pytest.importorskip("reportlab")
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, **canvas_options)  # type: ignore[arg-type]
    draw(page)  # type: ignore[operator]
    page.save()
    return out.getvalue()


def scanned(page: object) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    picture = Image.new("L", (200, 100), 255)
    page.drawImage(ImageReader(picture), 72, 500, width=400, height=200)  # type: ignore[attr-defined]


def prose(page: object) -> None:
    for i, line in enumerate(
        ["Minutes of the meeting of 3 March.", "Present: the board.", "Budget approved."]
    ):
        page.drawString(72, 720 - 14 * i, line)  # type: ignore[attr-defined]


def screenplay_page(page: object) -> None:
    page.setFont("Courier", 12)  # type: ignore[attr-defined]
    page.drawString(108, 700, "INT. VAULT - NIGHT")  # type: ignore[attr-defined]
    page.drawString(266, 670, "MARA")  # type: ignore[attr-defined]
    page.drawString(180, 656, "Open it.")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: reportlab_pdf(scanned), "has no text to read: it is a scan"),
        (lambda: reportlab_pdf(screenplay_page, encrypt="secret"), "is an encrypted PDF"),
        (lambda: reportlab_pdf(prose), "does not read as a screenplay"),
        (lambda: b"%PDF-1.4\n%broken beyond repair\n", "is not a readable PDF"),
    ],
)
def test_pdfs_that_are_no_script_are_refused_with_the_reason(make: object, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        read_script(make(), "bad.pdf")  # type: ignore[operator]
    assert reason in str(caught.value) and "bad.pdf" in str(caught.value)


def test_a_pdf_made_by_another_program_reads() -> None:
    script = read_script(reportlab_pdf(screenplay_page), "vault.pdf")
    assert [s.heading for s in script.scenes] == ["INT. VAULT - NIGHT"]
    assert said(script) == [("MARA", "", "", "Open it.", False)]


TYPEWRITTEN = """\
                              DER SCHLÜSSEL

                               Drehbuch von

                               Jonas Weber



1    INNEN. KÜCHE - NACHT                                         1

     Der Wasserkessel pfeift. LENA (40) sitzt am Tisch.

                         LENA
               (leise)
          Er kommt nicht mehr.

                         JONAS
          Doch. Er hat es versprochen.

                                                         SCHNITT:

2    AUSSEN. GARTEN - TAG                                         2

     Regen auf den Blättern.

                         LENA
          Siehst du?
"""


def test_a_typewritten_text_file_in_another_language_is_read_by_its_columns() -> None:
    script = read_script(TYPEWRITTEN.encode(), "der-schluessel.txt")
    assert script.format == "layout"
    # INNEN and AUSSEN are German for INT. and EXT.
    assert [(s.scene_number, s.heading, s.location, s.time_of_day, s.interior) for s in script.scenes] == [
        ("1", "INNEN. KÜCHE - NACHT", "KÜCHE", "NACHT", "INT"),
        ("2", "AUSSEN. GARTEN - TAG", "GARTEN", "TAG", "EXT"),
    ]
    assert said(script) == [
        ("LENA", "", "leise", "Er kommt nicht mehr.", False),
        ("JONAS", "", "", "Doch. Er hat es versprochen.", False),
        ("LENA", "", "", "Siehst du?", False),
    ]
    assert script.scenes[0].transition == "SCHNITT:"
    assert script.title == "DER SCHLÜSSEL"
