"""Scenes from a script whose elements are already known: what a Final Draft file marks up and what a
page's layout shows (a PDF, a typewriter-format text). Built with the Fountain reader's parts
(headings, cues with their extensions, parentheticals), so that one script written in any of these
formats becomes the same scenes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from scriptvid.model import Script

from .fountain import (
    PAREN_OPEN,
    Draft,
    dialogue_lines,
    heading_draft,
    is_transition,
    mentions_pattern,
    parse_cue,
)

# The element kinds, as Final Draft names its paragraph types; any other kind is read as action.
HEADING, ACTION, CHARACTER, PARENTHETICAL, DIALOGUE, TRANSITION = (
    "Scene Heading",
    "Action",
    "Character",
    "Parenthetical",
    "Dialogue",
    "Transition",
)
OPENINGS = ("FADE IN:", "FADE IN")
CREDIT = re.compile(r"^(?:(?:original\s+)?(?:screenplay|story|teleplay|written)\s+)?by\b", re.I)


@dataclass(frozen=True)
class Part:
    kind: str
    text: str  # as written; lines of action stay lines
    number: str = ""  # a scene heading's scene number
    dual: bool = False  # a speaker's part spoken at the same time as the previous speaker's


def build(elements: Iterable[Part], title: str, title_page: dict[str, str], format: str) -> Script:
    """The script these elements make, in order."""
    items = list(elements)
    drafts: list[Draft] = []

    def current() -> Draft:
        if not drafts:  # action or dialogue before the first heading: an opening scene
            drafts.append(Draft(title.upper()))
        return drafts[-1]

    i = 0
    while i < len(items):
        item = items[i]
        text = item.text.strip()
        i += 1
        if item.kind == HEADING:
            if text:
                draft = heading_draft(_literal(text))
                draft.scene_number = item.number.strip() or draft.scene_number
                drafts.append(draft)
        elif item.kind == CHARACTER and (cue := parse_cue("@" + _literal(" ".join(text.split())))):
            block = []
            while i < len(items) and items[i].kind in (PARENTHETICAL, DIALOGUE):
                part = " ".join(items[i].text.split())
                if items[i].kind == PARENTHETICAL and not part.startswith(PAREN_OPEN):
                    part = f"({part})"  # (Final Draft adds the brackets as you type; some tools do not)
                block.append(_literal(part))
                i += 1
            if item.dual:
                cue = dataclasses.replace(cue, dual=True)
            lines, leftover = dialogue_lines(cue, block)
            for line in lines:
                current().add_line(line)
            for left in leftover:
                current().add_action(left)
        elif item.kind == TRANSITION or (item.kind == ACTION and is_transition(text)):
            # (FADE OUT. typed as action is the transition the Fountain reader makes of it too; one
            # before the first scene, FADE IN:, leads into the film.)
            if drafts:
                drafts[-1].transition = " ".join(text.split()).upper()
        elif text and not (not drafts and text.upper() in OPENINGS):
            current().add_action(text)  # Action, General, Shot, Cast List and the rest
    speakers = (line.character for draft in drafts for line in draft.dialogue)
    mentions = mentions_pattern(speakers)
    scenes = tuple(draft.freeze(n, mentions) for n, draft in enumerate(drafts, start=1))
    return Script(title=title, scenes=scenes, title_page=title_page, format=format)


def _literal(text: str) -> str:
    """Text for the Fountain reader's parts, which read `*` and `_` as emphasis: escaped."""
    return text.replace("*", "\\*").replace("_", "\\_")


def blocks_of(lines: list[str]) -> list[list[str]]:
    """Lines in blocks, as empty lines separate them, each line's spacing collapsed (a title page)."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(" ".join(line.split()))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def title_page_of(blocks: list[list[str]]) -> dict[str, str]:
    """Title, Credit, Author and Contact from a title page's blocks of lines (runs between blank
    lines), as screenplays lay it out: the title, "Written by" and the author; what follows is
    Contact (the draft date, an address)."""
    lines = [line for block in blocks for line in block]
    if not lines:
        return {}
    credit = next((n for n, line in enumerate(lines) if CREDIT.match(line)), None)
    title = lines[:credit] if credit else blocks[0]
    page = {"Title": " ".join(title)}
    rest = lines[len(title) :]
    if credit is not None:
        page["Credit"] = rest[0]
        if len(rest) > 1:
            page["Author"] = rest[1]
        rest = rest[2:]
    if rest:
        page["Contact"] = "\n".join(rest)
    return page
