"""docs/ARCHITECTURE.md's "Where to add X" is true: the files it names exist, and for the
formats the registry is the one place that lists them. A format added to a registry (here at
run time, in a fresh interpreter, before anything reads it) appears in the CLI's choices and
help, the workbench's export form and the README table, and the CLI writes or reads it, with
no other file changed; and no module outside the registries keeps a list of its own."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from package_trees import parse

from mpu_qual.analysis.formats import COOCCURRENCE_FORMATS, FRAMEWORK_FORMATS, MATRIX_FORMATS
from mpu_qual.evidence import readers
from mpu_qual.evidence.render import SKILL_FORMATS, TABLE_FORMATS
from mpu_qual.export.formats import QUOTE_FORMATS, SUMMARY_FORMATS
from mpu_qual.file_formats import Formats

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mpu_qual"
DOC = ROOT / "docs" / "ARCHITECTURE.md"
CASES = (
    "A transcript format",
    "An export format (coded quotes or the theme summary)",
    "A job-ad file type",
    "A workbench screen",
    "A job-ad rule",
    "A CLI command",
)


def load_readme_formats():
    spec = importlib.util.spec_from_file_location(
        "readme_formats", ROOT / "scripts" / "readme_formats.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def section() -> dict[str, str]:
    """Each "###" case of the "Where to add X" section: its heading -> its text."""
    text = DOC.read_text(encoding="utf-8")
    found = re.search(r"^## Where to add X\n(.*?)(?=^## )", text, re.S | re.M)
    assert found, "docs/ARCHITECTURE.md lost its 'Where to add X' section"
    parts = re.split(r"^### (.+)\n", found.group(1), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_section_covers_every_case() -> None:
    assert tuple(section()) == CASES


@pytest.mark.parametrize("case", CASES)
def test_every_file_a_case_names_exists(case: str) -> None:
    """Paths in backquotes; for a new module (`.../<name>.py`) its folder."""
    text = section()[case]
    paths = re.findall(
        r"`((?:mpu_qual|tests|scripts|docs)/[^`\s]*|README\.md|pyproject\.toml)`", text
    )
    assert paths, f"'{case}' names no files"
    missing = []
    for p in paths:
        target = ROOT / p.split("<")[0] if "<" in p else ROOT / p
        if not target.exists():
            missing.append(p)
    assert missing == [], f"'{case}' names files that do not exist: {missing}"


def test_the_readme_tables_are_the_registries() -> None:
    gen = load_readme_formats()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for key, table in gen.TABLES.items():
        assert gen.block(text, key) == table(), (
            f"README.md's {key} table is out of date: run python scripts/readme_formats.py --write"
        )
    assert gen.current(text) == text


# A fresh interpreter adds a format "fake" (suffix .fake) to each registry, as a new
# registration line would, then asks every place that lists formats.
FAKE = r"""
import json, sys
from pathlib import Path
from click.testing import CliRunner
from mpu_qual.file_formats import FileFormat, Formats
from mpu_qual.export import formats
from mpu_qual.evidence import readers

def add(registry, function):
    fake = FileFormat("fake", "Fake", (".fake",), function)
    return Formats(registry.kind, registry.formats + (fake,))

formats.QUOTE_FORMATS = add(formats.QUOTE_FORMATS, "fake_formats:write_quotes")
formats.SUMMARY_FORMATS = add(formats.SUMMARY_FORMATS, "fake_formats:write_summary")
readers.FORMATS = add(readers.FORMATS, "fake_formats:Reader")
from mpu_qual.analysis import formats as analysis_formats
from mpu_qual.evidence import render as job_tables
analysis_formats.MATRIX_FORMATS = add(analysis_formats.MATRIX_FORMATS, "fake_formats:write_matrix")
job_tables.TABLE_FORMATS = add(job_tables.TABLE_FORMATS, "fake_formats:write_jobs")

from mpu_qual.cli import main
from mpu_qual.store import Project
from mpu_qual.tui.screens.export import QUOTE_FIELDS, SUMMARY_FIELDS

sys.path.insert(0, sys.argv[2])
spec = __import__("importlib.util").util.spec_from_file_location("rf", sys.argv[3])
gen = __import__("importlib.util").util.module_from_spec(spec)
spec.loader.exec_module(gen)

folder = Path(sys.argv[1])
Project.init(folder / "p").close()
run = lambda *a: CliRunner().invoke(main, ["-p", str(folder / "p"), *a], env={"COLUMNS": "200"})
out = {
    "quotes_help": run("export", "quotes", "--help").output,
    "summary_help": run("summary", "--help").output,
    "jobs_help": run("jobs", "import", "--help").output,
    "quotes_run": run("export", "quotes", "-o", str(folder / "q.fake")).output,
    "summary_run": run("summary", "-o", str(folder / "s.fake")).output,
    "matrix_help": run("matrix", "--help").output,
    "jobs_table_help": run("jobs", "table", "--help").output,
    "matrix_run": run("matrix", "-o", str(folder / "m.fake")).output,
    "jobs_table_run": run("jobs", "table", "-o", str(folder / "j.fake")).output,
    "tables": {k: t() for k, t in gen.TABLES.items()},
    "form": [f.hint for f in QUOTE_FIELDS + SUMMARY_FIELDS],
}
for name in ("q.fake", "s.fake", "m.fake", "j.fake"):
    out[name] = (folder / name).read_text() if (folder / name).exists() else None
(folder / "ads.fake").write_text("one ad", encoding="utf-8")
with readers.open_reader(folder / "ads.fake", {}) as reader:
    out["ads"] = [list(r) for r in reader]
print(json.dumps(out))
"""

FAKE_MODULE = """
from mpu_qual.evidence.readers import CsvReader

def write_quotes(data, fh):
    fh.write(f"fake quotes: {len(data.rows)} rows, {data.title}".encode())

def write_summary(summary, fh):
    fh.write(f"fake summary: {len(summary.themes)} themes".encode())

def write_matrix(table, fh):
    fh.write(f"fake matrix: {len(table.sheets['Matrix']) - 1} rows".encode())

def write_jobs(view, fh):
    fh.write(f"fake jobs: {len(view.tables.windows)} windows".encode())

class Reader(CsvReader):
    format = "fake"
    def __iter__(self):
        yield 1, {"title": self.path.read_text(encoding="utf-8")}, None
    def close(self):
        pass
"""


@pytest.fixture(scope="module")
def with_fake(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("fake")
    lib = folder / "lib"
    lib.mkdir()
    (lib / "fake_formats.py").write_text(FAKE_MODULE, encoding="utf-8")
    env_home = folder / "home"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            FAKE,
            str(folder),
            str(lib),
            str(ROOT / "scripts" / "readme_formats.py"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={
            "PYTHONPATH": f"{ROOT}:{lib}",
            "MPU_QUAL_HOME": str(env_home),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_format_added_to_the_registry_is_offered_by_the_cli_form_and_readme(with_fake) -> None:
    for help_text in (with_fake["quotes_help"], with_fake["summary_help"]):
        assert "|html|fake]" in help_text or "|docx|fake]" in help_text, help_text
        assert ".fake" in help_text
    assert ".fake" in with_fake["jobs_help"]
    assert "table|csv|json|xlsx|html|fake]" in with_fake["matrix_help"]
    assert "rich|md|csv|json|fake]" in with_fake["jobs_table_help"]
    row = "| Fake | `.fake` | `fake` |"
    for key in ("quote-formats", "summary-formats", "job-ad-formats", "matrix-formats"):
        assert row in with_fake["tables"][key], key
    assert row not in with_fake["tables"]["transcript-formats"]
    assert sum("fake" in hint for hint in with_fake["form"]) == 4  # output and format, twice


def test_a_format_added_to_the_registry_is_written_and_read_through_its_function(with_fake):
    assert with_fake["q.fake"].startswith("fake quotes: 0 rows, Coded quotes")
    assert "(fake)" in with_fake["quotes_run"]
    assert re.fullmatch(
        r"fake summary: [1-9]\d* themes", with_fake["s.fake"]
    )  # the default codebook's
    assert with_fake["ads"] == [[1, {"title": "one ad"}, None]]
    assert re.fullmatch(r"fake matrix: [1-9]\d* rows", with_fake["m.fake"])  # the codebook's
    assert re.fullmatch(r"fake jobs: [1-9]\d* windows", with_fake["j.fake"])  # jobrules'
    assert "(fake)" in with_fake["matrix_run"] and "(fake)" in with_fake["jobs_table_run"]


def test_without_the_registration_line_the_format_is_nowhere(cli) -> None:
    res = cli("export", "quotes", "--help")
    assert ".fake" not in res.stdout and "fake" not in QUOTE_FORMATS.names


# Modules that list formats of another kind (not these registries), and why.
OTHER_KINDS = {
    "transcript_files/formats.py": "the transcript formats' own registry",
    "pseudonymise.py": "pseudonym lists (YAML or CSV/TSV)",
}
ALL_REGISTRIES = (
    QUOTE_FORMATS,
    SUMMARY_FORMATS,
    readers.FORMATS,
    MATRIX_FORMATS,
    COOCCURRENCE_FORMATS,
    FRAMEWORK_FORMATS,
    TABLE_FORMATS,
    SKILL_FORMATS,
)


FEWEST = min(min(3, len(r.names), 2) for r in ALL_REGISTRIES)


def _words(node: ast.AST) -> set[str]:
    """The strings of a literal collection, or the words of a string (empty otherwise)."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
        items = node.keys if isinstance(node, ast.Dict) else node.elts
        return {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return set(re.findall(r"\.?[a-z]+", node.value.lower()))
    return set()


def _names_formats(words: set[str], registry: Formats) -> bool:
    names = set(registry.names)
    return len(words & names) >= min(3, len(names)) or len(words & set(registry.suffixes)) >= 2


def _lists_formats(node: ast.AST, registry: Formats) -> bool:
    """A literal collection naming three of the registry's formats (all, if fewer) or two
    of its suffixes; or a string (not a docstring) naming as many."""
    return _names_formats(_words(node), registry)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _declarations(tree: ast.AST) -> set[int]:
    """The nodes inside a ``FileFormat(...)`` call: a registry's own lines."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "FileFormat":
            found |= {id(sub) for sub in ast.walk(node)}
    return found


def test_no_module_keeps_its_own_list_of_these_formats() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        if where in OTHER_KINDS or where == "file_formats.py":
            continue
        tree = parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree) | _declarations(tree)
        for node in ast.walk(tree):
            words = set() if id(node) in skip else _words(node)
            if len(words) < FEWEST:  # too few words to name any registry's formats
                continue
            for registry in ALL_REGISTRIES:
                if _names_formats(words, registry):
                    offenders.append(f"{where}:{getattr(node, 'lineno', '?')} ({registry.kind})")
    assert offenders == [], "format lists outside their registry:\n" + "\n".join(offenders)


def test_the_scan_finds_a_hand_written_list() -> None:
    tree = ast.parse(
        'CHOICES = ["csv", "xlsx", "md", "docx", "html"]\nHELP = "a .md or .html file"'
    )
    hits = [n for n in ast.walk(tree) if _lists_formats(n, QUOTE_FORMATS)]
    assert len(hits) == 2


def test_the_command_rows_of_the_docs_name_the_registrys_formats() -> None:
    """The command tables (README.md, docs/) are hand-written; their format lists must still
    be the registry's."""
    bar = "\\|"  # a | inside a Markdown table cell

    def choices(formats: Formats, terminal: str = "") -> str:
        return f"[--format {bar.join(([terminal] if terminal else []) + list(formats.names))}]"

    rows = {
        "| `mpu-qual export quotes ": choices(QUOTE_FORMATS),
        "| `mpu-qual summary ": f"-o report{bar.join(f.suffixes[0] for f in SUMMARY_FORMATS.formats)}",
        "| `mpu-qual matrix ": choices(MATRIX_FORMATS, "table"),
        "| `mpu-qual cooccurrence ": choices(COOCCURRENCE_FORMATS, "table"),
        "| `mpu-qual framework ": choices(FRAMEWORK_FORMATS),
        "| `mpu-qual jobs table ": choices(TABLE_FORMATS, "rich"),
        "| `mpu-qual jobs skills ": choices(SKILL_FORMATS, "rich"),
    }
    seen = dict.fromkeys(rows, 0)
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in doc.read_text(encoding="utf-8").splitlines():
            for start, wanted in rows.items():
                if line.startswith(start) and ("summary" not in start or "-o " in line):
                    assert wanted in line, f"{doc.name}: {line[:60]}... lacks {wanted}"
                    seen[start] += 1
    assert all(seen.values()), seen
