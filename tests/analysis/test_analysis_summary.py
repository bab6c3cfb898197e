"""The summary's co-occurrence section per theme and its framework table (--framework), in
Markdown, HTML and DOCX, pseudonymised when asked; on the small bilingual project."""

from __future__ import annotations

from pathlib import Path

import docx
from sample_projects import turn_span

from mpu_qual.store import Project


def _overlap_talent_and_rec(small: Project) -> int:
    """IL1's turn 1 (talent.shortage) is also coded rec.gov: talent meets rec.gov once."""
    s, e = turn_span(small, 1)
    return small.codings.add("session-1", s, e, "rec.gov").id


def test_summary_lists_codes_that_cooccur_with_each_theme(
    cli, small: Project, tmp_path: Path
) -> None:
    rec_id = _overlap_talent_and_rec(small)
    folder = str(small.folder)
    out = tmp_path / "s.md"
    assert cli("-p", folder, "summary", "-o", str(out)).exit_code == 0
    md = out.read_text(encoding="utf-8")
    talent = md[md.index("## 1. Talent") : md.index("## 2.")]
    # talent: 4 passages; rec.gov: 2 (turn 5, turn 1); they overlap once: c = 1 / (4 + 2 - 1)
    assert "Codes of other themes whose passages overlap this theme's" in talent
    line = next(x for x in talent.splitlines() if x.startswith("- For government"))
    assert line.startswith("- For government · 致政府: 1 (c = 0.20)")
    assert f"#{rec_id}" in line
    rec = md[md.index("## 3. Recommendations") :]
    assert "- Shortage · 短缺: 1 (c = " in rec
    assert "Framework matrix" not in md


def test_summary_framework_table_in_every_format(cli, small: Project, tmp_path: Path) -> None:
    folder = str(small.folder)
    cli("-p", folder, "framework-summary", "IL1", "rec", "Chan Tai Man wants funded retraining.")
    for suffix in ("md", "html", "docx"):
        out = tmp_path / f"s.{suffix}"
        r = cli("-p", folder, "summary", "--framework", "--pseudonymise", "-o", str(out))
        assert r.exit_code == 0, r.stderr
        if suffix == "docx":
            doc = docx.Document(str(out))
            table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Participant")
            text = "\n".join(c.text for row in table.rows for c in row.cells)
            text += "\n".join(p.text for p in doc.paragraphs)
            assert [c.text for c in table.rows[0].cells][:2] == ["Participant", "Talent · 人才"]
        else:
            text = out.read_text(encoding="utf-8")
        assert "Framework matrix: participants x themes" in text
        assert "Summary 摘要: IL1 wants funded retraining." in text
        assert "Chan Tai Man" not in text  # pseudonymised: summaries and quotes
        assert "陳大文話" not in text
