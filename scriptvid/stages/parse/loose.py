"""What people write that is not Fountain: video scripts, `NAME: line` dialogue and stage plays.

- `parse_labelled`: lines labelled `[NARRATOR]: ...`, `[VISUAL]: ...` or `HOST: ...` under Markdown
  headings. Speaker labels are dialogue, visual labels (VISUAL, B-ROLL, SFX, ...) are action.
- `parse_play`: a stage play in the Project Gutenberg manner: acts and scenes, `Name.  speech` cues,
  `[stage directions]`.

Both read paragraph by paragraph (runs of lines between blank lines) with a small state machine.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from scriptvid.model import Line, Scene, Script

from .fountain import characters_in_order, mentions_pattern, normalize_name, paragraphs, plain

# --- labelled scripts (video scripts and NAME: dialogue) -------------------------------------------

MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
MD_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")
MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MD_LINK_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s+!?\[[^\]]*\]\([^)]*\)\S*$")
MD_CODE = re.compile(r"`([^`]*)`")
BRACKET_LABEL = re.compile(
    r"^(?:[-*+]\s+)?(?:\*\*|__)?\[([^\]]{1,40})\](?:\*\*|__)?\s*[:：]?(?:\*\*|__)?\s*(.*)$"
)
NAME_LABEL = re.compile(
    r"^(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][\w'’.-]*(?: [\w'’.-]+){0,3}?)(?:\*\*|__)?\s*[:：]"
    r"(?:\*\*|__)?\s+(?!//)(\S.*)$"
)
SCENE_LINE = re.compile(r"^(?:SCENE|Scene|ACT|Act)\s+\w+\b.*$")
DATE_SUFFIX = re.compile(r"\s*\(\d{4}-\d{2}-\d{2}\)$")
# Labels that say what we see or hear rather than who speaks; compared without spaces and dashes.
VISUAL_LABELS = {
    *("VISUAL", "VISUALS", "BROLL", "AROLL", "SFX", "SOUND", "SOUNDEFFECT", "MUSIC", "SHOT", "CUT"),
    *("CUTAWAY", "SCENE", "ONSCREEN", "SCREEN", "TEXT", "GRAPHIC", "GRAPHICS", "CAMERA", "FOOTAGE"),
    *("OVERLAY", "LOWERTHIRD", "TRANSITION", "MONTAGE", "ACTION", "SETTING", "ANIMATION", "IMAGE"),
    *("VIDEO", "TITLE", "TITLECARD"),
}
NOTE_LABELS = {"NOTE", "NOTES", "TODO"}  # the writer's notes to themselves, not for the film


@dataclass
class _Shot:
    """A scene of a labelled script while it is being read."""

    heading: str
    action: list[str] = field(default_factory=list)
    dialogue: list[Line] = field(default_factory=list)
    events: list[tuple[bool, str]] = field(default_factory=list)
    visual_last: bool = False  # the last thing added was a visual: the next speech starts a new shot


def _label_key(label: str) -> str:
    return re.sub(r"[^A-Z]", "", label.upper())


def _inline(text: str) -> str:
    """Markdown inline markup removed: links keep their text, code its content, emphasis goes."""
    return " ".join(plain(MD_CODE.sub(r"\1", MD_LINK.sub(r"\1", text))).split())


class _Labelled:
    def __init__(self, speakers: set[str], heading: str) -> None:
        self.speakers = speakers  # NAME: labels trusted as speakers (see `_trusted_speakers`)
        self.title = ""
        self.heading = heading
        self.sections: list[list[_Shot]] = [[]]  # shots grouped by the heading they came under
        self.visual_seen = False

    def new_section(self, heading: str) -> None:
        self.heading = heading
        self.sections.append([])

    def shot(self, for_speech: bool) -> _Shot:
        """The shot to add to: a speech after a visual starts the next shot, which shows something new."""
        shots = self.sections[-1]
        if not shots or (for_speech and shots[-1].visual_last):
            shots.append(_Shot(self.heading))
        return shots[-1]

    def feed(self, block: list[str]) -> None:
        """One paragraph: lines that each start a label, or continue the previous label's text."""
        current: tuple[str, str, list[str]] | None = None  # (kind, who, text parts)
        for raw in block:
            line = raw.strip()
            item = self.classify(line)
            if item is None:
                if current is None:
                    current = ("action", "", [])
                current[2].append(line)
                continue
            if current is not None:
                self.emit(*current)
            current = item
        if current is not None:
            self.emit(*current)

    def classify(self, line: str) -> tuple[str, str, list[str]] | None:
        bracket = BRACKET_LABEL.match(line)
        if bracket:
            key = _label_key(bracket.group(1))
            if key in NOTE_LABELS:
                return ("note", "", [])
            kind = "action" if key in VISUAL_LABELS else "speech"
            return (kind, bracket.group(1), [bracket.group(2)])
        named = NAME_LABEL.match(line)
        if named and _name_of(named.group(1)) in self.speakers:
            key = _label_key(named.group(1))
            kind = "note" if key in NOTE_LABELS else ("action" if key in VISUAL_LABELS else "speech")
            return (kind, named.group(1), [named.group(2)])
        return None

    def emit(self, kind: str, who: str, parts: list[str]) -> None:
        text = _inline(" ".join(parts))
        if kind == "note" or not text:
            return
        if kind == "speech":
            shot = self.shot(for_speech=True)
            name = _name_of(who)
            shot.dialogue.append(Line(name, text))
            shot.events.append((True, name))
            shot.visual_last = False
        else:
            shot = self.shot(for_speech=False)
            shot.action.append(text)
            shot.events.append((False, text))
            shot.visual_last = kind == "action" and bool(who)
            self.visual_seen = self.visual_seen or bool(who)

    def scenes(self) -> list[Scene]:
        result: list[Scene] = []
        for section in self.sections:
            for index, shot in enumerate(section, start=1):
                # A section cut into shots at each new visual: the shots keep the section's name.
                heading = f"{shot.heading} — shot {index}" if len(section) > 1 else shot.heading
                result.append(
                    Scene(
                        number=len(result) + 1,
                        heading=heading,
                        action=tuple(shot.action),
                        characters=characters_in_order(shot.events, None),
                        dialogue=tuple(shot.dialogue),
                    )
                )
        return result


def _name_of(label: str) -> str:
    return normalize_name(label.strip(" *_"))


def _trusted_speakers(lines: list[str]) -> set[str]:
    """NAME: labels that are speakers: written in capitals, or used at least twice.

    A one-off "Note: ..." or "Update: ..." in a prose line is not someone speaking.
    """
    counts: Counter[str] = Counter()
    capitals: set[str] = set()
    for line in lines:
        match = NAME_LABEL.match(line.strip())
        if match:
            name = _name_of(match.group(1))
            counts[name] += 1
            if match.group(1) == match.group(1).upper():
                capitals.add(name)
    return capitals | {name for name, count in counts.items() if count >= 2}


def _skip_front_matter(lines: list[str]) -> list[str]:
    """Lines after a YAML front matter block (`---` ... `---` at the very top), if there is one."""
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return lines[index + 1 :]
    return lines


def parse_labelled(text: str, fallback_title: str) -> Script:
    """A video script or `NAME: line` dialogue; format "video-script" when it has visual labels."""
    lines = _skip_front_matter(text.split("\n"))
    reader = _Labelled(_trusted_speakers(lines), fallback_title)
    in_code = False
    kept: list[str] = []
    for raw in lines:
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        heading = MD_HEADING.match(line) or (SCENE_LINE.match(line) if not NAME_LABEL.match(line) else None)
        if in_code or line.startswith((">", "|")) or MD_LINK_ITEM.match(line):
            # Code, blockquotes (draft notes), tables and link lists are about the video, not in it.
            kept.append("")
        elif heading or MD_RULE.match(line):
            _flush(reader, kept)
            if heading and heading.re is MD_HEADING:
                title = _inline(heading.group(2))
                if heading.group(1) == "#" and not reader.title:
                    reader.title = DATE_SUFFIX.sub("", title)
                reader.new_section(title)
            elif heading:
                reader.new_section(_inline(line))
            else:
                reader.new_section(reader.heading)
        else:
            kept.append(raw)
    _flush(reader, kept)
    label = "video-script" if reader.visual_seen or BRACKET_LABEL.search(text) else "dialogue"
    title = reader.title or fallback_title
    return Script(title=title, scenes=tuple(reader.scenes()), format=label)


def _flush(reader: _Labelled, kept: list[str]) -> None:
    for block in paragraphs(kept):
        reader.feed(block)
    kept.clear()


# --- stage plays ----------------------------------------------------------------------------------

GUTENBERG_START = re.compile(r"^\*{3}\s*START OF.*$", re.M | re.I)
GUTENBERG_END = re.compile(r"^\*{3}\s*END OF.*$", re.M | re.I)
GUTENBERG_FIELD = re.compile(r"^(Title|Author):[ \t]*(.+)$", re.M)
ACT = re.compile(
    r"^(?:(?:FIRST|SECOND|THIRD|FOURTH|FIFTH|LAST) ACT|ACT\s+(?:[IVX]+|\d+|ONE|TWO|THREE|FOUR|FIVE))\.?$",
    re.I,
)
SCENE_MARK = re.compile(r"^SCENE$|^(?:SCENE|Scene)\s+(?:[IVX]+|\d+)\.?(?:\s+(\S.*))?$")
PLAY_END = re.compile(
    r"^(?:ACT DROP|(?:QUICK )?CURTAIN|TABLEAU|THE END|END OF (?:THE )?(?:ACT|PLAY|SCENE)\b.*)\.?$"
)
PLAY_NAME = r"[A-Z][\w'’-]*(?: [A-Z][\w'’-]*){0,3}"  # "Jack", "Lady Bracknell"
PLAY_CUE = re.compile(f"^({PLAY_NAME})\\.(?:\\s+(\\S.*))?$")
# "Gwendolen and Cecily [Speaking together.]  Your Christian names ...": both say it.
JOINT_CUE = re.compile(
    r"^([A-Z][\w'’-]*(?: [A-Z][\w'’-]*){0,3}) and ([A-Z][\w'’-]*(?: [A-Z][\w'’-]*){0,3})(?:\.|\s+(?=\[))"
)
DIRECTION = re.compile(r"(\[[^\]]*\]?)")
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)")


def play_cue_names(text: str) -> Counter[str]:
    """How often each `Name.` opens a paragraph; names seen twice or more are the speakers."""
    counts: Counter[str] = Counter()
    for block in paragraphs(text.split("\n")):
        match = PLAY_CUE.match(block[0].strip())
        if match and not ACT.match(block[0].strip()):
            counts[match.group(1)] += 1
    return counts


@dataclass
class _Act:
    """A play's scene while it is being read."""

    heading: str
    location: str = ""
    action: list[str] = field(default_factory=list)
    dialogue: list[Line] = field(default_factory=list)
    events: list[tuple[bool, str]] = field(default_factory=list)
    transition: str = ""
    awaiting_setting: bool = True  # the first paragraph after the act/scene marker describes the set

    def add_action(self, text: str) -> None:
        self.action.append(text)
        self.events.append((False, text))

    @property
    def started(self) -> bool:
        return bool(self.dialogue) or not self.awaiting_setting


def _speech(name: str, text: str) -> tuple[list[Line], list[str]]:
    """A speech's Lines and the directions left after its last words (they become action).

    A [direction] before words is how they are said (the parenthetical); one after the last words
    is something that happens (action).
    """
    lines: list[Line] = []
    directions: list[str] = []
    for piece in DIRECTION.split(text):
        piece = piece.strip()
        if piece.startswith("["):
            direction = plain(piece.strip("[] "))
            if direction:
                directions.append(direction)
        elif piece:
            how = "; ".join(d.rstrip(".") for d in directions)
            lines.append(Line(name, " ".join(plain(piece).split()), how))
            directions = []
    return lines, directions


def _play_body(text: str) -> str:
    """The play without Gutenberg boilerplate and without the cast list before the first act."""
    start = GUTENBERG_START.search(text)
    end = GUTENBERG_END.search(text)
    body = text[start.end() if start else 0 : end.start() if end else len(text)]
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if ACT.match(line.strip()) or SCENE_MARK.match(line.strip()):
            return "\n".join(lines[index:])
    return body


def _play_title_page(text: str) -> dict[str, str]:
    start = GUTENBERG_START.search(text)
    header = text[: start.start()] if start else ""
    return {m.group(1): m.group(2).strip() for m in GUTENBERG_FIELD.finditer(header)}


def parse_play(text: str, fallback_title: str) -> Script:
    """A stage play: acts and scenes become scenes, `Name.  speech` paragraphs dialogue."""
    body = _play_body(text)
    counts = play_cue_names(body)
    speakers = {name for name, count in counts.items() if count >= 2}
    acts: list[_Act] = []
    act_title = ""
    for block in paragraphs(body.split("\n")):
        para = " ".join(line.strip() for line in block)
        first = block[0].strip()
        cue = PLAY_CUE.match(first)
        joint = JOINT_CUE.match(first)
        if ACT.match(para):
            act_title = para.rstrip(".")
            acts.append(_Act(act_title))
        elif SCENE_MARK.match(para):
            _scene_marker(acts, act_title, para)
        elif PLAY_END.match(para):
            if acts:
                acts[-1].transition = para
        elif cue and cue.group(1) in speakers:
            _speak(_current(acts, fallback_title), [cue.group(1)], para[cue.end(1) + 1 :])
        elif joint and {joint.group(1), joint.group(2)} <= speakers:
            _speak(_current(acts, fallback_title), [joint.group(1), joint.group(2)], para[joint.end() :])
        else:
            _narration(_current(acts, fallback_title), plain(para))
    mentions = mentions_pattern(speakers)
    kept = [act for act in acts if act.action or act.dialogue]
    scenes = tuple(_freeze(act, n, mentions) for n, act in enumerate(kept, start=1))
    title_page = _play_title_page(text)
    return Script(
        title=title_page.get("Title", fallback_title),
        scenes=scenes,
        title_page=title_page,
        format="stage-play",
    )


def _speak(act: _Act, names: list[str], text: str) -> None:
    """A speech by one character, or by several together (all but the first marked dual)."""
    for index, written in enumerate(names):
        name = normalize_name(written)
        lines, after = _speech(name, text)
        act.dialogue.extend(replace(line, dual=index > 0) for line in lines)
        if lines:
            act.events.append((True, name))
    for direction in after:
        act.add_action(direction)
    act.awaiting_setting = False


def _current(acts: list[_Act], fallback_title: str) -> _Act:
    if not acts:  # a play without act markers: one scene named after it
        acts.append(_Act(fallback_title, awaiting_setting=False))
    return acts[-1]


def _scene_marker(acts: list[_Act], act_title: str, marker: str) -> None:
    """A SCENE line: a new scene, unless it only introduces the set of an act that has just begun."""
    match = SCENE_MARK.match(marker)
    setting = match.group(1) if match else None  # "Scene 2. A garden." carries its set on the same line
    label = (marker[: match.start(1)] if match and setting else marker).strip().rstrip(".")
    if acts and not acts[-1].started and acts[-1].heading == act_title:
        scene = acts[-1]
    else:
        scene = _Act(f"{act_title}, {label}" if act_title else label)
        acts.append(scene)
    if setting:
        _narration(scene, setting)


def _narration(act: _Act, text: str) -> None:
    """A paragraph that is no speech: the set description right after a marker, else action."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    elif act.awaiting_setting:
        sentence = FIRST_SENTENCE.match(text)
        act.location = (sentence.group(1) if sentence else text).rstrip(".")
        act.heading = f"{act.heading} — {act.location}"
    act.awaiting_setting = False
    if text:
        act.add_action(text)


def _freeze(act: _Act, number: int, mentions: re.Pattern[str] | None) -> Scene:
    return Scene(
        number=number,
        heading=act.heading,
        location=act.location,
        action=tuple(act.action),
        characters=characters_in_order(act.events, mentions),
        dialogue=tuple(act.dialogue),
        transition=act.transition,
    )
