"""Final Draft (`.fdx`) into a `Script`.

An FDX file is XML: `<FinalDraft><Content>` holds the script as `<Paragraph Type="…">` elements in
order, each with its words in `<Text>` runs (one run per style), a scene heading's number in its
`Number` attribute, and dual dialogue as a `<DualDialogue>` inside a paragraph. `<TitlePage>` holds
the title page as centred paragraphs. Beside them Final Draft keeps what is not the script: element
settings, SmartType lists, and with the Beat Board an `<Outline>` with `<Content>` of its own and arc
beats nested inside scene headings; none of that is read.

The XML is read with defusedxml: a file that declares entities (the "billion laughs") or reaches for
external ones is refused, never expanded. The scenes are built with the Fountain reader's parts
(headings, cues with their extensions, parentheticals), so that one script written in either format
becomes the same scenes.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree

from scriptvid.errors import InputError
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

CREDIT = re.compile(r"^(?:(?:original\s+)?(?:screenplay|story|teleplay|written)\s+)?by\b", re.I)
# Paragraph types that are action on screen; any other type (a template's own) is read as action too.
DIALOGUE_PARTS = ("Parenthetical", "Dialogue")


def parse_fdx(data: bytes, name: str, fallback_title: str) -> Script:
    """A Final Draft file's bytes; `name` is its file name (for errors)."""
    root = _read_xml(data, name)
    content = root.find("Content")
    if content is None:
        raise InputError("is a Final Draft file without a script in it (no <Content>)", file=name)
    title_page = read_title_page(root)
    title = title_page.get("Title") or fallback_title
    drafts: list[Draft] = []

    def current() -> Draft:
        if not drafts:  # action or dialogue before the first heading: an opening scene
            drafts.append(Draft(title.upper()))
        return drafts[-1]

    paragraphs = list(_paragraphs(content))
    i = 0
    while i < len(paragraphs):
        kind, text, paragraph, dual = paragraphs[i]
        i += 1
        if kind == "Scene Heading":
            if text.strip():
                draft = heading_draft(_literal(text))
                draft.scene_number = paragraph.get("Number", "").strip() or draft.scene_number
                drafts.append(draft)
        elif kind == "Character" and (cue := parse_cue("@" + _literal(" ".join(text.split())))):
            block = []
            while i < len(paragraphs) and paragraphs[i][0] in DIALOGUE_PARTS:
                part_kind, part, _, _ = paragraphs[i]
                part = " ".join(part.split())
                if part_kind == "Parenthetical" and not part.startswith(PAREN_OPEN):
                    part = f"({part})"  # (Final Draft adds the brackets as you type; some tools do not)
                block.append(_literal(part))
                i += 1
            if dual:
                cue = dataclasses.replace(cue, dual=True)
            lines, leftover = dialogue_lines(cue, block)
            for line in lines:
                current().add_line(line)
            for left in leftover:
                current().add_action(left)
        elif kind == "Transition" or (kind == "Action" and is_transition(text.strip())):
            # (FADE OUT. typed as action is the transition the Fountain reader makes of it too.)
            if drafts:  # FADE IN: before the first scene leads into the film
                drafts[-1].transition = " ".join(text.split()).upper()
        elif text.strip() and not (not drafts and text.strip().upper() in ("FADE IN:", "FADE IN")):
            current().add_action(text.strip())  # Action, General, Shot, Cast List and the rest
    speakers = (line.character for draft in drafts for line in draft.dialogue)
    mentions = mentions_pattern(speakers)
    scenes = tuple(draft.freeze(n, mentions) for n, draft in enumerate(drafts, start=1))
    return Script(title=title, scenes=scenes, title_page=title_page, format="final-draft")


def looks_like_fdx(data: bytes) -> bool:
    """Whether the bytes are a Final Draft file (whatever the file is called)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"<FinalDraft" in head


def _read_xml(data: bytes, name: str) -> Element:
    try:
        root = defusedxml.ElementTree.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        raise InputError(
            f"is refused: its XML declares entities or reaches outside the file ({type(exc).__name__}), "
            "which no Final Draft file does",
            file=name,
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            f"is not a readable Final Draft file: broken XML at line {line}, column {column + 1} "
            f"({str(exc).split(':')[0]})",
            file=name,
        ) from None
    if root.tag != "FinalDraft":
        raise InputError(f"is XML but not a Final Draft file (it starts with <{root.tag}>)", file=name)
    return root


def _paragraphs(content: Element) -> Iterator[tuple[str, str, Element, bool]]:
    """(type, text, element, dual) of each paragraph in order, those of dual dialogue in their place;
    `dual` marks the paragraphs of the second speaker on (spoken at the same time as the first)."""
    for paragraph in content.findall("Paragraph"):
        duals = paragraph.findall("DualDialogue")
        if not duals:
            yield paragraph.get("Type", "Action"), _text(paragraph), paragraph, False
            continue
        for dual in duals:
            speakers = 0
            for inner in dual.findall("Paragraph"):
                kind = inner.get("Type", "Action")
                speakers += kind == "Character"
                yield kind, _text(inner), inner, speakers > 1


def _text(paragraph: Element) -> str:
    """The paragraph's words: its own `<Text>` runs joined (not the arc beats nested beside them)."""
    return "".join(run.text or "" for run in paragraph.findall("Text")).replace("\r", "")


def _literal(text: str) -> str:
    """FDX text for the Fountain reader's parts, which read `*` and `_` as emphasis: escaped."""
    return text.replace("*", "\\*").replace("_", "\\_")


def read_title_page(root: Element) -> dict[str, str]:
    """Title, Credit, Author and the rest of the title page, from its centred lines as Final Draft
    lays them out: the title first, then "Written by" and the authors; what follows is Contact."""
    lines = [
        " ".join(_text(p).split()) for p in root.findall("TitlePage/Content/Paragraph") if _text(p).strip()
    ]
    if not lines:
        return {}
    page = {"Title": lines[0]}
    rest = lines[1:]
    credit = next((n for n, line in enumerate(rest) if CREDIT.match(line)), None)
    if credit is not None:
        page["Credit"] = rest[credit]
        if credit + 1 < len(rest):
            page["Author"] = rest[credit + 1]
        rest = rest[credit + 2 :]
    if rest:
        page["Contact"] = "\n".join(rest)
    return page
