"""Projects the tests build: a small bilingual project with real names in it, the coded demo
script, and reading every text inside an exported file (export, REFI-QDA and privacy tests)."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from types import ModuleType

from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

REPO_ROOT = Path(__file__).resolve().parents[1]

SMALL_CODEBOOK = """\
version: 1
name: Small test project
name_zh: 小型測試
stakeholder_groups:
  - {id: industry_leader, en: Industry leader, zh: 業界領袖, match: '^IL\\d*$'}
  - {id: academic, en: Academic, zh: 學術專家, match: '^AC\\d*$'}
  - {id: moderator, en: Moderator, zh: 主持人, match: '^Moderator$'}
audiences:
  - {id: government, en: Government, zh: 政府}
  - {id: employers, en: Employers, zh: 僱主}
codes:
  - id: talent
    en: Talent
    zh: 人才
    rule: Talent supply.
    color: "#1f77b4"
    codes:
      - {id: talent.shortage, en: Shortage, zh: 短缺, rule: Not enough people.}
      - {id: talent.ageing, en: Ageing, zh: 老化, rule: Retirements.}
  - id: odd
    en: Odd text
    zh: 特殊文字
    codes:
      - {id: odd.formula, en: Formula-like, zh: 公式}
  - id: rec
    en: Recommendations
    zh: 建議
    codes:
      - {id: rec.gov, en: For government, zh: 致政府, addresses: government}
      - {id: rec.emp, en: For employers, zh: 致僱主, addresses: employers}
"""

# (speaker, start_ms, end_ms, text): CJK, emoji, combining marks, CRLF inside a turn, and
# text a spreadsheet would run as a formula.
TURNS = [
    ("Moderator", 0, 4000, "Welcome. Let's start with talent."),
    (
        "IL1",
        5000,
        11000,
        "Chan Tai Man here. 我哋請人好難 😀, even a café needs staff; naïve e\u0301 too.",
    ),
    ("AC1", 12000, 19000, "陳大文話: retirements hurt.\r\nSecond line after a CRLF 🧑‍🔬."),
    ("IL1", 20000, 24000, '=HYPERLINK("http://evil.example","x")'),
    ("AC1", 25000, 29000, "+1 then -2 then @SUM(A1)"),
    ("IL1", 30000, 36000, "Government should fund retraining. Peter from Acme agrees."),
    ("AC1", 37000, 41000, "Employers: mentor young staff. 我同Peter講過。"),
    ("IL1", 42000, 45000, "\tTabbed start"),
]
NAMES = {"IL1": "Chan Tai Man", "AC1": "陳大文"}
LISTED = {"Peter": "[colleague]", "Acme": "[company]"}
ALL_NAMES = [*NAMES.values(), *LISTED]


def turn_span(
    project: Project, idx: int, first: str | None = None, last: str | None = None
) -> tuple[int, int]:
    """Offsets of a turn (or of the words from ``first`` to ``last`` in it)."""
    src = project.sources.get("session-1")
    seg = project.sources.segments(src)[idx]
    s = seg.start if first is None else src.text.index(first, seg.start, seg.end)
    e = seg.end if last is None else src.text.index(last, s, seg.end) + len(last)
    return s, e


def build_small_project(folder: Path) -> Project:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    project = Project.init(folder, import_transcripts=False)
    parsed = ParsedTranscript(
        segments=[ParsedSegment(text=t, speaker=s, start_ms=a, end_ms=b) for s, a, b, t in TURNS],
        metadata={"title": "Session one", "date": "2025-12-08"},
    )
    project.sources.add("session-1", parsed)
    for label, name in NAMES.items():
        project.participants.set(label, name=name, attrs={"sector": "Testing"})
    coded = [
        (1, None, None, ["talent.shortage"], "Asked Chan Tai Man to say more.", "Peter"),
        (2, None, None, ["talent.ageing", "talent.shortage"], None, "coder-a"),
        (2, "Second line", None, ["talent.ageing"], "Spans the CRLF.", "coder-a"),
        (0, None, None, ["talent"], None, "coder-a"),
        (3, None, None, ["odd.formula"], None, "coder-a"),
        (4, None, None, ["odd.formula"], None, "coder-a"),
        (7, None, None, ["odd.formula"], None, "coder-a"),
        (5, "Government", "retraining.", ["rec.gov"], None, "coder-b"),
        (6, None, None, ["rec.emp"], "Peter again.", "coder-b"),
    ]
    for idx, first, last, codes, memo, coder in coded:
        s, e = turn_span(project, idx, first, last)
        project.codings.add_many("session-1", s, e, codes, memo=memo, coder=coder)
    return project


def load_code_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "code_demo", REPO_ROOT / "scripts" / "code_demo.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def all_text(path: Path) -> str:
    """Everything a file holds as text: zip members (XLSX, DOCX, QDPX) decompressed."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return data.decode("utf-8", "replace")
