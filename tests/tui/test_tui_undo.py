"""Undo and redo in the workbench, for every kind of action, also after a restart."""

from __future__ import annotations

from tui_helpers import SIZE, db_codings, settle

from mpu_qual.codebook import load_codebook
from mpu_qual.store import Project
from mpu_qual.tui.app import create_app


async def test_undo_removes_the_coding_and_redo_brings_it_back(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "c", *"finance", "enter")
        await settle(pilot)
        [coding] = db_codings(demo_dir)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert db_codings(demo_dir) == []
        assert app.screen.view.codings == []
        await pilot.press("ctrl+y")
        await settle(pilot)
        [again] = db_codings(demo_dir)
        assert (again.id, again.start, again.end, again.code_id) == (
            coding.id,
            coding.start,
            coding.end,
            coding.code_id,
        )
        assert [c.id for c in app.screen.view.codings] == [coding.id]
        # uncoding is an action too
        await pilot.press("left", "x")
        await settle(pilot)
        assert db_codings(demo_dir) == []
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert [c.id for c in db_codings(demo_dir)] == [coding.id]


async def test_undo_after_restarting_the_app(demo_dir):
    first = create_app(demo_dir)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.press("s", "c", *"finance", "enter")
        await settle(pilot)
    assert len(db_codings(demo_dir)) == 1
    second = create_app(demo_dir)
    async with second.run_test(size=SIZE) as pilot:
        assert len(second.screen.view.codings) == 1
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert second.screen.view.codings == []
    assert db_codings(demo_dir) == []


async def test_undo_memo_participant_and_codebook_edits(demo_dir, opened):
    src = opened.sources.list()[0]
    coding = opened.codings.add(src, 0, 4, "training.core")
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        # memo
        await pilot.press("m", *"first memo", "ctrl+s")
        await settle(pilot)
        assert opened.codings.get(coding.id).memo == "first memo"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert opened.codings.get(coding.id).memo is None
        # participant rename via the participants screen
        await pilot.press("W")
        await pilot.press("enter")  # first row: AC1
        form = app.screen
        form.query_one("#p-label").value = "AC9"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [p.label for p in opened.participants.list()][0] == "AC9"
        await pilot.press("escape")
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "AC1" in [p.label for p in opened.participants.list()]
        # codebook edit from the tree: rename a label, then undo it
        await pilot.press("ctrl+b")
        tree = app.screen.codebook_tree
        tree.select_code("training.core")
        await pilot.pause()
        await pilot.press("e")
        app.screen.query_one("#code-en").value = "Core foundations (renamed)"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert opened.codes.get("training.core").label_en == "Core foundations (renamed)"
        assert load_codebook(demo_dir / "codebook.yaml").get("training.core").en == (
            "Core foundations (renamed)"
        )
        await pilot.press("ctrl+z")
        await settle(pilot)
    with Project.open(demo_dir) as p:
        assert p.codes.get("training.core").label_en != "Core foundations (renamed)"
        assert p.codings.get(coding.id).code_id == "training.core"
    assert load_codebook(demo_dir / "codebook.yaml").get("training.core").en != (
        "Core foundations (renamed)"
    )


async def test_undoing_the_import_empties_the_workbench_and_redo_restores_it(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        # importing the demo transcript was an action too: undo it, then once more
        for _ in range(2):
            await pilot.press("ctrl+z")
            await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert "Nothing to undo." in messages
        assert app.screen.source is None
        assert app.screen.sources_list.option_count == 0
        with Project.open(demo_dir) as p:
            assert p.sources.list() == []
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.screen.source is not None
        assert app.screen.source.name == "focus-group-2025-12-08"
        assert app.screen.sources_list.option_count == 1
