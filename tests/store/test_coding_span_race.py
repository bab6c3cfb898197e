"""A coding's span is checked against the transcript as it is inside the write transaction
(issue 19, left over): a correction made by another window or command between reading the
text and coding it must not put the coding on other words.

Two connections to one project file: the first reads the transcript, the second corrects a
segment, then the first codes the span it chose. Through the CLI the correction is made
between ``code add``'s read and its write.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.store.codings import Codings

SRC = "focus-group-2025-12-08"


def _span(project: Project, k: int) -> tuple[int, int, str]:
    seg = project.sources.segments(SRC)[k]
    return seg.start, seg.end, project.sources.get(SRC).text[seg.start : seg.end]


def test_an_edit_before_the_span_between_read_and_write_refuses_the_coding(
    demo_project: Project,
) -> None:
    first = demo_project
    src = first.sources.get(SRC)  # the text the span is chosen in
    start, end, words = _span(first, 3)
    before = len(first.codings.list())
    second = Project.open(first.folder)
    try:
        seg = second.sources.segments(SRC)[1]  # a segment before the span
        second.segment_edits.edit(seg.id, "A corrected, much longer opening line for the test.")
        moved = second.sources.get(SRC).text[start:end]
    finally:
        second.close()
    assert moved != words  # the offsets now cover other words
    with pytest.raises(MpuQualError) as err:
        first.codings.add(src, start, end, first.codes.list()[0].id)
    message = str(err.value)
    assert f"the transcript '{SRC}' was changed" in message
    assert f"span {start}-{end}" in message and "nothing was coded" in message
    assert err.value.hint == "Look at the transcript again and choose the passage anew."
    assert len(first.codings.list()) == before  # and indeed nothing was
    # the same span chosen in the text as it is now is coded, with the words it covers now
    coding = first.codings.add(SRC, start, end, first.codes.list()[0].id)
    assert coding.quote == moved


def test_an_edit_after_the_span_leaves_the_span_valid(demo_project: Project) -> None:
    first = demo_project
    src = first.sources.get(SRC)
    start, end, words = _span(first, 1)
    second = Project.open(first.folder)
    try:
        last = second.sources.segments(SRC)[-1]
        second.segment_edits.edit(last.id, "A corrected last line.")
    finally:
        second.close()
    coding = first.codings.add(src, start, end, first.codes.list()[0].id)
    assert (coding.start, coding.end, coding.quote) == (start, end, words)


def test_code_add_refuses_when_the_transcript_changes_between_its_read_and_its_write(
    demo_dir: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Project.open(demo_dir) as p:
        start, end, _words = _span(p, 3)
        before = len(p.codings.list())
        code = p.codes.list()[0].id
        seg_id = p.sources.segments(SRC)[0].id
    real = Codings._check_span

    def check_then_edit(self, src, s, e) -> None:  # the read is done; another command edits
        real(self, src, s, e)
        with Project.open(demo_dir) as other:
            other.segment_edits.edit(seg_id, "Moderator: a corrected first line, longer now.")

    monkeypatch.setattr(Codings, "_check_span", check_then_edit)
    res = cli(
        "-p",
        str(demo_dir),
        "code",
        "add",
        SRC,
        "--start",
        str(start),
        "--end",
        str(end),
        "--code",
        code,
    )
    assert res.exit_code == 1
    assert f"the transcript '{SRC}' was changed" in res.stderr
    assert "nothing was coded" in res.stderr and "choose the passage anew" in res.stderr
    assert "Traceback" not in res.stderr
    with Project.open(demo_dir) as p:
        assert len(p.codings.list()) == before
        assert p.sources.segments(SRC)[0].start == 0  # the edit was kept


def test_autocode_refuses_when_a_transcript_changes_between_its_search_and_its_write(
    demo_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race for auto-coding: the matches are found in the text as read, the codings
    written in one transaction after the automatic backup."""
    p = demo_project
    code = p.codes.list()[0].id
    before = len(p.codings.list())
    seg_id = p.sources.segments(SRC)[0].id
    real = p.prepare_bulk

    def backup_then_edit(kind: str) -> None:  # the search is done; another window corrects
        real(kind)
        other = Project.open(p.folder)
        try:
            other.segment_edits.edit(seg_id, "Moderator: a corrected first line, longer now.")
        finally:
            other.close()

    monkeypatch.setattr(p, "prepare_bulk", backup_then_edit)
    with pytest.raises(MpuQualError) as err:
        p.codings.autocode(code, phrase="training")
    assert f"the transcript '{SRC}' was changed" in str(err.value)
    assert "nothing was coded" in str(err.value)
    assert err.value.hint == "Run the auto-coding again."
    assert len(p.codings.list()) == before
    monkeypatch.undo()
    done = p.codings.autocode(code, phrase="training")  # in the text as it is now
    assert done.created > 0
    text = p.sources.get(SRC).text
    for c in p.codings.list(code=code):
        assert c.quote == text[c.start : c.end]
