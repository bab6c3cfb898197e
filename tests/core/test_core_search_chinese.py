"""Search, autocode and the code picker across Simplified and Traditional Chinese, and the
context each search hit shows (a window around the match, cut between words or characters).

The transcripts are the corpus's mainland (Simplified, GB2312), Hong Kong and Taiwan
(Traditional, Big5) files and the long-turn Cantonese focus group.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from mpu_qual import chinese_scripts
from mpu_qual.cli import coding, main
from mpu_qual.linebreak import context_window
from mpu_qual.store import Project
from mpu_qual.store.search import _scan
from mpu_qual.tui.screens.code_picker import matches

DATA = Path(__file__).resolve().parents[1] / "data" / "transcripts"
FILES = {
    "mainland": "mainland-gb2312.srt",
    "hongkong": "hongkong-big5hkscs.srt",
    "taiwan": "taiwan-big5.srt",
    "long": "cantonese-long-turns.txt",
}


@pytest.fixture
def project(demo_dir: Path):
    """The demo project (its transcript and codebook) with the four files imported."""
    p = Project.open(demo_dir)
    for name, file in FILES.items():
        p.sources.import_file(DATA / file, name)
    yield p
    p.close()


def texts(p: Project) -> dict[str, str]:
    return {s.name: s.text for s in p.sources.list()}


def occurrences(p: Project, *forms: str) -> set[tuple[str, int, int]]:
    """Where any of ``forms`` is written in the stored texts (name, start, end)."""
    out = set()
    for name, text in texts(p).items():
        for form in forms:
            out |= {(name, m.start(), m.end()) for m in re.finditer(re.escape(form), text)}
    return out


def found(p: Project, query: str) -> set[tuple[str, int, int]]:
    return {(h.source_name, h.start, h.end) for h in p.search(query)}


def test_simplified_query_finds_traditional_text_and_the_reverse(project: Project) -> None:
    want = occurrences(project, "培训", "培訓")
    names = {n for n, _a, _b in want}
    assert {"mainland", "hongkong", "long"} <= names  # both scripts are in the corpus
    assert found(project, "培训") == want  # Simplified query (two characters: a scan)
    assert found(project, "培訓") == want  # Traditional query
    # three characters go through the trigram index: every spelling is looked up
    want = occurrences(project, "技术员", "技術員")
    assert {"mainland", "taiwan"} <= {n for n, _a, _b in want}
    assert found(project, "技术员") == found(project, "技術員") == want
    # offsets point at the stored characters, which are never converted
    t = texts(project)
    assert {t[n][a:b] for n, a, b in want} == {"技术员", "技術員"}
    assert (DATA / FILES["taiwan"]).read_bytes().decode("big5").count("技術員") == sum(
        1 for n, _a, _b in want if n == "taiwan"
    )


def test_hong_kong_variants(project: Project) -> None:
    t = texts(project)["long"]
    assert "生產綫" in t and "生產線" not in t and "裏面" in t
    want = occurrences(project, "生產綫")
    assert len(want) == t.count("生產綫") >= 2
    assert found(project, "生產線") == found(project, "生产线") == want  # 線 and 线 find 綫
    assert found(project, "裡面") == found(project, "里面") == occurrences(project, "裏面")


def test_search_json_snippet_holds_the_match(project: Project, tmp_path: Path) -> None:
    out = CliRunner().invoke(
        main, ["search", "人手短缺", "--format", "json", "--project", str(project.folder)]
    )
    assert out.exit_code == 0, out.output
    hits = json.loads(out.output)
    assert len(hits) == texts(project)["long"].count("人手短缺") == 3
    for h in hits:
        assert h["snippet"][h["snippet_start"] : h["snippet_end"]] == "人手短缺"
        assert len(h["snippet"]) > len("人手短缺") + 20  # with context either side


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_cli_table_shows_the_match_in_every_row(
    project: Project, tmp_path: Path, columns: int
) -> None:
    runner = CliRunner()
    for query, stored in (("人手短缺", "人手短缺"), ("培训", "培訓"), ("troubleshoot", None)):
        out = runner.invoke(
            main,
            ["search", query, "--project", str(project.folder)],
            env={"COLUMNS": str(columns)},
        )
        assert out.exit_code == 0, out.output
        hits = project.search(query)
        rows = [line for line in out.output.splitlines() if "│" in line and "-" in line]
        rows = [r for r in rows if re.search(r"\d+-\d+", r)]
        assert len(rows) == len(hits) > 0
        for row, h in zip(rows, hits, strict=True):
            context = row.split("│")[-2]
            shown = texts(project)[h.source_name][h.start : h.end]
            assert shown in context, (columns, row)
            if stored:
                assert shown == stored or shown == query
            # English words around the match are whole, never cut
            for word in re.findall(r"[A-Za-z]+", context.replace("…", " ")):
                assert re.search(rf"\b{word}\b", texts(project)[h.source_name]), (word, row)


def test_context_window_cuts_between_words_and_characters() -> None:
    text = (DATA / FILES["long"]).read_text(encoding="utf-8")
    for query in ("troubleshoot", "人手短缺", "Kowloon", "digital twin"):
        for start in [m.start() for m in re.finditer(re.escape(query), text)]:
            for width in range(len(query) * 2, 100, 7):
                window, a, b = context_window(text, start, start + len(query), width)
                assert window[a:b] == query
                assert cell_len(window) <= width
                inner = window.strip("…")
                assert inner.replace(" ", "") in text.replace("\n", " ").replace(" ", "")
                for word in re.findall(r"[A-Za-z]+", inner):
                    assert re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", text), (word, window)


def test_autocode_phrase_codes_either_script(project: Project) -> None:
    result = project.codings.autocode("training", phrase="培训", unit="match")
    t = texts(project)
    by_id = {s.id: s.name for s in project.sources.list()}
    quotes = {t[by_id[sid]][a:b] for sid, a, b in result.spans}
    assert quotes == {"培训", "培訓"}
    assert result.created == len(occurrences(project, "培训", "培訓"))
    assert {c.quote for c in project.codings.list()} == {"培训", "培訓"}
    assert texts(project) == t  # stored text unchanged


def test_code_picker_filter_ignores_the_script(project: Project) -> None:
    codes = {c.id: c for c in project.codes.list()}
    zh = {c.id for c in codes.values() if "培訓" in c.label_zh}
    assert zh
    assert {i for i, c in codes.items() if matches(c, "培训")} == zh
    assert {i for i, c in codes.items() if matches(c, "培訓")} == zh


def test_without_opencc_matching_is_exact(project: Project, monkeypatch) -> None:
    monkeypatch.setattr(chinese_scripts, "_tables", lambda: None)
    assert found(project, "培训") == occurrences(project, "培训")
    assert found(project, "技術員") == occurrences(project, "技術員")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="ab培訓训 \n", max_size=12), min_size=1, max_size=8),
    st.sampled_from(["a", "ab", "aba", "培训", "訓a", "b\nb", " a"]),
    st.integers(min_value=1, max_value=30),
)
def test_one_pass_scan_finds_what_a_search_of_each_segment_finds(parts, query, limit):
    """The scan of a whole transcript (one regex pass, hits placed by bisection) finds the
    same hits as searching each segment alone, matches across two segments left out."""
    text = "\n".join(parts)
    rows, pos = [], 0
    for i, part in enumerate(parts):
        rows.append((i, 1, "t", None, pos, pos + len(part), None))
        pos += len(part) + 1
    pattern = re.compile(chinese_scripts.pattern_source(query), re.IGNORECASE)
    want = [
        (r[0], r[4] + m.start(), r[4] + m.end())
        for r in rows
        for m in pattern.finditer(text[r[4] : r[5]])
    ][:limit]
    hits: list = []
    full = _scan(text, pattern, pattern.search(text), rows, hits, limit)
    assert [(h.segment_id, h.start, h.end) for h in hits] == want
    assert full == (len(want) == limit)
    for h in hits:
        # (a newline inside a segment is shown as a space)
        assert h.snippet[h.snippet_start : h.snippet_end] == text[h.start : h.end].replace(
            "\n", " "
        )


def test_cli_highlights_the_match_on_a_terminal_only(project: Project, monkeypatch) -> None:
    """On a terminal the match is drawn bold and reversed; into a pipe or a file the table
    holds plain text (no escape sequences)."""
    buf = io.StringIO()
    terminal = Console(file=buf, force_terminal=True, width=100, color_system="standard")
    own = coding.console
    monkeypatch.setattr(coding, "console", terminal)
    out = CliRunner().invoke(main, ["-p", str(project.folder), "search", "培训"])
    assert out.exit_code == 0, out.output
    shown = buf.getvalue()
    every = sum(t.count("培訓") for t in texts(project).values())
    assert shown.count("\x1b[1;7m培訓\x1b[0m") == every  # each hit's match, marked once
    assert "\x1b[1;7m培训\x1b[0m" in shown  # the mainland file's own spelling
    monkeypatch.setattr(coding, "console", own)  # CliRunner's output is no terminal
    plain = CliRunner().invoke(main, ["-p", str(project.folder), "search", "培训"])
    assert "\x1b[" not in plain.output and "培訓" in plain.output
