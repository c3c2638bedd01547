"""Final Draft (`.fdx`) into a `Script`.

An FDX file is XML: `<FinalDraft><Content>` holds the script as `<Paragraph Type="…">` elements in
order, each with its words in `<Text>` runs (one run per style), a scene heading's number in its
`Number` attribute, and dual dialogue as a `<DualDialogue>` inside a paragraph. `<TitlePage>` holds
the title page as centred paragraphs. Beside them Final Draft keeps what is not the script: element
settings, SmartType lists, and with the Beat Board an `<Outline>` with `<Content>` of its own and arc
beats nested inside scene headings; none of that is read.

The XML is read with defusedxml: a file that declares entities (the "billion laughs") or reaches for
external ones is refused, never expanded. The scenes are built as every marked-up format's are
(elements.py), so that one script written in Final Draft or in Fountain becomes the same scenes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree

from scriptvid.errors import InputError
from scriptvid.model import Script

from .elements import ACTION, CHARACTER, Part, build, title_page_of


def parse_fdx(data: bytes, name: str, fallback_title: str) -> Script:
    """A Final Draft file's bytes; `name` is its file name (for errors)."""
    root = read_xml(data, name)
    content = root.find("Content")
    if content is None:
        raise InputError("is a Final Draft file without a script in it (no <Content>)", file=name)
    title_page = read_title_page(root)
    return build(_elements(content), title_page.get("Title") or fallback_title, title_page, "final-draft")


def looks_like_fdx(data: bytes) -> bool:
    """Whether the bytes are a Final Draft file (whatever the file is called)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"<FinalDraft" in head


def read_xml(data: bytes, name: str, root_tag: str = "FinalDraft", kind: str = "Final Draft") -> Element:
    """The XML's root element, which must be `root_tag`; entities and broken XML refused, saying so."""
    try:
        root = defusedxml.ElementTree.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        raise InputError(
            f"is refused: its XML declares entities or reaches outside the file ({type(exc).__name__}), "
            f"which no {kind} file does",
            file=name,
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            f"is not a readable {kind} file: broken XML at line {line}, column {column + 1} "
            f"({str(exc).split(':')[0]})",
            file=name,
        ) from None
    except (LookupError, ValueError) as exc:  # an encoding Python does not know, bytes it cannot decode
        raise InputError(f"is not a readable {kind} file: {exc}", file=name) from None
    if root.tag != root_tag:
        raise InputError(f"is XML but not a {kind} file (it starts with <{root.tag}>)", file=name)
    return root


def _elements(content: Element) -> Iterator[Part]:
    """Each paragraph in order, those of dual dialogue in their place, the second speaker's on marked
    dual (spoken at the same time as the first)."""
    for paragraph in content.findall("Paragraph"):
        duals = paragraph.findall("DualDialogue")
        if not duals:
            yield Part(paragraph.get("Type", ACTION), _text(paragraph), paragraph.get("Number", ""))
            continue
        for dual in duals:
            speakers = 0
            for inner in dual.findall("Paragraph"):
                kind = inner.get("Type", ACTION)
                speakers += kind == CHARACTER
                yield Part(kind, _text(inner), dual=speakers > 1)


def _text(paragraph: Element) -> str:
    """The paragraph's words: its own `<Text>` runs joined (not the arc beats nested beside them)."""
    return "".join(run.text or "" for run in paragraph.findall("Text")).replace("\r", "")


def read_title_page(root: Element) -> dict[str, str]:
    """The title page: one line per paragraph of `<TitlePage>` (see `title_page_of`)."""
    lines = [" ".join(_text(p).split()) for p in root.findall("TitlePage/Content/Paragraph")]
    return title_page_of([[line] for line in lines if line])
