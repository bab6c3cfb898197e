"""Selection positions counted in UTF-16 units (NVivo) or code points, decided per source from
the evidence in the file (issue #17): the NVivo 14 export with emoji in tests/data/qda (a
faithful copy, see SOURCES.md), a copy of it that names no tool, and hand-made cases for each
signal."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from mpu_qual.refi.import_into_project import import_qdpx_new
from mpu_qual.refi.offsets import (
    CODE_POINTS,
    UTF16,
    PositionsUnclear,
    choose_reading,
    decide_reading,
)
from mpu_qual.refi.qdpx_writer import export_qdpx
from mpu_qual.refi.reader import RSelection
from mpu_qual.store import Project

QDA = Path(__file__).resolve().parents[1] / "data" / "qda"
NVIVO = QDA / "nvivo_14_emoji.qdpx"

# What NVivo showed for each code (the phrases its selections cover).
EXPECTED = {
    "Recruitment difficulty": ["搵咗三個月工都冇回覆", "我哋公司請唔到人"],
    "Apprenticeship": ["Our firm pays for the apprenticeship", "nobody applies"],
    "Image of manufacturing": ["後生仔覺得工廠污糟"],
    "Training": [
        "short courses after work would help me a lot",
        "training centres should run robotics maintenance classes at night",
    ],
    "Ageing workforce": ["half my team will follow within five years"],
    "Automation": ["automation is the only way forward"],
}


def quotes_by_label(folder: Path) -> dict[str, list[str]]:
    with Project.open(folder) as p:
        labels = {c.id: c.label_en for c in p.codes.list()}
        out: dict[str, list[str]] = {}
        for c in p.codings.list():
            out.setdefault(labels[c.code_id], []).append(c.quote)
    return {k: sorted(v) for k, v in out.items()}


def rewrite_qde(src: Path, dest: Path, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "project.qde":
                data = change(data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
    return dest


def test_nvivo_export_with_emoji_keeps_every_quote(tmp_path: Path) -> None:
    report = import_qdpx_new(NVIVO, tmp_path / "p")
    assert report.codings == 9
    got = quotes_by_label(tmp_path / "p")
    assert got == {k: sorted(v) for k, v in EXPECTED.items()}
    (why,) = [w for w in report.warnings if "positions read as" in w]
    assert UTF16 in why and "inside a word" in why  # the file's own evidence, said


def test_a_file_naming_no_tool_is_still_read_from_word_boundaries(tmp_path: Path) -> None:
    anonymous = rewrite_qde(
        NVIVO, tmp_path / "a.qdpx", lambda q: q.replace("NVivo 14.24.0 (Windows)", "")
    )
    import_qdpx_new(anonymous, tmp_path / "p")
    assert quotes_by_label(tmp_path / "p") == {k: sorted(v) for k, v in EXPECTED.items()}


def test_chinese_only_selections_without_tool_are_refused_with_both_quotes(
    tmp_path: Path, cli
) -> None:
    """No names, no tool, no words to cut (Chinese): both readings are shown, nothing written;
    --positions chooses."""

    def keep_chinese(q: str) -> str:
        q = q.replace("NVivo 14.24.0 (Windows)", "")
        chinese = [
            re.search(rf'<Code guid="([^"]+)" isCodable="true" name="{name}"', q).group(1)
            for name in ("Recruitment difficulty", "Image of manufacturing")
        ]
        for s in re.findall(r"<PlainTextSelection.*?</PlainTextSelection>", q):
            if not any(g in s for g in chinese):
                q = q.replace(s, "")
        return q

    f = rewrite_qde(NVIVO, tmp_path / "zh.qdpx", keep_chinese)
    r = cli("import", "qdpx", str(f), "--new", str(tmp_path / "p"))
    assert r.exit_code != 0
    assert "cannot tell how the selection positions are counted" in r.stderr
    assert "--positions code-points" in r.stderr and "--positions utf-16" in r.stderr
    assert "後生仔覺得工廠污糟" in r.stderr  # the UTF-16 reading's quote
    assert not (tmp_path / "p").exists()
    r = cli("import", "qdpx", str(f), "--new", str(tmp_path / "p"), "--positions", "utf-16")
    assert r.exit_code == 0, r.stderr
    got = quotes_by_label(tmp_path / "p")
    assert sorted(q for v in got.values() for q in v) == sorted(
        ["搵咗三個月工都冇回覆", "我哋公司請唔到人", "後生仔覺得工廠污糟"]
    )


def test_export_and_import_again_keeps_every_quote(tmp_path: Path) -> None:
    import_qdpx_new(NVIVO, tmp_path / "p")
    with Project.open(tmp_path / "p") as p:
        export_qdpx(p, tmp_path / "again.qdpx")
    import_qdpx_new(tmp_path / "again.qdpx", tmp_path / "q")
    assert quotes_by_label(tmp_path / "q") == quotes_by_label(tmp_path / "p")


# ----------------------------------------------------------------------------- the signals
TEXT = "ok 😀 go\nhello world and more words here"


def sel(a: int, b: int, name: str | None = None) -> RSelection:
    return RSelection(guid=f"g{a}", name=name, start=a, end=b)


def test_a_selection_inside_a_surrogate_pair_rules_utf16_out() -> None:
    # 4 is between the two halves of 😀 in UTF-16: only code points can be meant
    r = decide_reading(TEXT, [sel(4, 8), sel(9, 14)])
    assert r.name == CODE_POINTS and "every selection starts and ends" in r.why


def test_names_decide_when_present() -> None:
    a = TEXT.index("hello")
    r = decide_reading(TEXT, [sel(a + 1, a + 12, "hello world")])
    assert r.name == UTF16 and "names match" in r.why


def test_the_tool_decides_when_the_text_does_not() -> None:
    text = "😀中文內容測試再多一點中文"
    selections = [sel(3, 5)]
    assert decide_reading(text, selections, origin="NVivo 12.6 (Windows)").name == UTF16
    assert decide_reading(text, selections, origin="QualCoder 3.8").name == CODE_POINTS
    with pytest.raises(PositionsUnclear, match="--positions utf-16"):
        decide_reading(text, selections)
    assert choose_reading(text, selections)[0] == CODE_POINTS  # merge keeps the standard's


def test_selections_before_the_first_emoji_need_no_decision() -> None:
    text = "hello world 😀"
    r = decide_reading(text, [sel(0, 5)])
    assert (r.name, r.why) == (CODE_POINTS, "")


# ----------------------------------------------------------------------------- export for NVivo
def positions_of(qdpx: Path) -> list[tuple[int, int]]:
    with zipfile.ZipFile(qdpx) as z:
        q = z.read("project.qde").decode("utf-8")
    pairs = re.findall(r"<PlainTextSelection[^>]*?>", q)
    out = []
    for sel in pairs:
        a = re.search(r'startPosition="(\d+)"', sel)
        b = re.search(r'endPosition="(\d+)"', sel)
        out.append((int(a.group(1)), int(b.group(1))))
    return sorted(out)


def test_export_for_nvivo_writes_the_positions_nvivo_wrote(tmp_path: Path, cli) -> None:
    import_qdpx_new(NVIVO, tmp_path / "p")
    out = tmp_path / "for-nvivo.qdpx"
    res = cli("-p", str(tmp_path / "p"), "export", "qdpx", "-o", str(out), "--positions", "utf-16")
    assert res.exit_code == 0, res.stderr
    assert positions_of(out) == positions_of(NVIVO)  # the very positions NVivo wrote
    import_qdpx_new(out, tmp_path / "q")  # and mpu-qual reads its own NVivo export right
    assert quotes_by_label(tmp_path / "q") == quotes_by_label(tmp_path / "p")


def test_audio_transcript_sync_points_count_as_the_selections_do(tmp_path: Path) -> None:
    from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

    import_qdpx_new(NVIVO, tmp_path / "p")
    with Project.open(tmp_path / "p") as p:
        parsed = ParsedTranscript(
            [
                ParsedSegment("😀😀 first turn here.", "IL1", 0, 2000),
                ParsedSegment("🙏🏻 second turn, 第二段.", "AC1", 2000, 5000),
            ]
        )
        src = p.sources.add("recording", parsed, media_path="media/rec.wav")
        text = p.sources.get("recording").text
        a = text.index("second")
        code = p.codes.list()[0].id
        p.codings.add(src, a, a + 6, code)
        export_qdpx(p, tmp_path / "u.qdpx", positions="utf-16")
    import_qdpx_new(tmp_path / "u.qdpx", tmp_path / "q")
    with Project.open(tmp_path / "q") as q:
        assert [c.quote for c in q.codings.list(source="recording")] == ["second"]
        assert [g.start_ms for g in q.sources.segments("recording")] == [0, 2000]


def test_whole_sentences_decide_in_chinese_text_without_words_or_names() -> None:
    text = "😀 大家好。\n🙏🏻 我哋公司請唔到人。\n政府應該資助培訓。\n多謝大家今日嚟。\n以上係今日嘅討論。"
    units = lambda i: len(text[:i].encode("utf-16-le")) // 2  # noqa: E731
    chosen = ["我哋公司請唔到人。", "政府應該資助培訓。", "多謝大家今日嚟。"]
    spans = [(text.index(q), text.index(q) + len(q)) for q in chosen]
    r = decide_reading(text, [sel(units(a), units(b)) for a, b in spans])
    assert r.name == UTF16 and "line or sentence boundary" in r.why
    r = decide_reading(text, [sel(a, b) for a, b in spans])
    assert r.name == CODE_POINTS
