"""Scripts that come packed in a zip: Fade In (`.fadein`) and Highland 2 (`.highland`).

A `.fadein` file is a zip holding `document.xml` in the Open Screenplay Format that Fade In publishes
(OSF 2.0): `<document><paragraphs>` with one `<para>` per element, its kind in
`<style basestylename="Scene Heading"/>`, its words in `<text>` runs, dual dialogue marked by
`dualdialogue="1"` on the first speaker's style, and `<titlepage>` paragraphs. A `.highland` file is a
zip holding a TextBundle (textbundle.org): a `*.textbundle` folder whose `text.fountain` (or `text.md`)
is the script in Fountain.

A zip is opened without trusting what it says of itself: only the one member is read, never more
than `UNPACKED_LIMIT` bytes however small the zip (a "zip bomb" stops there), from a zip of at most
`MAX_ENTRIES` names; an encrypted or broken zip is said to be one.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from scriptvid.errors import InputError
from scriptvid.model import Script

from .elements import ACTION, CHARACTER, Part, blocks_of, build, title_page_of
from .fdx import read_xml

MAX_ENTRIES = 10_000
UNPACKED_LIMIT = 50_000_000  # bytes of the one member read (no script is that long)
_KIND = {"fadein": "Fade In", "highland": "Highland"}


def unpacked(data: bytes, name: str, want: str, limit: int = UNPACKED_LIMIT) -> tuple[str, bytes]:
    """The member of the zip that `want` ("fadein" or "highland") reads: its name and its bytes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise InputError(f"is not a readable zip ({exc})", file=name) from None
    if len(entries) > MAX_ENTRIES:
        raise InputError(f"is a zip of {len(entries)} files: not a script", file=name)
    member = _member(entries, want)
    if member is None:
        expected = (
            "document.xml" if want == "fadein" else "a .textbundle folder with text.fountain or text.md"
        )
        raise InputError(f"is a zip without {expected} in it: not a {_KIND[want]} file", file=name)
    if member.flag_bits & 0x1:
        raise InputError(
            f"is an encrypted zip: save it again from {_KIND[want]} without a password", file=name
        )
    try:
        with archive.open(member) as stream:
            content = stream.read(limit + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError) as exc:
        raise InputError(f"is a zip whose {member.filename} cannot be read ({exc})", file=name) from None
    if len(content) > limit:
        raise InputError(
            f"unpacks to more than {limit / 1e6:g} MB, which no script is: refused",
            file=name,
        )
    return member.filename, content


def _member(entries: list[zipfile.ZipInfo], want: str) -> zipfile.ZipInfo | None:
    if want == "fadein":
        return next((e for e in entries if e.filename == "document.xml"), None)
    texts = [
        e
        for e in entries
        if ".textbundle/" in e.filename
        and e.filename.rsplit("/", 1)[-1] in ("text.fountain", "text.md", "text.txt", "text.markdown")
    ]
    return texts[0] if texts else None


def parse_osf(data: bytes, name: str, fallback_title: str) -> Script:
    """An Open Screenplay Format document (Fade In's document.xml)."""
    root = read_xml(data, name, "document", "Open Screenplay Format")
    paragraphs = root.find("paragraphs")
    if paragraphs is None:
        raise InputError("is a Fade In file without a script in it (no <paragraphs>)", file=name)
    lines = [_text(p) for p in root.findall("titlepage/para")]
    title_page = title_page_of(blocks_of(lines))
    return build(_parts(paragraphs), title_page.get("Title") or fallback_title, title_page, "fade-in")


def _parts(paragraphs: Element) -> Iterator[Part]:
    dual_next = False
    for para in paragraphs.findall("para"):
        style = para.find("style")
        kind = (style.get("basestylename") or style.get("name") or ACTION) if style is not None else ACTION
        if kind == "Normal Text":
            kind = ACTION
        dual = False
        if kind == CHARACTER:
            dual, dual_next = dual_next, style is not None and style.get("dualdialogue") == "1"
        yield Part(kind, _text(para), para.get("number", "") or para.get("scene_number", ""), dual)


def _text(para: Element) -> str:
    return "".join(run.text or "" for run in para.findall("text")).replace("\r", "")
