"""`code add|list|remove|memo`, `autocode` and `search` on the demo project."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project

SRC = "focus-group-2025-12-08"


def span_of(project: Project, needle: str) -> tuple[int, int]:
    text = project.sources.get(SRC).text
    start = text.index(needle)
    return start, start + len(needle)


def as_json(res) -> list[dict]:
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


# ----------------------------------------------------------------------------- code add/list
def test_code_add_list_memo_remove(cli, demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        s1, e1 = span_of(p, "融資其實係一個大問題。")
        s2, e2 = span_of(p, "Very serious.")
        text = p.sources.get(SRC).text
    p_ = ("-p", str(demo_dir))
    res = cli(
        *p_,
        "code",
        "add",
        SRC,
        "--start",
        str(s1),
        "--end",
        str(e1),
        "--code",
        "factors.ecosystem.finance",
        "--memo",
        "銀行唔借錢",
    )
    assert res.exit_code == 0, res.stderr
    assert "融資其實係一個大問題。" in res.stdout
    res = cli(
        *p_,
        "code",
        "add",
        SRC,
        "--start",
        str(s2),
        "--end",
        str(e2),
        "--code",
        "factors.talent_gap",
        "--code",
        "challenges",
    )
    assert res.exit_code == 0 and res.stdout.count("Coding ") == 2
    rows = as_json(cli(*p_, "code", "list", "--format", "json"))
    assert len(rows) == 3
    for r in rows:
        assert r["quote"] == text[r["start"] : r["end"]]
        assert r["source"] == SRC and r["coder"] == "tester"
    finance = next(r for r in rows if r["code"] == "factors.ecosystem.finance")
    assert (finance["participant"], finance["group"], finance["time"]) == (
        "IL2",
        "industry_leader",
        "00:02:47",
    )
    assert finance["memo"] == "銀行唔借錢"
    # filters
    assert [
        r["code"]
        for r in as_json(cli(*p_, "code", "list", "--code", "challenges", "--format", "json"))
    ] == ["challenges"]
    assert {
        r["participant"]
        for r in as_json(cli(*p_, "code", "list", "--participant", "IL1", "--format", "json"))
    } == {"IL1"}
    assert len(as_json(cli(*p_, "code", "list", "--group", "業界領袖", "--format", "json"))) == 3
    assert as_json(cli(*p_, "code", "list", "--group", "academic", "--format", "json")) == []
    assert len(as_json(cli(*p_, "code", "list", "--source", SRC, "--format", "json"))) == 3
    assert (
        len(
            as_json(cli(*p_, "code", "list", "--code", "factors", "--subcodes", "--format", "json"))
        )
        == 2
    )
    table = cli(*p_, "code", "list")
    assert (
        table.exit_code == 0
        and "3 codings" in table.stdout
        and "融資其實係一個大問題" in table.stdout
    )
    # memo, then clear it
    res = cli(*p_, "code", "memo", str(finance["id"]), "needs a second source")
    assert res.exit_code == 0 and "needs a second source" in res.stdout
    res = cli(*p_, "code", "memo", str(finance["id"]), "")
    assert "(none)" in res.stdout
    # remove
    res = cli(*p_, "code", "remove", str(finance["id"]))
    assert res.exit_code == 0
    assert len(as_json(cli(*p_, "code", "list", "--format", "json"))) == 2


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("-1", "5", "outside the transcript"),
        ("5", "5", "outside the transcript"),
        ("10", "5", "outside the transcript"),
        ("0", "99999999", "outside the transcript"),
    ],
)
def test_code_add_refuses_spans_outside_the_text(
    cli, demo_dir: Path, snapshot, start: str, end: str, message: str
) -> None:
    before = snapshot(demo_dir)
    res = cli(
        "-p", str(demo_dir), "code", "add", SRC, "--start", start, "--end", end, "--code", "factors"
    )
    assert res.exit_code == 1
    assert message in res.stderr and "valid: 0 <= start < end <=" in res.stderr
    assert snapshot(demo_dir) == before


def test_code_errors_name_the_problem(cli, demo_dir: Path, snapshot) -> None:
    p_ = ("-p", str(demo_dir))
    before = snapshot(demo_dir)
    res = cli(*p_, "code", "add", SRC, "--start", "0", "--end", "5", "--code", "no.such")
    assert (
        res.exit_code == 1 and "no code 'no.such'" in res.stderr and "codebook show" in res.stderr
    )
    res = cli(*p_, "code", "add", "nope", "--start", "0", "--end", "5", "--code", "factors")
    assert res.exit_code == 1 and "no transcript 'nope'" in res.stderr
    res = cli(
        *p_,
        "code",
        "add",
        SRC,
        "--start",
        "0",
        "--end",
        "5",
        "--code",
        "factors",
        "--code",
        "bogus",
    )
    assert res.exit_code == 1 and "bogus" in res.stderr  # all codes checked before writing
    for args in (("code", "remove", "999"), ("code", "memo", "999", "x")):
        res = cli(*p_, *args)
        assert res.exit_code == 1 and "no coding with id 999" in res.stderr
    res = cli(*p_, "code", "list", "--participant", "ZZ9")
    assert res.exit_code == 1 and "no participant 'ZZ9'" in res.stderr
    res = cli(*p_, "code", "list", "--group", "aliens")
    assert res.exit_code == 1 and "unknown stakeholder group" in res.stderr
    assert snapshot(demo_dir) == before


def test_coding_span_is_checked_in_the_api_too(demo_project: Project) -> None:
    with pytest.raises(MpuQualError, match="whole numbers"):
        demo_project.codings.add(SRC, 0.5, 3, "factors")  # type: ignore[arg-type]
    with pytest.raises(MpuQualError, match="outside"):
        demo_project.codings.update(demo_project.codings.add(SRC, 0, 4, "factors").id, end=10**9)


# ----------------------------------------------------------------------------- autocode
def test_autocode_chinese_phrase_by_sentence(cli, demo_dir: Path) -> None:
    p_ = ("-p", str(demo_dir))
    res = cli(
        *p_,
        "autocode",
        "--code",
        "factors.ecosystem.finance",
        "--phrase",
        "融資",
        "--unit",
        "sentence",
        "--dry-run",
    )
    assert res.exit_code == 0, res.stderr
    assert "'融資其實係一個大問題。'" in res.stdout
    assert "1 passage would be coded (0 already are)" in res.stdout
    assert as_json(cli(*p_, "code", "list", "--format", "json")) == []
    res = cli(
        *p_,
        "autocode",
        "--code",
        "factors.ecosystem.finance",
        "--phrase",
        "融資",
        "--unit",
        "sentence",
    )
    assert res.exit_code == 0 and "Coded 1 passage" in res.stdout
    rows = as_json(cli(*p_, "code", "list", "--format", "json"))
    assert [r["quote"] for r in rows] == ["融資其實係一個大問題。"]
    res = cli(
        *p_,
        "autocode",
        "--code",
        "factors.ecosystem.finance",
        "--phrase",
        "融資",
        "--unit",
        "sentence",
    )
    assert "Coded 0 passages" in res.stdout and "(1 already coded)" in res.stdout


def test_autocode_english_segment_and_match_units(demo_project: Project) -> None:
    text = demo_project.sources.get(SRC).text
    seg = demo_project.codings.autocode("factors.ecosystem.infrastructure", phrase="INFRASTRUCTURE")
    assert seg.created == len(seg.spans) >= 3
    segments = {(g.start, g.end) for g in demo_project.sources.segments(SRC)}
    assert all((s, e) in segments for _sid, s, e in seg.spans)
    assert all("infrastructure" in text[s:e].lower() for _sid, s, e in seg.spans)
    match = demo_project.codings.autocode("manpower.technical", regex=r"PLC|技術員", unit="match")
    assert {text[s:e] for _sid, s, e in match.spans} == {"PLC", "技術員"}
    assert demo_project.history.recent()[0]["description"].startswith(
        "Auto-code manpower.technical"
    )
    assert demo_project.history.undo().startswith("Auto-code manpower.technical")
    assert demo_project.codings.list(code="manpower.technical") == []


def test_autocode_sentence_in_english(demo_project: Project) -> None:
    res = demo_project.codings.autocode(
        "factors.talent_gap.shortage_ageing", phrase="retires next year", unit="sentence"
    )
    assert [
        c.quote for c in demo_project.codings.list(code="factors.talent_gap.shortage_ageing")
    ] == [
        "Our most senior maintenance technician retires next year and honestly I don't know "
        "who will take over."
    ]
    assert res.created == 1


def test_autocode_bad_input(cli, demo_dir: Path, snapshot) -> None:
    p_ = ("-p", str(demo_dir))
    before = snapshot(demo_dir)
    cases = [
        (("--code", "factors"), "exactly one of --phrase or --regex"),
        (("--code", "factors", "--phrase", "a", "--regex", "b"), "exactly one of"),
        (("--code", "factors", "--regex", "(unclosed"), "invalid regular expression"),
        (("--code", "factors", "--phrase", "   "), "the phrase is empty"),
        (("--code", "nope", "--phrase", "AI"), "no code 'nope'"),
    ]
    for args, message in cases:
        res = cli(*p_, "autocode", *args)
        assert res.exit_code == 1 and message in res.stderr, args
    res = cli(*p_, "autocode", "--code", "factors", "--phrase", "AI", "--unit", "page")
    assert res.exit_code == 2
    assert snapshot(demo_dir) == before


# ----------------------------------------------------------------------------- search
@pytest.mark.parametrize(
    "query", ["融資", "技術員", "老師傅識得", "PLC", "plc", "robot cell", "know-how", "資"]
)
def test_search_finds_every_occurrence(demo_project: Project, query: str) -> None:
    text = demo_project.sources.get(SRC).text
    expected = [m.start() for m in re.finditer(re.escape(query), text, re.IGNORECASE)]
    hits = demo_project.search(query)
    assert expected, query
    assert [h.start for h in hits] == expected
    for h in hits:
        assert text[h.start : h.end].lower() == query.lower()
        assert h.source_name == SRC and h.speaker


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        'say "hello',
        "AND",
        "OR NOT",
        "NEAR(a b)",
        "a*",
        "col:umn",
        "(",
        "^x",
        "-",
        "x' OR '1'='1",
        "🙂🙂🙂",
        "'; DROP",
    ],
)
def test_search_queries_with_quotes_and_operators_do_not_break(
    demo_project: Project, query: str
) -> None:
    text = demo_project.sources.get(SRC).text
    hits = demo_project.search(query)
    expected = len(re.findall(re.escape(query.strip()), text, re.IGNORECASE))
    assert len(hits) == min(expected, 200)
    assert demo_project.sources.list()  # nothing dropped


def test_search_cli_table_json_and_limit(cli, demo_dir: Path) -> None:
    p_ = ("-p", str(demo_dir))
    rows = as_json(cli(*p_, "search", "技術員", "--format", "json"))
    assert len(rows) == 1 and rows[0]["speaker"] == "IL1" and "技術員" in rows[0]["snippet"]
    res = cli(*p_, "search", "the", "--limit", "3", "--format", "json")
    assert len(as_json(res)) == 3
    assert cli(*p_, "search", "the", "--limit", "0").exit_code == 2
    res = cli(*p_, "search", 'he said "no" AND left')
    assert res.exit_code == 0 and "0 hits" in res.stdout
    assert cli(*p_, "search", "").exit_code == 0
    res = cli(*p_, "search", "PLC", "--source", "nope")
    assert res.exit_code == 1 and "no transcript 'nope'" in res.stderr


def test_bracketed_transcript_text_is_printed_not_taken_as_markup(cli, demo_dir: Path, tmp_path):
    path = tmp_path / "brackets.txt"
    path.write_text(
        "IL1: so [laughs] we said [bold]no[/bold]\nTP1: ok [inaudible 00:12]\n", "utf-8"
    )
    p_ = ("-p", str(demo_dir))
    assert cli(*p_, "transcripts", "add", str(path)).exit_code == 0
    res = cli(*p_, "transcripts", "show", "brackets")
    assert "so [laughs] we said [bold]no[/bold]" in res.stdout
    assert "ok [inaudible 00:12]" in res.stdout
    cli(*p_, "autocode", "--code", "factors", "--phrase", "[laughs]", "--unit", "match")
    assert "[laughs]" in cli(*p_, "code", "list").stdout
    assert "[laughs]" in cli(*p_, "search", "laughs").stdout
    cli(*p_, "participants", "set", "TP1", "--name", "[b]Lee[/b]")
    assert "[b]Lee[/b]" in cli(*p_, "participants", "list").stdout
