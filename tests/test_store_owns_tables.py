"""Only the store names its tables in SQL (issue 18, item 1).

Every module outside ``mpu_qual/store/`` (whose ``migrations/`` create the tables) asks the
store: ``project.codings``, ``project.team``, ``project.memos``, ``store/health.py``,
``store/purge_rows.py`` ... A schema change then means reading the store, not the whole tree.

The table names come from a freshly created project's ``sqlite_master`` (every migration
set applied), never from a hand-written list, so a new table is covered the day it appears.
A string literal (an f-string counts as one, its placeholders blanked) is SQL naming a table
when it holds an SQL verb and the table's name follows FROM, JOIN, INTO, UPDATE, TABLE or
EXISTS, or sits in ``table_info(...)``. Docstrings are prose and are skipped. sqlite-utils'
table objects count too: ``db["codings"]`` and ``db.table("codings")``.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest
from package_trees import parse

from mpu_qual.store import Project

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mpu_qual"

VERB = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|REPLACE|PRAGMA|WITH)\b", re.I)


@pytest.fixture
def table_names(tmp_path: Path) -> frozenset[str]:
    """Every table of a new project (core, FTS shadow tables and feature migration sets)."""
    with Project.init(tmp_path / "fresh") as p:
        rows = p.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return frozenset(r[0] for r in rows)


@functools.cache
def naming_pattern(tables: frozenset[str]) -> re.Pattern[str]:
    alt = "|".join(sorted(map(re.escape, tables), key=len, reverse=True))
    return re.compile(
        rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|EXISTS)\s+[\"\[`]?({alt})\b"
        rf"|table_x?info\(\s*['\"]?({alt})\b",
        re.I,
    )


def literals(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring."""
    skip: set[int] = set()
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # a docstring or a bare string: prose
        elif isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                skip.add(id(v))
                parts.append(v.value if isinstance(v, ast.Constant) else "{}")
            out.append((node.lineno, "".join(str(p) for p in parts)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            out.append((node.lineno, node.value))
    return out


def _is_db(node: ast.expr) -> bool:
    """``db`` or ``something.db``: a sqlite_utils.Database by this project's naming."""
    return (isinstance(node, ast.Name) and node.id == "db") or (
        isinstance(node, ast.Attribute) and node.attr == "db"
    )


def table_objects(tree: ast.AST, tables: set[str]) -> list[tuple[int, set[str]]]:
    """sqlite-utils table objects by name: ``db["codings"]``, ``db.table("codings")``."""
    hits = []
    for node in ast.walk(tree):
        key = None
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and _is_db(node.value)
        ):
            key = node.slice.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "table"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            key = node.args[0].value
        if isinstance(key, str) and key in tables:
            hits.append((node.lineno, {key}))
    return hits


def sql_naming_tables(source: str, tables: frozenset[str]) -> list[tuple[int, set[str]]]:
    pattern = naming_pattern(tables)
    tree = parse(source)
    hits = []
    for line, text in literals(tree):
        if not VERB.search(text):
            continue
        found = {a or b for a, b in pattern.findall(text)}
        if found:
            hits.append((line, found))
    hits += table_objects(tree, tables)
    return sorted(hits, key=lambda h: h[0])


def offenders(tables: frozenset[str]) -> dict[str, list[tuple[int, set[str]]]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("store/"):
            continue
        hits = sql_naming_tables(path.read_text(encoding="utf-8"), tables)
        if hits:
            out[rel] = hits
    return out


def test_the_table_names_come_from_a_real_project(table_names: frozenset[str]) -> None:
    core = {"sources", "segments", "codings", "codes", "memos", "participants", "actions"}
    assert core | {"changes", "journal_state", "segments_fts", "review_rejections"} <= table_names
    # feature migration sets are applied too (transcription checkpoints, job ads)
    assert {"transcription_runs", "job_ads", "team_settings"} <= table_names


def test_the_detector_finds_sql_and_skips_prose(table_names: frozenset[str]) -> None:
    code = (
        '"""Reads FROM codings, in a docstring: prose."""\n'
        'a = conn.execute("SELECT id FROM codings WHERE x = ?")\n'
        'b = f"DELETE FROM {t} WHERE id IN ({marks})"\n'
        'c = f"SELECT s.name FROM segments g JOIN sources s ON s.id = {x}"\n'
        'd = "the codings from sources you chose"\n'
        "e = \"SELECT * FROM pragma_table_info('memos')\"\n"
        'f = "INSERT INTO team_settings (key) VALUES (?)"\n'
        'g = project.db["codings"].count\n'
        'h = db.table("memos")\n'
        'i = data["codes"]\n'
    )
    hits = sql_naming_tables(code, table_names)
    assert hits == [
        (2, {"codings"}),
        (4, {"segments", "sources"}),
        (6, {"memos"}),
        (7, {"team_settings"}),
        (8, {"codings"}),
        (9, {"memos"}),
    ]


def test_only_the_store_names_its_tables_in_sql(table_names: frozenset[str]) -> None:
    found = {
        rel: [f"line {line}: {', '.join(sorted(t))}" for line, t in hits]
        for rel, hits in offenders(table_names).items()
    }
    assert not found, (
        "SQL naming store tables outside mpu_qual/store/ (add a read model or a query "
        f"method to the store and call that): {found}"
    )
