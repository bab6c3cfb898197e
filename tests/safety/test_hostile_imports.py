"""Hostile job-ad exports and REFI-QDA files, property-based (see test_hostile_input.py).

The job-ad importer reports each file: imported (bad rows counted and skipped) or failed with
mpu-qual's own error naming the file, and a failed file leaves the job-ad tables as they
were. A REFI (.qdpx) import is one undoable action: whole, or a located error and no change
(codebook.yaml included).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from safety_helpers import scaled

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.importer import import_job_ads
from mpu_qual.evidence.rules import Rules, load_rules
from mpu_qual.safety import backup
from mpu_qual.store import Project


@functools.cache
def shipped_rules() -> Rules:
    """The shipped job rules, parsed once for the module: building their classifier took
    half of each hypothesis example; the importer only reads them."""
    return load_rules()


NASTY = [
    "\x00",
    "\r\n",
    "\r",
    "\ud800",
    "=cmd|' /C calc'!A0",
    "+1",
    "@SUM(A1)",
    '"',
    '""',
    ",",
    "\t",
    "技術員",
    "實驗室技術員",
    "🙂",
    "\ufeff",
    "x" * 5000,
    "2024-13-45",
    "",
    "Manufacturing",
    "製造業",
    "JobsDB",
    "\x1b[2J",
    "<script>",
    "NULL",
]
_n = itertools.count()


def cfg(n: int) -> settings:
    return settings(
        max_examples=scaled(n),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - Project
    base = tmp_path_factory.mktemp("hostile-imports")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(base / "home"))
    folder = base / "proj"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / "a.txt").write_text(
        "[00:00:01] IL1: 我哋需要 PLC 技術員.\n[00:00:05] TP2: Training 🙂 matters.\n",
        encoding="utf-8",
    )
    p = Project.init(folder)
    yield p
    p.close()
    mp.undo()


def digest(p: Project, prefixes: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    tables = [
        r[0]
        for r in p.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if r[0].startswith(prefixes) and "_fts_" not in r[0]
    ]
    for table in tables:  # sorted in Python: some feature tables are WITHOUT ROWID
        for row in sorted(repr(r) for r in p.conn.execute(f'SELECT * FROM "{table}"')):
            h.update(row.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


CORE = ("participants", "sources", "segments", "codes", "codings", "memos", "actions", "changes")
JOBS = ("job_", "import_files", "evidence_")


# ----------------------------------------------------------------------------- job ads
field_value = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
HEADS = ["platform", "ad_id", "date", "title", "company", "industry", "description"]


@st.composite
def job_file(draw) -> tuple[str, bytes]:  # noqa: ANN001
    fmt = draw(st.sampled_from(["csv", "tsv", "jsonl"]))
    head = draw(
        st.one_of(
            st.just(HEADS),
            st.permutations(HEADS),
            st.lists(st.sampled_from([*HEADS, "", "title", "標題", "\ud800"]), max_size=8),
        )
    )
    rows = draw(st.lists(st.lists(field_value, min_size=0, max_size=len(head) + 2), max_size=8))
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "big5hkscs", "utf-16", "mixed"]))
    if fmt == "jsonl":
        lines = [
            json.dumps(dict(zip(head, r, strict=False)), ensure_ascii=draw(st.booleans()))
            for r in rows
        ]
        lines += draw(
            st.lists(st.sampled_from(["{", "[]", "null", '{"title": 1}', ""]), max_size=2)
        )
        text = "\n".join(lines)
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="\t" if fmt == "tsv" else ",")
        writer.writerow(head)
        writer.writerows(rows)
        text = buf.getvalue()
    if enc == "mixed":
        data = text.encode("utf-8", "surrogatepass") + "技術員,工程師\n".encode("big5hkscs")
    elif enc == "big5hkscs":
        data = text.encode("big5hkscs", "replace")
    else:
        data = text.encode(enc, "surrogatepass")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # cut off mid-row (or mid-character)
    return fmt if fmt != "tsv" else "tsv", data


@cfg(60)
@given(spec=job_file())
@example(spec=("csv", b"platform,ad_id,date,title,industry\nJobsDB,1,2024-12-01,=1+1,\x00\n"))
@example(spec=("xlsx", b"PK\x03\x04 not really a spreadsheet"))
def test_any_job_ad_file_imports_or_fails_cleanly(
    project: Project, tmp_path: Path, spec: tuple[str, bytes]
) -> None:
    fmt, data = spec
    path = tmp_path / f"ads{next(_n)}.{fmt}"
    path.write_bytes(data)
    before_jobs, before_core = digest(project, JOBS), digest(project, CORE)
    report = import_job_ads(project, [path], shipped_rules())
    (f,) = report.files
    assert f.status in ("imported", "already imported", "failed")
    if f.status == "failed":
        assert f.error is not None and type(f.error).__module__ == "mpu_qual.errors"
        assert f.error.path == str(path)
        assert digest(project, JOBS) == before_jobs, "a failed file left rows behind"
    else:
        assert f.imported + f.duplicates + f.out_of_scope + f.rejected == f.rows_read
        for title, desc in project.conn.execute("SELECT title, description FROM job_ads"):
            assert "\x00" not in (title or "") and isinstance(title, str)
            assert desc is None or isinstance(desc, str)
    assert digest(project, CORE) == before_core  # job ads never touch the coding tables


@cfg(6)
@given(cells=st.lists(st.lists(field_value, min_size=1, max_size=8), min_size=1, max_size=5))
def test_any_spreadsheet_imports_or_fails_cleanly(
    project: Project, tmp_path: Path, cells: list[list[str]]
) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADS)
    for row in cells:
        # what a spreadsheet can hold at all (openpyxl refuses control characters itself)
        ws.append([re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", "", c) for c in row])
    path = tmp_path / f"ads{next(_n)}.xlsx"
    wb.save(path)
    before = digest(project, JOBS)
    (f,) = import_job_ads(project, [path], shipped_rules()).files
    if f.status == "failed":
        assert f.error is not None and f.error.path == str(path)
        assert digest(project, JOBS) == before
    else:
        assert f.imported + f.duplicates + f.out_of_scope + f.rejected == f.rows_read


# ----------------------------------------------------------------------------- REFI
@pytest.fixture(scope="module")
def qdpx_template(project: Project) -> bytes:
    from mpu_qual.refi.qdpx_writer import qdpx_bytes

    project.codings.add(project.sources.list()[0], 0, 4, "factors")
    data, _report = qdpx_bytes(project)
    return data


def rezip(template: bytes, edit) -> bytes:  # noqa: ANN001 - callable(name, bytes) -> bytes
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, edit(info.filename, zin.read(info.filename)))
    return out.getvalue()


def xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(">", "&gt;")
    )


@st.composite
def hostile_qdpx(draw, template: bytes) -> bytes:  # noqa: ANN001
    how = draw(st.sampled_from(["attributes", "names", "bytes", "truncate", "source text"]))
    if how == "truncate":
        return template[: draw(st.integers(0, len(template)))]

    def edit(name: str, data: bytes) -> bytes:
        if how == "source text" and name.endswith(".txt"):
            return draw(
                st.one_of(
                    st.binary(max_size=200),
                    st.text(max_size=50).map(lambda t: t.encode("utf-8", "surrogatepass")),
                )
            )
        if not name.endswith(".qde"):
            return data
        xml = data.decode("utf-8")
        if how == "attributes":
            for attr in ("startPosition", "endPosition", "targetGUID", "guid"):
                if draw(st.booleans()):
                    value = draw(
                        st.one_of(
                            st.integers(-10, 10**12).map(str),
                            st.sampled_from(["", "x", "-0", "1e3"]),
                        )
                    )
                    xml = re.sub(f'{attr}="[^"]*"', f'{attr}="{value}"', xml, count=1)
        elif how == "names":
            value = xml_escape(draw(st.text(max_size=40)).replace("\x00", ""))
            # a function, not a template: a drawn backslash must not read as a group reference
            new = f'name="{value}"'
            xml = re.sub(r'name="[^"]*"', lambda _m: new, xml, count=draw(st.integers(1, 3)))
        else:
            pos = draw(st.integers(0, len(xml)))
            xml = (
                xml[:pos]
                + draw(
                    st.sampled_from(
                        [
                            "<",
                            "&bogus;",
                            "\x00",
                            "]]>",
                            "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
                            "</Project>",
                            '"',
                        ]
                    )
                )
                + xml[pos:]
            )
        return xml.encode("utf-8", "surrogatepass")

    return rezip(template, edit)


@cfg(40)
@given(data=st.data())
def test_any_qdpx_imports_whole_or_changes_nothing(
    project: Project,
    qdpx_template: bytes,
    tmp_path: Path,
    data,  # noqa: ANN001
) -> None:
    from mpu_qual.refi.import_into_project import import_qdpx

    path = tmp_path / f"in{next(_n)}.qdpx"
    path.write_bytes(data.draw(hostile_qdpx(qdpx_template)))
    before, cb_before = digest(project, CORE), project.codebook_path.read_bytes()
    try:
        import_qdpx(project, path, prefix=f"i{next(_n)}-")
    except MpuQualError as exc:
        assert exc.location, f"error without a location: {exc}"
        assert digest(project, CORE) == before, "a refused import changed the project"
        assert project.codebook_path.read_bytes() == cb_before
        return
    texts = dict(project.conn.execute("SELECT id, text FROM sources"))
    for sid, start, end, quote in project.conn.execute(
        "SELECT source_id, start, end, quote FROM codings"
    ):
        assert texts[sid][start:end] == quote


def test_a_refi_import_of_many_transcripts_makes_one_backup(demo_dir: Path, tmp_path: Path) -> None:
    """Each transcript a .qdpx adds is a bulk step; one backup covers the whole import, so
    rotation does not push the older backups out."""
    from mpu_qual.refi.import_into_project import import_qdpx
    from mpu_qual.refi.qdpx_writer import qdpx_bytes

    with Project.open(demo_dir) as p:
        for i in range(3):
            f = tmp_path / f"t{i}.txt"
            f.write_text(f"[00:00:01] IL1: transcript {i} about PLC.\n", encoding="utf-8")
            p.sources.import_file(f)
        data, _ = qdpx_bytes(p)
    (tmp_path / "all.qdpx").write_bytes(data)
    backup.make_backup(demo_dir, "marker")
    with Project.open(demo_dir) as p:
        p.codings.add(p.sources.list()[0], 0, 5, "factors")  # changed since the newest backup
    before = {b.name for b in backup.list_backups(demo_dir)}
    with Project.open(demo_dir) as p:
        import_qdpx(p, tmp_path / "all.qdpx", prefix="copy-")
        assert len([s for s in p.sources.list() if s.name.startswith("copy-")]) == 4
    made = [b for b in backup.list_backups(demo_dir) if b.name not in before]
    assert [b.reason for b in made] == ["import"]
    conn = sqlite3.connect(f"{made[0].path.resolve().as_uri()}?mode=ro", uri=True)
    try:  # it holds the project as it was before the import
        assert conn.execute("SELECT count(*) FROM sources WHERE name LIKE 'copy-%'").fetchone() == (
            0,
        )
    finally:
        conn.close()
