"""Fountain 1.1 (https://fountain.io/syntax) into a `Script`.

Notes and boneyard are cut out of the text first, the title page is read off the top, and the rest is
split into paragraphs (runs of lines between blank lines). Each paragraph is one Fountain element or one
dialogue block, and a small state machine folds the elements into scenes.

A few helpers here (`plain`, `normalize_name`, `characters_in_order`) are shared with `loose.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from scriptvid.model import Line, Scene, Script

NOTE_LINE = re.compile(r"^[ \t]*\[\[(?:(?!\]\]).)*\]\][ \t]*\n", re.S | re.M)
NOTE = re.compile(r"\[\[(?:(?!\]\]).)*\]\]", re.S)
BONEYARD_TOKEN = re.compile(r"/\*|\*/")

TITLE_KEY = re.compile(r"^([^\W\d_](?:[^\W\d_]| )*?)[ \t]*[:：][ \t]*(.*)$")
# The title page's keys as German, French, Spanish and Italian scripts write them, by their Fountain names.
TRANSLATED_KEYS = {
    **dict.fromkeys(("titel", "titre", "título", "titulo", "titolo"), "Title"),
    **dict.fromkeys(("autor", "autorin", "auteur", "autrice", "autore"), "Author"),
    **dict.fromkeys(("autoren", "auteurs", "autores", "autori"), "Authors"),
}
# Only these open a title page, so that a script starting with "FADE IN:" is not read as one.
TITLE_PAGE_KEYS = frozenset(
    {"title", "credit", "author", "authors", "source", "draft date", "date", "contact", "copyright", "notes"}
    | TRANSLATED_KEYS.keys()
)

HEADING = re.compile(r"^(INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT|EST)(?:[.。]\s*|\s+)(?=\S)", re.I)
# Inside and outside as scripts in other languages write them (INTÉRIEUR, INNEN, EXTERIOR, ESTERNO ...).
WORLD_PLACE = re.compile(
    r"^(?:(INTÉRIEUR|INTERIEUR|INTERIOR|INTERNO|INNEN)|(EXTÉRIEUR|EXTERIEUR|EXTERIOR|ESTERNO|AUSSEN|AUẞEN))"
    r"(?:\.\s*|\s+)(?=\S)"
)
# A numbered heading without INT. or EXT. (`12   KÜCHE - NACHT`, `4. CAFÉ – JOUR`), the number
# maybe repeated at the end.
NUMBERED_HEADING = re.compile(r"^(\d{1,4}[A-Z]{0,2})\.?\s+(\S.*?)(?:\s+\1\.?)?$")
SCENE_NUMBER = re.compile(r"\s*#([A-Za-z0-9.\-]+)#\s*$")
SPACED_DASH = re.compile(r"\s+(?:-{1,2}|–|—)\s+")
BARE_DASH = re.compile(r"[-–—]")
COMMA = re.compile(r",\s*")
WORD = re.compile(r"\w+")
# A heading part after a comma or an unspaced dash is a time of day only if it says so; after a spaced
# dash it always is (that is the convention), so "GALLERY, SOUTH OF MARKET" keeps its comma.
TIME_WORDS = {
    *("DAY", "NIGHT", "MORNING", "EVENING", "AFTERNOON", "DUSK", "DAWN", "SUNSET", "SUNRISE", "NOON"),
    *("MIDNIGHT", "TWILIGHT", "LATER", "SAME", "CONTINUOUS", "CONTINUED", "MOMENT", "MOMENTS", "TIME"),
    *("日", "夜", "朝", "昼", "夕", "夕方", "深夜"),
}

CUE = re.compile(r"^(@?)([^(（^]+?)\s*((?:[(（][^)）]*[)）]\s*)*)(\^?)\s*$")
EXTENSION = re.compile(r"[(（]\s*([^)）]*?)\s*[)）]")
CONTINUED = frozenset({"CONT'D", "CONT’D", "CONTD", "CONT.", "CONTINUED", "CONTINUING"})
PAGE_BREAK = re.compile(r"^={3,}$")
# Not transitions by the spec's "ends in TO:" rule, but what every writer means by them.
CLOSING_TRANSITIONS = {"FADE OUT.", "FADE OUT", "FADE TO BLACK.", "CUT TO BLACK.", "フェードアウト。"}
OPENERS = (":", "：")
PAREN_OPEN = ("(", "（")
NOT_A_CUE = "!>~=#."  # a line starting with these is forced into another element
PAREN_CLOSE = (")", "）")

ESCAPES = {"\\*": "\ue000", "\\_": "\ue001"}
STARS = re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1")
UNDERLINE = re.compile(r"_(?=\S)(.+?)(?<=\S)_")


def plain(text: str) -> str:
    """Text without Fountain/Markdown emphasis (`*`, `**`, `***`, `_`), honouring `\\*` and `\\_`."""
    for escape, placeholder in ESCAPES.items():
        text = text.replace(escape, placeholder)
    # Markers may nest and even overlap (`_**a_**`), so peel them until nothing changes.
    previous = None
    while previous != text and ("*" in text or "_" in text):
        previous = text
        text = UNDERLINE.sub(r"\1", STARS.sub(r"\2", text))
    for escape, placeholder in ESCAPES.items():
        text = text.replace(placeholder, escape[1])
    return text


def normalize_name(name: str) -> str:
    """One spelling per character: spaces collapsed, upper case (a no-op for CJK and emoji)."""
    return " ".join(name.split()).upper()


def characters_in_order(
    events: Iterable[tuple[bool, str]], mentions: re.Pattern[str] | None
) -> tuple[str, ...]:
    """Speakers and known characters named in action, in order of first appearance.

    `events` are (is_speaker, text) in script order: a speaker's normalised name, or an action
    paragraph searched with `mentions` for the names of characters who speak somewhere in the script.
    """
    seen: dict[str, None] = {}
    for is_speaker, text in events:
        if is_speaker:
            seen.setdefault(text)
        elif mentions is not None:
            for match in mentions.finditer(text):
                seen.setdefault(normalize_name(match.group(0)))
    return tuple(seen)


def mentions_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A regex that finds any of `names` as a whole word, longest first; None when there are none."""
    unique = sorted({n for n in names if len(n) > 1}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in unique) + r")(?!\w)")


def split_heading(text: str) -> tuple[str, str]:
    """("BRICK'S PATIO", "DAY") from "BRICK'S PATIO - DAY"; the time of day is "" when none is given."""
    dashes = list(SPACED_DASH.finditer(text))
    if dashes:
        return _place(text[: dashes[-1].start()]), text[dashes[-1].end() :].strip().upper()
    for separator in (BARE_DASH, COMMA):
        cuts = list(separator.finditer(text))
        if cuts:
            tail = text[cuts[-1].end() :].strip()
            if TIME_WORDS.intersection(WORD.findall(tail.upper())):
                return _place(text[: cuts[-1].start()]), tail.upper()
    return _place(text), ""


def _place(text: str) -> str:
    return text.strip().rstrip(" ,.;:").strip()


def strip_notes_and_boneyard(text: str) -> str:
    """Text without `/* boneyard */` (nested too) and `[[notes]]`.

    A note or boneyard that fills whole lines takes its line break with it, so a note between a
    character cue and the dialogue does not split the dialogue block.
    """
    if "/*" in text:
        text = _strip_boneyard(text)
    if "[[" in text:
        text = NOTE.sub("", NOTE_LINE.sub("", text))
    return text


def _strip_boneyard(text: str) -> str:
    kept: list[str] = []
    start = 0  # where the text being kept begins
    for opened, closed in boneyard_spans(text):
        kept.append(text[start:opened])
        if closed is None:  # an unclosed boneyard runs to the end: the writer commented out the rest
            return "".join(kept)
        start = closed
        if text.startswith("\n", start) and (not kept[-1] or kept[-1].endswith("\n")):
            start += 1
    kept.append(text[start:])
    return "".join(kept)


def boneyard_spans(text: str) -> list[tuple[int, int | None]]:
    """Where each outermost /* ... */ starts and ends (None: never closed)."""
    spans: list[tuple[int, int | None]] = []
    depth, start = 0, 0
    for token in BONEYARD_TOKEN.finditer(text):
        if token.group(0) == "/*":
            if depth == 0:
                start = token.start()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                spans.append((start, token.end()))
    if depth > 0:
        spans.append((start, None))
    return spans


def read_title_page(lines: list[str]) -> tuple[dict[str, str], int]:
    """The title page at the top of `lines` and the index where the script body begins."""
    top = 0
    while top < len(lines) and not lines[top].strip():
        top += 1
    first = TITLE_KEY.match(lines[top]) if top < len(lines) else None
    if first is None or first.group(1).lower() not in TITLE_PAGE_KEYS:
        return {}, 0
    values: dict[str, list[str]] = {}
    key = ""
    index = top
    while index < len(lines) and lines[index].strip():
        line = lines[index]
        match = None if line[:1] in (" ", "\t") else TITLE_KEY.match(line)
        if match:
            key = match.group(1).strip()
            key = TRANSLATED_KEYS.get(key.lower(), key)
            values[key] = [match.group(2)]
        elif key:  # an indented continuation line (multi-line values are tab- or space-indented)
            values[key].append(line)
        index += 1
    page = {k: "\n".join(plain(v.strip()) for v in vs if v.strip()) for k, vs in values.items()}
    return {k: v for k, v in page.items() if v}, index


def paragraphs(lines: Iterable[str]) -> Iterator[list[str]]:
    """Runs of non-blank lines. A line of exactly two spaces keeps a paragraph going (Fountain spec)."""
    block: list[str] = []
    for line in lines:
        if line.strip():
            block.append(line)
        elif line == "  " and block:
            block.append("")
        elif block:
            yield block
            block = []
    if block:
        yield block


@dataclass
class Draft:
    """A scene while it is being read; frozen into a `Scene` at the end."""

    heading: str
    location: str = ""
    time_of_day: str = ""
    interior: str = ""
    scene_number: str = ""
    section: str = ""
    action: list[str] = field(default_factory=list)
    dialogue: list[Line] = field(default_factory=list)
    events: list[tuple[bool, str]] = field(default_factory=list)
    transition: str = ""
    synopses: list[str] = field(default_factory=list)

    def add_action(self, text: str) -> None:
        if text:
            self.action.append(text)
            self.events.append((False, text))

    def add_line(self, line: Line) -> None:
        self.dialogue.append(line)
        self.events.append((True, line.character))

    def freeze(self, number: int, mentions: re.Pattern[str] | None) -> Scene:
        return Scene(
            number=number,
            heading=self.heading,
            location=self.location,
            time_of_day=self.time_of_day,
            interior=self.interior,
            action=tuple(self.action),
            characters=characters_in_order(self.events, mentions),
            dialogue=tuple(self.dialogue),
            transition=self.transition,
            scene_number=self.scene_number,
            synopsis=" ".join(self.synopses),
            section=self.section,
        )


@dataclass(frozen=True)
class _Cue:
    name: str
    extension: str
    dual: bool


def parse_cue(line: str) -> _Cue | None:
    """The character cue on `line`, or None if it cannot be one (upper case or `@`-forced)."""
    match = CUE.match(line.strip())
    if match is None:
        return None
    forced, name, extensions, dual = match.groups()
    name = name.strip()
    if not forced and (
        name != name.upper()
        or not any(c.isalpha() for c in name)
        or name.endswith(OPENERS)
        or name[0] in NOT_A_CUE
    ):
        return None
    found = [e for e in EXTENSION.findall(extensions) if e]
    # CONT'D says nothing a viewer hears; drop it when a more telling extension (V.O.) is there.
    telling = [e for e in found if e.upper() not in CONTINUED]
    return _Cue(normalize_name(name), ", ".join(telling or found), bool(dual))


def dialogue_lines(cue: _Cue, lines: list[str]) -> tuple[list[Line], list[str]]:
    """The Lines of one dialogue block, and parentheticals left over at its end (they are action).

    A parenthetical applies to the text after it, so a block with parentheticals in the middle
    becomes one Line per parenthetical. Line breaks inside a speech become spaces.
    """
    result: list[Line] = []
    parenthetical = ""
    paren_parts: list[str] = []
    speech: list[str] = []

    def say(text: str, how: str) -> None:
        result.append(Line(cue.name, text, how, cue.extension, cue.dual))

    for raw in lines:
        text = raw.strip()
        if PAGE_BREAK.match(text) and not paren_parts:
            continue  # `===` right under a speech (as Fade In writes it): a page break, not words
        if paren_parts:  # inside a parenthetical that spans lines
            paren_parts.append(text)
            if text.endswith(PAREN_CLOSE):
                parenthetical, paren_parts = _unwrap(" ".join(paren_parts)), []
        elif text.startswith(PAREN_OPEN):
            if speech:
                say(" ".join(plain(" ".join(speech)).split()), parenthetical)
                speech, parenthetical = [], ""
            if text.endswith(PAREN_CLOSE):
                parenthetical = _unwrap(text)
            else:
                paren_parts = [text]
        elif text.startswith("~"):
            if speech:
                say(" ".join(plain(" ".join(speech)).split()), parenthetical)
                speech, parenthetical = [], ""
            say(plain(text[1:].strip()), parenthetical or "singing")
            parenthetical = ""
        elif text:
            speech.append(text)
    if speech:
        say(" ".join(plain(" ".join(speech)).split()), parenthetical)
        parenthetical = ""
    leftover = [p for p in (parenthetical, _unwrap(" ".join(paren_parts)) if paren_parts else "") if p]
    return result, leftover


def _unwrap(text: str) -> str:
    return plain(text.strip().lstrip("(（").rstrip(")）").strip())


def heading_draft(text: str, number: str = "") -> Draft:
    """A new scene from its heading line (without a forcing dot)."""
    marked = SCENE_NUMBER.search(text)
    if marked:
        text, number = text[: marked.start()], marked.group(1)
    heading = " ".join(plain(text).split()).upper()
    prefix = HEADING.match(heading)
    world = WORLD_PLACE.match(heading)
    interior = ""
    place = heading
    if prefix:
        kind = prefix.group(1).upper()
        interior = "INT/EXT" if "/" in kind else ("INT" if kind == "INT" else "EXT")
        place = heading[prefix.end() :]
    elif world:
        interior = "INT" if world.group(1) else "EXT"
        place = heading[world.end() :]
    location, time_of_day = split_heading(place)
    return Draft(heading, location, time_of_day, interior, number)


def world_heading(line: str) -> tuple[str, str] | None:
    """(heading, scene number) of a line alone in its paragraph that a reader in any language takes
    for a scene heading though Fountain would not: in capitals, and numbered with a place and a time
    (`12   KÜCHE - NACHT`) or opening with another language's INT./EXT. (`INTÉRIEUR CAFÉ - JOUR`).
    An action line in capitals (`3 MEN RUN IN.`) has no spaced dash and no such word."""
    text = plain(line.strip())
    if not text or text != text.upper() or not any(c.isalpha() for c in text):
        return None
    if WORLD_PLACE.match(text):
        return text, ""
    numbered = NUMBERED_HEADING.match(text)
    if numbered and SPACED_DASH.search(numbered.group(2)) and not numbered.group(2).endswith(":"):
        return numbered.group(2), numbered.group(1)
    return None


class _Reader:
    """The state machine: feeds paragraphs, keeps the current scene, the sections and pending synopses."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.drafts: list[Draft] = []
        self.sections: list[tuple[int, str]] = []
        self.pending_synopses: list[str] = []
        self.after_section = False  # a synopsis right after a section describes what comes next

    @property
    def current(self) -> Draft:
        if not self.drafts:  # action or dialogue before the first heading: an opening scene
            self.start_scene(Draft(self.title.upper()))
        return self.drafts[-1]

    def start_scene(self, draft: Draft) -> None:
        draft.section = self.sections[-1][1] if self.sections else ""
        draft.synopses = self.pending_synopses
        self.drafts.append(draft)
        self.pending_synopses = []
        self.after_section = False

    def feed(self, block: list[str]) -> None:
        first = block[0].strip()
        if len(block) == 1 and (world := world_heading(first)) is not None:
            self.start_scene(heading_draft(*world))
            return
        if len(block) == 1 and self.single(first):
            return
        if HEADING.match(first):
            # Lenient: the spec wants a blank line after a heading, but people often leave it out.
            self.start_scene(heading_draft(first))
            if len(block) > 1:
                self.feed(block[1:])
            return
        cue = parse_cue(first) if len(block) > 1 else None
        if cue is not None:
            lines, leftover = dialogue_lines(cue, block[1:])
            scene = self.current
            for line in lines:
                scene.add_line(line)
            for text in leftover:
                scene.add_action(text)
            return
        self.current.add_action("\n".join(_action_line(line.strip()) for line in block))

    def single(self, text: str) -> bool:
        """Handle a one-line paragraph that is an element of its own; False if it is not one."""
        if PAGE_BREAK.match(text):
            return True
        if text.startswith("#"):
            self.section(text)
        elif text.startswith("=") and not text.startswith("=="):
            self.synopsis(plain(text[1:].strip()))
        elif text.startswith(">") and text.endswith("<"):
            self.current.add_action(plain(text[1:-1].strip()))
        elif text.startswith(">"):
            self.transition(plain(text[1:].strip()))
        elif text.startswith(".") and not text.startswith(".."):
            self.start_scene(heading_draft(text[1:].strip()))
        elif is_transition(text):
            self.transition(text)
        elif not self.drafts and text.endswith(OPENERS) and text == text.upper():
            pass  # "FADE IN:" before the first scene opens the film; it is not a scene
        else:
            return False
        return True

    def section(self, text: str) -> None:
        depth = len(text) - len(text.lstrip("#"))
        title = plain(text.strip("#").strip())
        while self.sections and self.sections[-1][0] >= depth:
            self.sections.pop()
        self.sections.append((depth, title))
        self.after_section = True

    def synopsis(self, text: str) -> None:
        if self.drafts and not self.after_section:
            self.drafts[-1].synopses.append(text)
        else:
            self.pending_synopses.append(text)

    def transition(self, text: str) -> None:
        # A transition before any scene (FADE IN:, HERE WE GO:) leads into the film, not out of a scene.
        if self.drafts:
            self.drafts[-1].transition = text


def is_transition(text: str) -> bool:
    return text == text.upper() and (text.endswith("TO:") or text in CLOSING_TRANSITIONS)


def _action_line(text: str) -> str:
    """One line of an action paragraph: forced `!`, centered `> <` and lyric `~` markers removed."""
    if text.startswith("!"):
        text = text[1:]
    elif text.startswith(">") and text.endswith("<"):
        text = text[1:-1].strip()
    elif text.startswith("~"):
        text = "♪ " + text[1:].strip()
    return plain(text)


def parse_fountain(text: str, fallback_title: str) -> Script:
    """A Fountain script; `fallback_title` names it when it has no title page."""
    lines = strip_notes_and_boneyard(text).split("\n")
    title_page, body = read_title_page(lines)
    title = " ".join(title_page.get("Title", "").split()) or fallback_title
    reader = _Reader(title)
    for block in paragraphs(lines[body:]):
        reader.feed(block)
    speakers = (line.character for draft in reader.drafts for line in draft.dialogue)
    mentions = mentions_pattern(speakers)
    scenes = tuple(draft.freeze(n, mentions) for n, draft in enumerate(reader.drafts, start=1))
    return Script(title=title, scenes=scenes, title_page=title_page, format="fountain")
