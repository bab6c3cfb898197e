"""A DOCX whose XML declares a DTD or entities is refused, named, never half-read.

Issue #10: a paragraph with an external entity reference lost all its text after the
reference, silently (python-docx leaves entities unresolved). Word never writes a DTD.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.transcript_files.formats import parse_file

TURNS = ["IL1: We need PLC technicians.", "TE1: And training that employers trust."]


def make_docx(path: Path) -> Path:
    document = docx.Document()
    for turn in TURNS:
        document.add_paragraph(turn)
    document.save(str(path))
    return path


def with_entity(src: Path, dest: Path, doctype: str, reference: str) -> Path:
    """``src`` with a DOCTYPE in word/document.xml and ``reference`` in the first turn."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                head, _, rest = text.partition("?>")
                text = f"{head}?>{doctype}{rest}".replace(
                    "We need PLC", f"We need {reference} PLC", 1
                )
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return dest


CASES = {
    "external entity": (
        '<!DOCTYPE w:document [<!ENTITY ext SYSTEM "file:///etc/hostname">]>',
        "&ext;",
    ),
    "internal entity": ('<!DOCTYPE w:document [<!ENTITY co "Acme Ltd">]>', "&co;"),
    "bare DTD": ("<!DOCTYPE w:document>", ""),
}


def test_the_plain_file_reads_whole(tmp_path: Path) -> None:
    parsed = parse_file(make_docx(tmp_path / "plain.docx"))
    assert [s.text for s in parsed.segments] == [
        "We need PLC technicians.",
        "And training that employers trust.",
    ]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_docx_with_a_dtd_is_refused_naming_the_file_and_part(tmp_path: Path, case: str) -> None:
    doctype, reference = CASES[case]
    bad = with_entity(make_docx(tmp_path / "plain.docx"), tmp_path / "bad.docx", doctype, reference)
    with pytest.raises(MpuQualError) as err:
        parse_file(bad)
    message = str(err.value)
    assert str(bad) in message and "word/document.xml" in message
    assert "DTD or entities" in message


def test_nothing_is_imported_from_it(demo_dir: Path, tmp_path: Path, cli) -> None:
    doctype, reference = CASES["external entity"]
    bad = with_entity(make_docx(tmp_path / "plain.docx"), tmp_path / "fg.docx", doctype, reference)
    res = cli("-p", str(demo_dir), "transcripts", "add", str(bad))
    assert res.exit_code == 1 and "DTD or entities" in res.stderr and str(bad) in res.stderr
    with Project.open(demo_dir) as p:
        assert "fg" not in {s.name for s in p.sources.list()}
