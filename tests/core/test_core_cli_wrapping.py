"""The CLI wraps Chinese by the line-breaking rules too: ``transcripts show`` and the quote
column of ``code list`` on the long-turn Cantonese transcript, at several terminal widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from mpu_qual.cli import main
from mpu_qual.store import Project

LONG = Path(__file__).resolve().parents[1] / "data" / "transcripts" / "cantonese-long-turns.txt"
CLOSING = "，。、？！：；）」』》"


@pytest.fixture
def folder(demo_dir: Path) -> Path:
    with Project.open(demo_dir) as p:
        src = p.sources.import_file(LONG, "long")
        i = src.text.index("我覺得政府可以考慮資助僱主做在職培訓")
        p.codings.add(src, i, src.text.index("。", i) + 1, "training")
    return demo_dir


@pytest.mark.parametrize("columns", [50, 80, 100, 160])
def test_transcripts_show_breaks_lines_by_the_chinese_rules(folder: Path, columns: int) -> None:
    out = CliRunner().invoke(
        main, ["-p", str(folder), "transcripts", "show", "long"], env={"COLUMNS": str(columns)}
    )
    assert out.exit_code == 0, out.output
    with Project.open(folder) as p:
        src = p.sources.get("long")
        turns = [src.text[g.start : g.end] for g in p.sources.segments(src)]
    lines = out.output.splitlines()
    assert all(cell_len(line) <= columns for line in lines)
    # each turn: a head line "00:00:05 MOD: ..." then lines indented under its text
    starts = [n for n, line in enumerate(lines) if not line.startswith(" ")]
    assert len(starts) == len(turns) == 7
    for turn, a, b in zip(turns, starts, [*starts[1:], len(lines)], strict=True):
        head = lines[a].index(": ") + 2
        body = [lines[a][head:]] + [line.strip() for line in lines[a + 1 : b]]
        assert "".join(body).replace(" ", "") == turn.replace(" ", "")
        assert len(body) > 1  # the long turns do wrap
        for line in body[1:]:
            assert line[0] not in CLOSING, (columns, line)


def test_code_list_quote_column_breaks_by_the_rules(folder: Path) -> None:
    out = CliRunner().invoke(main, ["-p", str(folder), "code", "list"], env={"COLUMNS": "90"})
    assert out.exit_code == 0, out.output
    cells = [line.split("│")[-2].strip() for line in out.output.splitlines() if "│" in line]
    assert "".join(cells).startswith("我覺得政府可以考慮資助僱主做在職培訓")
    assert len(cells) > 2 and not any(c[:1] in CLOSING for c in cells)
