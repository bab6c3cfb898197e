"""Parse QDA-XML with defusedxml: no DTDs, entities or external references, ever.

Tools disagree on namespaces (some omit it), so elements are addressed by local name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET

from mpu_qual.errors import MpuQualError


def parse_xml(data: bytes, where: str | Path) -> Element:
    """The root element; any DTD, entity or syntax error is an MpuQualError with a location."""
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise MpuQualError(
            f"refused XML with a document type, entity or external reference ({type(exc).__name__})",
            path=where,
            hint="QDA-XML files never need these; the file may be malicious.",
        ) from None
    except ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        raise MpuQualError(
            f"XML syntax error: {exc}",
            path=where,
            line=line,
            column=(col + 1) if col is not None else None,
        ) from None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(el: Element, name: str) -> Iterator[Element]:
    for child in el:
        if isinstance(child.tag, str) and local(child.tag) == name:
            yield child


def child(el: Element, name: str) -> Element | None:
    return next(children(el, name), None)


def text_of(el: Element | None) -> str | None:
    if el is None:
        return None
    return "".join(el.itertext())
