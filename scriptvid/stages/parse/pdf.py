"""PDF screenplays: the text with its layout, from poppler's `pdftotext -fixed` (Debian's
poppler-utils), read by layout.py. A PDF is pictures and positioned words, not a script: a scanned
one has no words, an encrypted one will not open, and a PDF of something else reads as no screenplay;
each is said as such."""

from __future__ import annotations

import shutil

from scriptvid import proc
from scriptvid.errors import InputError, StageError
from scriptvid.model import Script

from .layout import parse_layout

# Columns of this many points (12-point Courier's width, a tenth of an inch): every page's lines keep
# their place on the paper (`-layout` alone measures each page from its own leftmost word, so a page
# of dialogue alone would start its dialogue where action starts).
CHARACTER_POINTS = 7.2
PDFTOTEXT_SECONDS = 120.0  # a 200-page script takes about a second
ENCRYPTED = "is an encrypted PDF: save it again without a password"
NO_TEXT = (
    "has no text to read: it is a scan (pictures of pages), which needs OCR first; export the script from "
    "the program it was written in as a PDF, or as .fdx or .fountain"
)


def looks_like_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF-")


def parse_pdf(data: bytes, name: str, fallback_title: str) -> Script:
    script = parse_layout(pdf_text(data, name), fallback_title)
    if not any(scene.dialogue for scene in script.scenes) and not any(s.interior for s in script.scenes):
        raise InputError(
            "does not read as a screenplay: its text has no scene heading (INT./EXT.) and no character's "
            "speech (a name over indented dialogue)",
            file=name,
        )
    return script


def pdf_text(data: bytes, name: str) -> str:
    """The PDF's text, laid out as on its pages, pages separated by form feeds."""
    if shutil.which("pdftotext") is None:
        raise InputError(
            "is a PDF, and reading PDFs needs pdftotext, which is not installed here "
            "(scripts/setup installs it: apt-get install poppler-utils)",
            file=name,
        )
    try:
        out = proc.run(
            ["pdftotext", "-fixed", str(CHARACTER_POINTS), "-enc", "UTF-8", "-", "-"],
            input=data,
            timeout=PDFTOTEXT_SECONDS,
        )
    except StageError as exc:
        if "password" in str(exc).lower():
            raise InputError(ENCRYPTED, file=name) from None
        raise InputError(f"is not a readable PDF ({exc})", file=name) from None
    text = out.decode("utf-8", "replace")
    if not any(c.isalpha() for c in text):
        if b"/Encrypt" in data:
            raise InputError(ENCRYPTED, file=name)
        raise InputError(NO_TEXT, file=name)
    return text
