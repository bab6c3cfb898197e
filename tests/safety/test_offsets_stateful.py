"""Offsets stay true: random coding, editing, undo/redo and codebook merges, checked after
every step, then everything undone back to the start.

A hypothesis state machine drives the real Project API on a real project file. After each
step every coding's stored quote must equal ``text[start:end]`` of its transcript (Python
str offsets, with astral-plane emoji and Chinese in the text). At the end, undoing every
step must give back exactly the starting rows (and codebook.yaml the starting codes).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from safety_helpers import scaled

from mpu_qual.codebook import load_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project

CODEBOOK = """\
version: 1
stakeholder_groups:
  - {id: industry_leader, en: Industry leader, zh: 業界領袖, match: '^IL\\d*$'}
  - {id: technology_provider, en: Technology provider, zh: 科技提供者, match: '^TP\\d*$'}
codes:
  - id: t1
    en: Theme one
    zh: 主題一
    codes:
      - {id: t1.a, en: A, zh: 甲}
      - {id: t1.b, en: B, zh: 乙}
      - {id: t1.c, en: C, zh: 丙}
  - id: t2
    en: Theme two
    zh: 主題二
    codes:
      - {id: t2.a, en: Two A, zh: 二甲}
      - {id: t2.b, en: Two B, zh: 二乙}
"""
TRANSCRIPTS = {
    "one.txt": (
        "[00:00:01] IL1: 🙂 我哋需要 PLC 技術員, and training for AI.\n"
        "[00:00:07] TP2: 𠀀𠀁 rare characters; the PLC line 生產線 needs data.\n"
        "[00:00:12] IL1: Training, training 培訓 again 🙂🙂.\n"
    ),
    "two.txt": (
        "[00:00:02] TP1: Robots and AI. 機械人同 AI。\n"
        "[00:00:05] IL2: Standards 標準 matter for data 數據 and PLC.\n"
    ),
}
TABLES = ("participants", "sources", "segments", "codes", "codings", "memos")
PHRASES = ("PLC", "training", "AI", "技術員", "🙂", "data", "標準")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("stateful")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(base / "home"))
    try:
        folder = base / "template"
        (folder / "transcripts").mkdir(parents=True)
        for name, text in TRANSCRIPTS.items():
            (folder / "transcripts" / name).write_text(text, encoding="utf-8")
        cb = base / "cb.yaml"
        cb.write_text(CODEBOOK, encoding="utf-8")
        Project.init(folder, cb).close()
    finally:
        mp.undo()
    return folder


def dump(p: Project) -> dict[str, list[tuple]]:
    # by primary key: a row put back by undo may get a new rowid (codes has a TEXT key)
    out = {t: p.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    out["fts"] = p.conn.execute("SELECT rowid, text FROM segments_fts ORDER BY rowid").fetchall()
    return out


def codebook_codes(p: Project) -> list[tuple]:
    return [(c.id, c.parent, c.en, c.zh) for c in load_codebook(p.codebook_path).codes]


class OffsetsMachine(RuleBasedStateMachine):
    """Random edits through the API; the invariants are the guarantees."""

    template: Path
    workdir: Path
    runs = 0

    @initialize()
    def open_project(self) -> None:
        OffsetsMachine.runs += 1
        folder = self.workdir / f"run{OffsetsMachine.runs}"
        shutil.copytree(self.template, folder)
        self.p = Project.open(folder)
        self.base = self.p.conn.execute("SELECT coalesce(max(id), 0) FROM actions").fetchone()[0]
        self.start = dump(self.p)
        self.start_codebook = codebook_codes(self.p)
        self.added = 0

    def teardown(self) -> None:
        p = getattr(self, "p", None)
        if p is None:
            return
        try:
            steps = 0
            while self.undoable():
                assert p.history.undo() is not None
                steps += 1
                assert steps < 10_000
            assert dump(p) == self.start, "undoing every step did not restore the start"
            assert codebook_codes(p) == self.start_codebook
        finally:
            p.close()

    # ------------------------------------------------------------------ helpers
    def undoable(self) -> bool:
        row = self.p.conn.execute(
            "SELECT 1 FROM actions WHERE undone = 0 AND id > ? LIMIT 1", [self.base]
        ).fetchone()
        return row is not None

    def redoable(self) -> bool:
        return self.p.conn.execute("SELECT 1 FROM actions WHERE undone = 1").fetchone() is not None

    def coding_ids(self) -> list[int]:
        return [r[0] for r in self.p.conn.execute("SELECT id FROM codings ORDER BY id")]

    def leaf_codes(self) -> list[str]:
        codes = self.p.codes.list()
        parents = {c.parent_id for c in codes}
        return [c.id for c in codes if c.id not in parents and c.depth > 0]

    # ------------------------------------------------------------------ rules
    @rule(data=st.data())
    def add_coding(self, data) -> None:  # noqa: ANN001
        src = data.draw(st.sampled_from(self.p.sources.list()))
        start = data.draw(st.integers(0, src.length - 1))
        end = data.draw(st.integers(start + 1, src.length))
        codes = data.draw(
            st.lists(
                st.sampled_from([c.id for c in self.p.codes.list()]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        made = self.p.codings.add_many(src, start, end, codes, memo=data.draw(st.text(max_size=5)))
        assert all(c.quote == src.text[start:end] for c in made)

    @precondition(lambda self: self.coding_ids())
    @rule(data=st.data())
    def rescope_coding(self, data) -> None:  # noqa: ANN001
        cid = data.draw(st.sampled_from(self.coding_ids()))
        c = self.p.codings.get(cid)
        length = self.p.sources.get(c.source_id).length
        start = data.draw(st.integers(-2, length))
        end = data.draw(st.integers(-1, length + 2))
        try:
            self.p.codings.update(cid, start=start, end=end)
        except MpuQualError:
            assert not (0 <= start < end <= length)  # refused only when really invalid
            assert self.p.codings.get(cid) == c

    @precondition(lambda self: self.coding_ids())
    @rule(data=st.data())
    def edit_coding(self, data) -> None:  # noqa: ANN001
        cid = data.draw(st.sampled_from(self.coding_ids()))
        if data.draw(st.booleans()):
            self.p.codings.update(cid, memo=data.draw(st.text(max_size=8)))
        else:
            self.p.codings.update(cid, code_id=data.draw(st.sampled_from(self.leaf_codes())))

    @precondition(lambda self: self.coding_ids())
    @rule(data=st.data())
    def remove_coding(self, data) -> None:  # noqa: ANN001
        self.p.codings.remove(data.draw(st.sampled_from(self.coding_ids())))

    @rule(
        phrase=st.sampled_from(PHRASES),
        unit=st.sampled_from(["segment", "sentence", "match"]),
        data=st.data(),
    )
    def autocode(self, phrase: str, unit: str, data) -> None:  # noqa: ANN001
        code = data.draw(st.sampled_from(self.leaf_codes()))
        self.p.codings.autocode(code, phrase=phrase, unit=unit)

    @rule(data=st.data())
    def add_code(self, data) -> None:  # noqa: ANN001
        self.added += 1
        parent = data.draw(st.sampled_from([None, *(c.id for c in self.p.codes.list())]))
        cid = f"{parent}.n{self.added}" if parent else f"n{self.added}"
        self.p.codes.add(cid, f"New {self.added}", f"新 {self.added}", parent_id=parent)

    @precondition(lambda self: len(self.leaf_codes()) >= 2)
    @rule(data=st.data())
    def merge_code(self, data) -> None:  # noqa: ANN001
        leaves = self.leaf_codes()
        src = data.draw(st.sampled_from(leaves))
        target = data.draw(st.sampled_from([c for c in leaves if c != src]))
        self.p.codes.merge(src, target)

    @precondition(lambda self: len(self.leaf_codes()) >= 2)
    @rule(data=st.data())
    def codebook_load_with_merge(self, data) -> None:  # noqa: ANN001
        """Edit codebook.yaml to drop a code and load it with --merge-into."""
        leaves = self.leaf_codes()
        gone = data.draw(st.sampled_from(leaves))
        target = data.draw(st.sampled_from([c for c in leaves if c != gone]))
        doc = yaml.safe_load(self.p.codebook_path.read_text(encoding="utf-8"))

        def drop(items: list) -> list:
            out = []
            for item in items:
                if item["id"] == gone:
                    continue
                if "codes" in item:
                    item["codes"] = drop(item["codes"])
                out.append(item)
            return out

        doc["codes"] = drop(doc["codes"])
        path = self.p.folder.parent / f"edited-{OffsetsMachine.runs}.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        self.p.codebook.sync(path, merge_into={gone: target})

    @rule(data=st.data())
    def edit_participant(self, data) -> None:  # noqa: ANN001
        label = data.draw(st.sampled_from([p.label for p in self.p.participants.list()]))
        self.p.participants.set(
            label,
            name=data.draw(st.sampled_from(["陳大文", "Wong", ""])),
            attrs={"sector": data.draw(st.sampled_from(["ai", "plc", ""]))},
        )

    @precondition(lambda self: self.undoable())
    @rule()
    def undo(self) -> None:
        assert self.p.history.undo() is not None

    @precondition(lambda self: self.redoable())
    @rule()
    def redo(self) -> None:
        assert self.p.history.redo() is not None

    # ------------------------------------------------------------------ invariants
    @invariant()
    def quotes_are_the_text_at_their_offsets(self) -> None:
        texts = dict(self.p.conn.execute("SELECT id, text FROM sources"))
        for cid, sid, start, end, quote in self.p.conn.execute(
            "SELECT id, source_id, start, end, quote FROM codings"
        ):
            assert 0 <= start < end <= len(texts[sid]), f"coding {cid} outside its text"
            assert texts[sid][start:end] == quote, f"coding {cid} quote drifted"

    @invariant()
    def file_stays_consistent(self) -> None:
        assert self.p.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        ids = {c.id for c in self.p.codes.list()}
        assert {c[0] for c in codebook_codes(self.p)} == ids  # codebook.yaml follows


def test_offsets_stay_true_and_undo_restores_the_start(template: Path, tmp_path: Path) -> None:
    OffsetsMachine.template = template
    OffsetsMachine.workdir = tmp_path
    OffsetsMachine.TestCase.settings = settings(
        max_examples=scaled(25),
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    OffsetsMachine.TestCase().runTest()
