"""A screenplay laid out on the page, as a typewriter wrote it and as `pdftotext -fixed` gives a PDF
back: what each line is, read from how far it is indented.

Screenplay pages keep fixed columns (counted from the left margin, in characters of 12-point Courier):
action and scene headings at 0, dialogue at about 10, parentheticals at about 16, character cues at
about 22, transitions pushed to the right from about 40. The page's own furniture is dropped first:
page numbers, `CONTINUED` lines, and a speech broken across pages by `(MORE)` and a repeated
`NAME (CONT'D)` is joined again. A first page without a scene heading or a speech is the title page.
Paper does not say what Fountain's forcing marks say: an upper-case line alone at the margin is read
as a (secondary) scene heading, as screenwriters use one, and a cue too long for its line is lost.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

from scriptvid.model import Script

from .elements import (
    ACTION,
    CHARACTER,
    DIALOGUE,
    HEADING,
    PARENTHETICAL,
    TRANSITION,
    Part,
    blocks_of,
    build,
    title_page_of,
)
from .fountain import CONTINUED, OPENERS, is_transition, parse_cue
from .fountain import HEADING as HEADING_PREFIX

PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d+[A-Z]?\s*\.?\s*(?:of\s+\d+)?\s*$", re.I)
CONTINUED_LINE = re.compile(r"^\s*\(?\s*CONT(?:INUED|'D|’D)\s*\)?\s*:?\s*(?:\(\s*\d+\s*\))?\s*$", re.I)
MORE = re.compile(r"^\s*\(\s*MORE\s*\)\s*$", re.I)
# A scene number beside a heading, on the left, the right or both: "12   INT. KITCHEN - NIGHT   12".
NUMBERED = re.compile(r"^(\d+[A-Z]{0,2})\.?(?:\s{2,}|\s+(?=INT|EXT|I/E))(\S.*?)(?:\s{2,}\1\.?)?$")
RIGHT_NUMBER = re.compile(r"^(\S.*?)\s{2,}(\d+[A-Z]{0,2})\.?$")
TWO_CUES = re.compile(r"^(\S.*?\S|\S)\s{3,}(\S.*)$")

# Columns past the action margin, in characters: where each element begins.
DIALOGUE_FROM, CUE_FROM, TRANSITION_FROM = 4, 14, 38


@dataclass
class _Line:
    text: str  # without the indentation
    indent: int  # past the action margin


def parse_layout(text: str, fallback_title: str) -> Script:
    """A laid-out screenplay; pages are separated by form feeds."""
    pages = [page.split("\n") for page in text.replace("\r\n", "\n").split("\f")]
    pages = [_without_furniture(lines) for lines in pages]
    pages = [p for p in pages if any(line.strip() for line in p)]
    title_page: dict[str, str] = {}
    if len(pages) > 1 and not _has_script(pages[0]):
        title_page = title_page_of(blocks_of(pages.pop(0)))
    margin = _action_margin([_text_indent(line) for page in pages for line in page if line.strip()])
    if not title_page and pages:
        title_page, pages[0] = _leading_title_page(pages[0], margin)
    body = _joined(pages, margin)
    return build(_parts(body, margin), title_page.get("Title") or fallback_title, title_page, "layout")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _text_indent(line: str) -> int:
    """Where a line's text begins: for a heading with its scene number in the margin, after the number
    (the heading's text lines up with the action, the number stands out to the left)."""
    numbered = NUMBERED.match(line.strip())
    if numbered:
        return line.index(numbered.group(2), _indent(line) + len(numbered.group(1)))
    return _indent(line)


def looks_like_layout(text: str) -> bool:
    """Whether plain text is a screenplay laid out by its columns (a typewriter's, or a PDF's text):
    several character cues indented well past the margin, each over dialogue indented less."""
    lines = [line.rstrip() for line in text.replace("\f", "\n").split("\n")]
    margin = _action_margin([_text_indent(line) for line in lines if line.strip()])
    speeches = sum(
        1
        for cue, below in itertools.pairwise(lines)
        if cue.strip()
        and below.strip()
        and CUE_FROM <= _indent(cue) - margin < TRANSITION_FROM
        and DIALOGUE_FROM <= _indent(below) - margin < _indent(cue) - margin
        and _is_cue(cue.strip())
    )
    return speeches >= 3


def _without_furniture(lines: list[str]) -> list[str]:
    """The page without its page number and CONTINUED lines (at its top and its bottom)."""
    lines = [line.rstrip() for line in lines]
    for edge in (range(len(lines)), range(len(lines) - 1, -1, -1)):
        for i in edge:
            if not lines[i].strip():
                continue
            if PAGE_NUMBER.match(lines[i]) or CONTINUED_LINE.match(lines[i]):
                lines[i] = ""
                continue
            break
    return lines


def _leading_title_page(lines: list[str], margin: int) -> tuple[dict[str, str], list[str]]:
    """A title page on the first page itself (a text file without a page break): the centred lines
    before anything at the margin, when they hold no speech."""
    top = 0
    while top < len(lines) and (not lines[top].strip() or _indent(lines[top]) - margin >= CUE_FROM):
        top += 1
    if top == len(lines) or not any(line.strip() for line in lines[:top]) or _has_script(lines[:top]):
        return {}, lines
    return title_page_of(blocks_of(lines[:top])), lines[top:]


def _has_script(lines: list[str]) -> bool:
    """Whether a page holds a scene heading or a speech: a cue with its dialogue below it, further
    left (a title page holds neither; its centred lines only look like cues)."""
    rows = [(line.strip(), len(line) - len(line.lstrip())) for line in lines]
    if any(HEADING_PREFIX.match(text) for text, _ in rows):
        return True
    return any(
        _is_cue(text) and nxt and not nxt.isupper() and nxt_indent < indent
        for (text, indent), (nxt, nxt_indent) in itertools.pairwise(rows)
    )


def _joined(pages: list[list[str]], margin: int) -> list[str]:
    """The pages as one run of lines: a speech that a page break cut (`(MORE)` at the bottom and
    `NAME (CONT'D)` at the top of the next, or, from tools that mark neither, dialogue going on at
    the top of the next page) joined again; other breaks are paragraph breaks."""

    def in_dialogue(line: str) -> bool:
        return DIALOGUE_FROM <= _indent(line) - margin < CUE_FROM

    out: list[str] = []
    for page in pages:
        lines = _trimmed(page)
        if out and MORE.match(out[-1]):
            out.pop()
            if lines and _is_cue(lines[0].strip()) and _continued(lines[0]):
                lines = lines[1:]  # the same speech goes on
        elif out and not (lines and in_dialogue(out[-1]) and in_dialogue(lines[0])):
            out.append("")
        out += lines
    return out


def _trimmed(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _continued(line: str) -> bool:
    return any(word in line.upper() for word in CONTINUED)


def _is_cue(text: str) -> bool:
    cue = parse_cue(text)
    return cue is not None and text.upper() == text and not is_transition(text) and len(text) <= 60


def _parts(lines: list[str], margin: int) -> list[Part]:
    """The elements the lines make, by their columns past the action margin."""
    rows = [
        _Line(line.strip(), len(line) - len(line.lstrip()) - margin) if line.strip() else None
        for line in lines
    ]
    # The width action wraps at: nearly the longest action line (a stray longer one, a heading in
    # the margin or a wide title, does not count).
    lengths = sorted(len(r.text) for r in rows if r is not None and 0 <= r.indent < DIALOGUE_FROM)
    width = lengths[int(len(lengths) * 0.95)] if lengths else 60
    parts: list[Part] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if row is None:
            i += 1
            continue
        block = []
        while i < len(rows) and (current := rows[i]) is not None:
            block.append(current)
            i += 1
        parts += _block_parts(block, width)
    return parts


def _action_margin(indents: list[int]) -> int:
    """The action column: the leftmost indentation that many lines share (a stray line further left,
    a scene number in the margin, does not move it)."""
    if not indents:
        return 0
    counts = Counter(indents)
    common = [i for i, n in counts.items() if n >= max(2, len(indents) // 50)]
    return min(common or indents)


def _block_parts(block: list[_Line], width: int) -> list[Part]:
    """One paragraph of the page (lines between blank lines)."""
    first = block[0]
    if first.indent >= DIALOGUE_FROM and len(block) > 1 and block[1].indent < first.indent:
        two = TWO_CUES.match(first.text)
        if two and _is_cue(two.group(1)) and _is_cue(two.group(2)) and first.indent < CUE_FROM:
            return _dual(block)  # two speeches side by side, each cue over its own half
        if first.indent >= CUE_FROM and _is_cue(first.text):
            return [Part(CHARACTER, first.text), *_speech(block[1:])]
    if first.indent < DIALOGUE_FROM:
        # An INT./EXT. heading too long for its line goes on, in capitals, on the next.
        take = 1
        if HEADING_PREFIX.match(first.text):
            while take < len(block) and block[take].indent < DIALOGUE_FROM and block[take].text.isupper():
                take += 1
        heading = _heading(" ".join(r.text for r in block[:take]), alone=take == len(block))
        if heading is not None:
            rest = _block_parts(block[take:], width) if len(block) > take else []
            return [Part(HEADING, heading[0], heading[1]), *rest]
    if (
        len(block) == 1
        and first.text.isupper()
        and (first.indent >= TRANSITION_FROM or is_transition(first.text))
    ):
        return [Part(TRANSITION, first.text)]
    return [Part(ACTION, _unwrapped([r.text for r in block], width))]


def _heading(text: str, alone: bool) -> tuple[str, str] | None:
    """(heading, scene number) when the line is a scene heading: INT./EXT. and the like; an upper-case
    line with a scene number in the margin (scripts in other languages number their headings); or,
    `alone` on its line at the action margin, an upper-case line that is not a transition: a secondary
    heading (SNIPER SCOPE POV, BACK IN THE APARTMENT), which action in sentence case never is."""
    numbered = NUMBERED.match(text)
    if (
        numbered
        and numbered.group(2).upper() == numbered.group(2)
        and any(c.isalpha() for c in numbered.group(2))
    ):
        return numbered.group(2).strip(), numbered.group(1)
    right = RIGHT_NUMBER.match(text)
    if right and (HEADING_PREFIX.match(text) or alone):
        text, number = right.group(1), right.group(2)
    else:
        number = ""
    if HEADING_PREFIX.match(text) or (
        alone
        and text.upper() == text
        and any(c.isalpha() for c in text)
        and not is_transition(text)
        and not text.endswith(OPENERS)  # FADE IN:, INTERCUT WITH:
    ):
        return text, number
    return None


def _speech(rows: list[_Line]) -> list[Part]:
    """A cue's parentheticals and dialogue (a parenthetical may run over several lines)."""
    parts: list[Part] = []
    in_paren = False
    for row in rows:
        if in_paren or row.text.startswith("("):
            if in_paren and parts:
                parts[-1] = Part(PARENTHETICAL, parts[-1].text + " " + row.text)
            else:
                parts.append(Part(PARENTHETICAL, row.text))
            in_paren = not parts[-1].text.endswith(")")
        elif parts and parts[-1].kind == DIALOGUE:
            parts[-1] = Part(DIALOGUE, parts[-1].text + " " + row.text)
        else:
            parts.append(Part(DIALOGUE, row.text))
    return parts


def _dual(block: list[_Line]) -> list[Part]:
    """Two speeches side by side: the right one starts as far left of its cue as the left one does."""
    raw_cue = " " * block[0].indent + block[0].text
    two = TWO_CUES.match(block[0].text)
    assert two is not None
    right_cue = raw_cue.index(two.group(2), block[0].indent + len(two.group(1)))
    offset = block[0].indent - min(r.indent for r in block[1:])
    split = max(right_cue - offset - 1, 0)
    left: list[_Line] = []
    right: list[_Line] = []
    for row in block[1:]:
        raw = " " * row.indent + row.text
        for side, text in ((left, raw[:split]), (right, raw[split:])):
            if text.strip():
                side.append(_Line(text.strip(), 0))
    return [
        Part(CHARACTER, two.group(1)),
        *_speech(left),
        Part(CHARACTER, two.group(2), dual=True),
        *_speech(right),
    ]


def _unwrapped(lines: list[str], width: int) -> str:
    """An action paragraph's lines as written: a line the page wrapped is joined to the next; one that
    ends where the next word would still have fitted was ended by its writer."""
    text = lines[0]
    for previous, line in itertools.pairwise(lines):
        next_word = line.split()[0]
        hard = len(previous) + 1 + len(next_word) <= width - 2
        text += ("\n" if hard else " ") + line
    return text
