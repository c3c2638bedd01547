"""Bytes in, `Script` out: decode the file, recognise its format, hand it to the right parser."""

from __future__ import annotations

import codecs
import re
from pathlib import PurePath

from scriptvid.errors import InputError
from scriptvid.model import Script

from .fdx import looks_like_fdx, parse_fdx
from .fountain import TITLE_KEY, TITLE_PAGE_KEYS, parse_fountain
from .hidden import HEADING_LINE, what_hides_the_scenes
from .layout import looks_like_layout, parse_layout
from .loose import ACT, BRACKET_LABEL, GUTENBERG_START, NAME_LABEL, parse_labelled, parse_play, play_cue_names
from .packaged import parse_osf, unpacked
from .pdf import looks_like_pdf, parse_pdf

# Two bytes that form a valid UTF-8 sequence: a file that has them was meant to be UTF-8, so a broken
# byte elsewhere is damage to report, not a sign of Windows-1252.
UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
NEWLINES = re.compile(r"\r\n?")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # control characters that are not whitespace
MD_HEADING_LINE = re.compile(r"^#{1,6}\s+\S", re.M)
EXPECTED_MARKED = "paragraphs of a script (Scene Heading, Action, Character, Dialogue)"
EXPECTED = (
    "Fountain scene headings (INT. KITCHEN - NIGHT), a video script with [NARRATOR]: and [VISUAL]: lines, "
    "NAME: dialogue lines, or a stage play with 'Name.  speech' paragraphs"
)


def read_script(data: bytes, name: str, *, max_scenes: int = 2000, kind: str = "auto") -> Script:
    """Parse a script file's bytes; `name` is its file name. `kind` is "auto" (recognise the format)
    or the parser to use: "fountain", "labelled" or "stage-play". Raises InputError for unusable input.
    A Final Draft file (`.fdx`, or XML that says it is one), a PDF, and the zips of Fade In (`.fadein`)
    and Highland (`.highland`) are read as such whatever `kind` says."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".fdx" or looks_like_fdx(data):
        return _checked(parse_fdx(data, name, title_from_name(name)), name, max_scenes, EXPECTED_MARKED)
    if suffix == ".fadein":
        _, document = unpacked(data, name, "fadein")
        return _checked(parse_osf(document, name, title_from_name(name)), name, max_scenes, EXPECTED_MARKED)
    if suffix == ".highland":  # Fountain, in a TextBundle
        _, bundled = unpacked(data, name, "highland")
        return read_script(bundled, PurePath(name).stem + ".fountain", max_scenes=max_scenes)
    if suffix == ".pdf" or looks_like_pdf(data):
        return _checked(parse_pdf(data, name, title_from_name(name)), name, max_scenes, EXPECTED)
    text = NEWLINES.sub("\n", decode(data, name))
    if not text.strip():
        raise InputError("the script is empty: there is nothing to make a film of", file=name)
    fallback = title_from_name(name)
    if kind == "auto":
        kind = detect_format(text, name)
    if kind == "layout":
        script = parse_layout(text, fallback)
    elif kind == "stage-play":
        script = parse_play(text, fallback)
    elif kind == "labelled":
        script = parse_labelled(text, fallback)
    else:
        script = parse_fountain(text, fallback)
    if not script.scenes:
        hides = what_hides_the_scenes(text)
        if hides:
            raise InputError(f"no scene found: {hides}", file=name)
    return _checked(script, name, max_scenes, EXPECTED)


def _checked(script: Script, name: str, max_scenes: int, expected: str) -> Script:
    if not script.scenes:
        raise InputError(f"no scene found; expected {expected}", file=name)
    if len(script.scenes) > max_scenes:
        raise InputError(
            f"has {len(script.scenes)} scenes, more than the limit of {max_scenes} "
            "(setting limits.max_scenes)",
            file=name,
        )
    return script


# Byte order marks, longest first: UTF-32's little-endian mark begins with UTF-16's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"\x84\x31\x95\x33", "gb18030"),
    (b"+/v8", "utf-7"),
    (b"+/v9", "utf-7"),
    (b"+/v+", "utf-7"),
    (b"+/v/", "utf-7"),
)
# Marks of encodings that Python cannot read: named, so the person knows what to change.
UNREADABLE_BOMS = (
    (b"\xdd\x73\x66\x73", "UTF-EBCDIC"),
    (b"\x0e\xfe\xff", "SCSU"),
    (b"\xfb\xee\x28", "BOCU-1"),
    (b"\xf7\x64\x4c", "UTF-1"),
)


def decode(data: bytes, name: str) -> str:
    """Text from UTF-8 (BOM or not), any Unicode encoding with its byte order mark (UTF-16, UTF-32,
    GB 18030, UTF-7), UTF-16 without one, or clean Windows-1252; else InputError."""
    encoding = next((enc for bom, enc in BOMS if data.startswith(bom)), None) or _utf16_without_bom(data)
    unreadable = next((label for bom, label in UNREADABLE_BOMS if data.startswith(bom)), None)
    if unreadable:
        raise InputError(
            f"is saved as {unreadable}, which scriptvid cannot read; save it as UTF-8", file=name
        )
    if encoding and encoding != "utf-8-sig":
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            label = encoding.upper()
            raise InputError(
                f"begins like {label} text but is not valid {label} at byte {error.start}; save it as UTF-8",
                file=name,
            ) from None
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


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "-be" for text saved as UTF-16 without a mark (some Windows tools do): mostly
    ASCII, so nearly every other byte is NUL, on one side only."""
    if len(data) < 16 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


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
    """Which parser reads `text`: "fountain", "stage-play", "layout" (a typewriter-format screenplay)
    or "labelled" (video scripts, dialogue)."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".fountain":
        return "fountain"
    if GUTENBERG_START.search(text) or _looks_like_play(text):
        return "stage-play"
    if suffix != ".md" and looks_like_layout(text):
        return "layout"  # a typewriter-format screenplay: read by its columns
    labelled = sum(1 for line in text.split("\n") if BRACKET_LABEL.match(line) or NAME_LABEL.match(line)) >= 2
    # Markdown is what video scripts are written in; a stray "Est. 2019" line must not make it Fountain.
    if suffix == ".md" and (labelled or MD_HEADING_LINE.search(text)):
        return "labelled"
    if _has_title_page(text) or HEADING_LINE.search(text):
        return "fountain"
    return "labelled" if labelled else "fountain"


def _looks_like_play(text: str) -> bool:
    has_act = any(ACT.match(line.strip()) for line in text.split("\n"))
    repeated = sum(count for count in play_cue_names(text).values() if count >= 2)
    return repeated >= 10 or (has_act and repeated >= 3)


def _has_title_page(text: str) -> bool:
    first = TITLE_KEY.match(text.lstrip().split("\n", 1)[0])
    return first is not None and first.group(1).lower() in TITLE_PAGE_KEYS
