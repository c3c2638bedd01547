"""Bytes in, `Script` out: decode the file, recognise its format, hand it to the right parser."""

from __future__ import annotations

import codecs
import re
from pathlib import PurePath

from scriptvid.errors import InputError
from scriptvid.model import Script

from .fountain import TITLE_KEY, TITLE_PAGE_KEYS, parse_fountain
from .loose import ACT, BRACKET_LABEL, GUTENBERG_START, NAME_LABEL, parse_labelled, parse_play, play_cue_names

# Two bytes that form a valid UTF-8 sequence: a file that has them was meant to be UTF-8, so a broken
# byte elsewhere is damage to report, not a sign of Windows-1252.
UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
NEWLINES = re.compile(r"\r\n?")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # control characters that are not whitespace
FOUNTAIN_HEADING_LINE = re.compile(r"^[ \t]*(?:\.[^.\s]|(?:INT|EXT|EST|I/E)[./ ])", re.M | re.I)
MD_HEADING_LINE = re.compile(r"^#{1,6}\s+\S", re.M)
EXPECTED = (
    "Fountain scene headings (INT. KITCHEN - NIGHT), a video script with [NARRATOR]: and [VISUAL]: lines, "
    "NAME: dialogue lines, or a stage play with 'Name.  speech' paragraphs"
)


def read_script(data: bytes, name: str, *, max_scenes: int = 2000, kind: str = "auto") -> Script:
    """Parse a script file's bytes; `name` is its file name. `kind` is "auto" (recognise the format)
    or the parser to use: "fountain", "labelled" or "stage-play". Raises InputError for unusable input."""
    text = NEWLINES.sub("\n", decode(data, name))
    if not text.strip():
        raise InputError("the script is empty: there is nothing to make a film of", file=name)
    fallback = title_from_name(name)
    if kind == "auto":
        kind = detect_format(text, name)
    if kind == "stage-play":
        script = parse_play(text, fallback)
    elif kind == "labelled":
        script = parse_labelled(text, fallback)
    else:
        script = parse_fountain(text, fallback)
    if not script.scenes:
        raise InputError(f"no scene found; expected {EXPECTED}", file=name)
    if len(script.scenes) > max_scenes:
        raise InputError(
            f"has {len(script.scenes)} scenes, more than the limit of {max_scenes} "
            "(setting limits.max_scenes)",
            file=name,
        )
    return script


def decode(data: bytes, name: str) -> str:
    """Text from UTF-8 (BOM or not), UTF-16 with a BOM, or clean Windows-1252; else InputError."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InputError(f"is not valid UTF-16 at byte {error.start}", file=name) from None
    elif b"\x00" in data:
        raise InputError(
            "this is not a text file (it contains NUL bytes); save the script as text", file=name
        )
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            text = _windows_1252(data, error, name)
    if _is_binary(text):
        raise InputError("this is not a text file (it is full of control characters)", file=name)
    return text.removeprefix("\ufeff")


def _windows_1252(data: bytes, error: UnicodeDecodeError, name: str) -> str:
    """Old Windows editors save Windows-1252; accept it only when it is clearly that and clearly text."""
    if not UTF8_PAIR.search(data):
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            if not _is_binary(text):
                return text
    if _is_binary(data.decode("latin-1")):
        raise InputError("this is not a text file; save the script as UTF-8 text", file=name)
    line = data.count(b"\n", 0, error.start) + 1
    raise InputError(
        f"is not valid UTF-8: byte {error.start} (0x{data[error.start]:02x}) cannot be decoded; "
        "save the script as UTF-8",
        file=name,
        line=line,
    )


def _is_binary(text: str) -> bool:
    """More than one in a hundred characters are control characters other than whitespace."""
    return "\x00" in text or len(CONTROL.findall(text)) * 100 > len(text)


def title_from_name(name: str) -> str:
    """'the-last_birthday card.fountain' -> 'The Last Birthday Card'."""
    words = PurePath(name).stem.replace("-", " ").replace("_", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or "Untitled"


def detect_format(text: str, name: str) -> str:
    """Which parser reads `text`: "fountain", "stage-play" or "labelled" (video scripts, dialogue)."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".fountain":
        return "fountain"
    if GUTENBERG_START.search(text) or _looks_like_play(text):
        return "stage-play"
    labelled = sum(1 for line in text.split("\n") if BRACKET_LABEL.match(line) or NAME_LABEL.match(line)) >= 2
    # Markdown is what video scripts are written in; a stray "Est. 2019" line must not make it Fountain.
    if suffix == ".md" and (labelled or MD_HEADING_LINE.search(text)):
        return "labelled"
    if _has_title_page(text) or FOUNTAIN_HEADING_LINE.search(text):
        return "fountain"
    return "labelled" if labelled else "fountain"


def _looks_like_play(text: str) -> bool:
    has_act = any(ACT.match(line.strip()) for line in text.split("\n"))
    repeated = sum(count for count in play_cue_names(text).values() if count >= 2)
    return repeated >= 10 or (has_act and repeated >= 3)


def _has_title_page(text: str) -> bool:
    first = TITLE_KEY.match(text.lstrip().split("\n", 1)[0])
    return first is not None and first.group(1).lower() in TITLE_PAGE_KEYS
