"""REFI-QDA files as other programs write them (tests/data/qda, tests/data/refi; origin and
licence of each in tests/data/SOURCES.md): what comes in, counted and quoted.

Real files: QualCoder 3.8.2, Taguette 1.4.1 and ATLAS.ti 23.4 codebooks (.qdc), an NVivo
for Mac 15 project. Faithful copies of the tools' layouts (built by
tests/data/qda/build_corpus.py): qc 1.3.2, QualCoder 3.8, MAXQDA 24 and ATLAS.ti 24 projects.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.refi.import_into_project import import_qdc, import_qdpx, import_qdpx_new
from mpu_qual.store import Project

DATA = Path(__file__).resolve().parents[1] / "data"
QDA = DATA / "qda"


def opened(folder: Path) -> Project:
    return Project.open(folder)


def quotes(p: Project) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in p.codings.list():
        out.setdefault(c.code_id, []).append(c.quote)
    return out


def test_the_committed_copies_equal_a_fresh_build(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_corpus", QDA / "build_corpus.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for made in build.build_all(tmp_path):
        committed = QDA / made.name
        with zipfile.ZipFile(made) as a, zipfile.ZipFile(committed) as b:
            assert a.namelist() == b.namelist(), made.name
            for name in a.namelist():
                assert a.read(name) == b.read(name), f"{made.name}::{name}"


# ----------------------------------------------------------------------------- qc
def test_qc_project_with_scheme_less_paths(tmp_path: Path) -> None:
    """qc writes plainTextPath="fg1-industry.txt" (no internal://) and the file in sources/;
    it was 'outside the archive': 0 transcripts, every coding dropped, exit 0."""
    report = import_qdpx_new(QDA / "qc_1.3.2.qdpx", tmp_path / "p")
    assert sorted(report.sources) == ["fg1-industry", "interviews/te1"]  # named from the path
    assert report.codings == 5 and report.skipped == []
    assert sorted(report.codes_added) == [
        "manpower",
        "manpower.ageing",
        "manpower.shortage",
        "training",
        "training.apprenticeship",
        "training.short_courses",
    ]
    with opened(tmp_path / "p") as p:
        fg = p.sources.get("fg1-industry").text
        assert fg.startswith("MOD: 多謝大家今日嚟參加。First question:")
        assert all(line and len(line) <= 80 for line in fg.splitlines())  # qc's hard wrap
        q = quotes(p)
        # qc codes whole lines, newline included
        assert q["training.apprenticeship"] == [
            "TE1: Apprenticeship 計劃效果好好，學員一路讀書一路返工，留低嘅比例高好多。\n"
        ]
        assert len(q["manpower.shortage"]) == 2
        assert any("PLC" in s for s in q["manpower.shortage"])
        assert q["manpower.ageing"] == q["training.short_courses"]  # one line, three codes
        assert "retire in five to ten years" in q["manpower.ageing"][0]
        assert {c.coder for c in p.codings.list()} == {"chris"}
        assert p.sources.get("fg1-industry").metadata["origin"] == "qc 1.3.2"


def test_qc_project_into_an_open_project(small: Project) -> None:
    report = import_qdpx(small, QDA / "qc_1.3.2.qdpx", prefix="qc/")
    assert sorted(report.sources) == ["qc/fg1-industry", "qc/interviews/te1"]
    assert len(small.codings.list(source="qc/fg1-industry")) == 4


# ----------------------------------------------------------------------------- QualCoder
def test_qualcoder_project(tmp_path: Path) -> None:
    report = import_qdpx_new(QDA / "qualcoder_3.8.qdpx", tmp_path / "p")
    assert sorted(report.sources) == ["FG1 industry.txt", "fg2.m4a"]
    assert (report.codings, report.participants, report.skipped) == (5, 2, [])
    with opened(tmp_path / "p") as p:
        # the category (isCodable="false") is the parent of its codes
        assert p.codes.get("manpower_training.skills_shortage").parent_id == "manpower_training"
        assert p.codes.get("manpower_training").label_en == "Manpower & training"
        assert (
            p.codes.get("manpower_training.skills_shortage").rule == "Posts that cannot be filled."
        )
        q = quotes(p)
        assert q["manpower_training.skills_shortage"] == [
            "技術員",
            "but most of them will retire in five to ten years.",
        ]
        assert sorted(q["manpower_training.training"]) == [
            "Apprenticeship 計劃效果好好",
            "學員一路讀書一路返工",  # coded in the audio file's transcript
        ]
        assert q["image_of_the_industry"] == ["Young people think manufacturing is dirty work."]
        memo = [c.memo for c in p.codings.list() if c.quote == "技術員"]
        assert memo == ["IL1 is blunt here"]  # the selection's Description
        assert {c.coder for c in p.codings.list(source="FG1 industry.txt")} == {"default"}
        audio = p.sources.get("fg2.m4a")
        assert audio.media_path == "/home/researcher/fieldwork/fg2.m4a"  # absolute://
        assert audio.text.startswith("[00:00:01] IL2: 我哋要改變呢個形象。")
        il1, te1 = p.participants.get("IL1"), p.participants.get("TE1")
        assert (il1.group_id, il1.attributes) == ("industry_leader", {"Company size": "SME"})
        assert te1.group_id == "training_expert"
        assert te1.attributes == {"Description": "Training expert, VTC"}
        memos = dict(p.conn.execute("SELECT title, text FROM memos").fetchall())
        assert memos["Reflections after FG1"] == (
            "Employers and trainers disagree on who should pay."  # a text file in Sources/
        )
        assert memos["Project description"] == "Advanced manufacturing manpower update"
        fg1 = p.sources.get("FG1 industry.txt").metadata
        assert fg1["description"] == "Focus group 1, industry leaders"
        # QualCoder's file attributes (a source's <VariableValue>) become transcript metadata
        assert fg1["Venue"] == "HKPC Building, Kowloon Tong"
        assert audio.metadata["Venue"] == "荃灣 培訓中心"


def test_qualcoder_codebook_with_bom_and_crlf(small: Project) -> None:
    path = QDA / "qualcoder_3.8.2_codebook.qdc"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # as QualCoder wrote it
    report = import_qdc(small, path)
    assert len(report.codes_added) == 38  # 6 categories and 32 codes
    codes = {c.id: c for c in small.codes.list()}
    odd = next(c for c in codes.values() if c.label_en.startswith("Ünïcøde"))
    assert odd.label_en == 'Ünïcøde & <angle> "quoted" — 教师'
    fidelity = codes["implementation_quality.curriculum_fidelity"]
    assert fidelity.parent_id == "implementation_quality"
    assert (
        fidelity.rule == "Teacher follows the published sequence.\nSecond line, after a hard break."
    )
    assert fidelity.color == "#a3bea5"
    assert codes["training_professional_development.ongoing_coaching"].rule == (
        "Résumé of coaching; 教师反馈 included."
    )
    assert import_qdc(small, path).codes_added == []  # again: nothing new


# ----------------------------------------------------------------------------- Taguette
def test_taguette_codebook_with_empty_sets(small: Project) -> None:
    report = import_qdc(small, QDA / "taguette_1.4.1_codebook.qdc")
    assert sorted(report.codes_added) == ["interesting", "public_opinion", "scarcity"]
    assert report.warnings == [] and report.memos == 0
    assert small.codes.get("public_opinion").label_en == "public opinion"


# ----------------------------------------------------------------------------- ATLAS.ti
def test_atlasti_codebook_code_group_is_kept_as_a_memo(small: Project) -> None:
    report = import_qdc(small, QDA / "atlasti_23.4.0_codebook.qdc")
    assert report.codes_added == ["code1"] and report.memos == 1
    assert small.codes.get("code1").rule == "description"
    assert small.codes.get("code1").color == "#46aa00"
    assert "set 'code group 1' (1 codes)" in report.warnings[0]
    title, text = small.conn.execute(
        "SELECT title, text FROM memos WHERE title LIKE 'Code set:%'"
    ).fetchone()
    assert title == "Code set: code group 1"
    assert "kategorie 1" in text and "- code1: code1" in text
    small.history.undo()  # one action: codes and memo go together
    assert small.conn.execute("SELECT count(*) FROM memos").fetchone()[0] == 0
    assert "code1" not in {c.id for c in small.codes.list()}


def test_atlasti_project(tmp_path: Path) -> None:
    report = import_qdpx_new(QDA / "atlasti_24.qdpx", tmp_path / "p")
    assert sorted(report.sources) == ["FG1 industry leaders", "Manpower survey 2024.pdf"]
    assert (report.codings, report.skipped) == (5, [])
    assert report.sets == [
        "set 'Focus groups': recorded in the metadata of its 1 transcripts (sets)"
    ]
    with opened(tmp_path / "p") as p:
        q = quotes(p)
        assert q["skills_shortage"] == [
            "最難請係識 PLC 同自動化嘅技術員",
            "Technicians: 1,250 vacancies.",  # coded in the PDF's text representation
        ]
        assert q["government_funding"] == ["政府應該資助中小企做在職培訓"]
        assert {c.coder for c in p.codings.list()} == {"Researcher"}
        assert p.sources.get("FG1 industry leaders").metadata["sets"] == "Focus groups"
        memos = dict(p.conn.execute("SELECT title, text FROM memos").fetchall())
        assert memos["Research question"].startswith("Which skills do SMEs lack most")
        group = memos["Code set: Manpower problems"]
        assert "- skills_shortage: Skills shortage" in group
        assert "- ageing_workforce: Ageing workforce" in group


# ----------------------------------------------------------------------------- MAXQDA
def test_maxqda_project_with_a_picture_is_refused_then_imported_with_partial(
    tmp_path: Path, cli
) -> None:
    path = QDA / "maxqda_24.qdpx"
    with pytest.raises(MpuQualError, match=r"1 source \(with 1 coding\)") as err:
        import_qdpx_new(path, tmp_path / "p")
    assert "PictureSource 'Whiteboard photo'" in str(err.value)
    assert not (tmp_path / "p").exists()
    r = cli("import", "qdpx", str(path), "--new", str(tmp_path / "p"))
    assert r.exit_code == 1 and "nothing was imported" in r.stderr
    assert "--partial" in r.stderr and not (tmp_path / "p").exists()

    r = cli("import", "qdpx", str(path), "--new", str(tmp_path / "p"), "--partial")
    assert r.exit_code == 0, r.stderr
    assert "2 transcripts, 3 codings" in r.stdout
    assert "skipped: 1 source (with 1 coding):" in r.stderr
    assert "PictureSource 'Whiteboard photo'" in r.stderr
    with opened(tmp_path / "p") as p:
        text = p.sources.get("FG1 Industry leaders").text
        assert text.count("\r\n") == 8  # CRLF kept exactly
        q = quotes(p)
        assert q == {
            "manpower.technician_shortage": ["冇人應徵"],
            "training.government_funding": ["資助中小企做在職培訓"],
            "training.apprenticeship": ["學員一路讀書一路返工"],
        }
        memo = [c.memo for c in p.codings.list() if c.quote == "資助中小企做在職培訓"]
        assert memo == ["Ask the Labour Department for figures"]
        assert {c.coder for c in p.codings.list()} == {"researcher"}
        assert {s.metadata.get("sets") for s in p.sources.list()} == {"Focus group 1"}


# ----------------------------------------------------------------------------- NVivo
def test_nvivo_for_mac_project(tmp_path: Path) -> None:
    report = import_qdpx_new(DATA / "refi" / "nvivo_sample.qdpx", tmp_path / "p")
    assert len(report.codes_added) == 262 and len(report.sources) == 2
    assert (report.codings, report.skipped) == (0, [])
    with opened(tmp_path / "p") as p:
        assert p.codes.get("rq1_definition.concepts.abstraction").label_en == "abstraction"


# ----------------------------------------------------------------------------- wrong command
def test_a_project_given_to_import_qdc_names_the_right_command(small: Project, cli) -> None:
    with pytest.raises(MpuQualError, match=r"REFI-QDA project \(\.qdpx\), not a codebook") as e:
        import_qdc(small, QDA / "qc_1.3.2.qdpx")
    assert "mpu-qual import qdpx" in (e.value.hint or "")
    r = cli("-p", str(small.folder), "import", "qdc", str(QDA / "atlasti_24.qdpx"))
    assert r.exit_code == 1
    assert "this is a REFI-QDA project (.qdpx), not a codebook" in r.stderr
    assert "mpu-qual import qdpx" in r.stderr and "XML syntax" not in r.stderr


def test_a_codebook_given_to_import_qdpx_names_the_right_command(small: Project, cli) -> None:
    with pytest.raises(MpuQualError, match=r"REFI-QDA codebook \(\.qdc\), not a project") as e:
        import_qdpx(small, QDA / "taguette_1.4.1_codebook.qdc")
    assert "mpu-qual import qdc" in (e.value.hint or "")
    r = cli("-p", str(small.folder), "import", "qdpx", str(QDA / "qualcoder_3.8.2_codebook.qdc"))
    assert r.exit_code == 1 and "not a project" in r.stderr and "import qdc" in r.stderr


def test_an_unpacked_qde_and_a_native_project_are_named(small: Project, tmp_path: Path) -> None:
    qde = tmp_path / "project.qde"
    with zipfile.ZipFile(QDA / "atlasti_24.qdpx") as z:
        qde.write_bytes(z.read("project.qde"))
    with pytest.raises(MpuQualError, match="unpacked REFI-QDA project file"):
        import_qdpx(small, qde)
    with pytest.raises(MpuQualError, match="unpacked REFI-QDA project file .* not a codebook"):
        import_qdc(small, qde)
    nvp = tmp_path / "study.nvp"
    nvp.write_bytes(b"\x00\x01binary NVivo file")
    with pytest.raises(MpuQualError, match="NVivo project") as e:
        import_qdpx(small, nvp)
    assert "Export it from that program as REFI-QDA" in (e.value.hint or "")
