"""Why a script that has scene headings gave no scene: the Fountain syntax that took them in."""

from __future__ import annotations

import re

from .fountain import NOTE, boneyard_spans, read_title_page

# A line that reads as a scene heading before any Fountain syntax is applied.
HEADING_LINE = re.compile(r"^[ \t]*(?:\.[^.\s]|(?:INT|EXT|EST|I/E)[./ ])", re.M | re.I)


def what_hides_the_scenes(text: str) -> str | None:
    """Why a script that has scene headings gave no scene: the boneyard, note or title page that took
    them in, with the line it starts on. None when nothing hides them."""
    headings = [m.start() for m in HEADING_LINE.finditer(text)]
    if not headings:
        return None

    def line(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def hidden(start: int, end: int) -> int:
        return sum(start <= p < end for p in headings)

    for start, end in boneyard_spans(text):
        if end is None and hidden(start, len(text)):
            return (
                f"the boneyard opened with /* on line {line(start)} is never closed, so it hides the rest "
                f"of the script ({hidden(start, len(text))} scene headings); close it with */ or remove it"
            )
    for note in NOTE.finditer(text):
        if hidden(note.start(), note.end()):
            return (
                f"the note opened with [[ on line {line(note.start())} closes only on line "
                f"{line(note.end())}, so it hides {hidden(note.start(), note.end())} scene headings; "
                "close it with ]] where it should end"
            )
    for start, end in boneyard_spans(text):
        if end is not None and hidden(start, end) == len(headings):
            return (
                f"the boneyard from line {line(start)} to line {line(end)} (/* ... */) holds every scene "
                "heading of the script; nothing is left to film"
            )
    lines = text.split("\n")
    page, body = read_title_page(lines)
    if page and body and hidden(0, len("\n".join(lines[:body]))) == len(headings):
        return (
            "the title page at the top has no empty line after it, so it takes in the whole script; "
            "leave an empty line between the title page and the first scene"
        )
    return None
