"""The codebook panel: counts, add / rename / move / merge / delete, passages of a code."""

from __future__ import annotations

from tui_helpers import SIZE, db_codings, settle

from mpu_qual.codebook import load_codebook
from mpu_qual.store import Project
from mpu_qual.tui.app import create_app
from mpu_qual.tui.screens.code_form import CodeFormScreen
from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.screens.passages import PassagesScreen


def label_text(app, code_id: str) -> str:
    return str(app.screen.codebook_tree._code_nodes[code_id].label)


async def focus_code(pilot, code_id: str) -> None:
    await pilot.press("ctrl+b")
    pilot.app.screen.codebook_tree.select_code(code_id)
    await pilot.pause()


async def test_counts_in_the_tree_follow_codings(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        assert label_text(app, "factors.ecosystem.finance") == "■ Access to finance"
        await pilot.press("s", "c", *"finance", "enter")
        await settle(pilot)
        assert label_text(app, "factors.ecosystem.finance") == "■ 1 Access to finance"
        # a theme shows the codings of all its sub-codes
        assert label_text(app, "factors") == "■ 1 Factors affecting development"
        await pilot.press("t", "c", *"factors", "enter")  # the theme itself, on segment 1
        await settle(pilot)
        assert label_text(app, "factors") == "■ 1/2 Factors affecting development"


async def test_add_a_code_under_the_selected_one_writes_yaml(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await focus_code(pilot, "factors.ecosystem")
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, CodeFormScreen)
        form.query_one("#code-id").value = "factors.ecosystem.land"
        form.query_one("#code-en").value = "Land supply"
        form.query_one("#code-zh").value = "土地供應"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CodeFormScreen)
        assert "factors.ecosystem.land" in app.screen.codebook_tree._code_nodes
    cb = load_codebook(demo_dir / "codebook.yaml")
    land = cb.get("factors.ecosystem.land")
    assert (land.en, land.zh, land.parent) == ("Land supply", "土地供應", "factors.ecosystem")
    with Project.open(demo_dir) as p:
        assert p.codes.get("factors.ecosystem.land").parent_id == "factors.ecosystem"


async def test_invalid_code_id_is_reported_and_nothing_is_written(app, demo_dir):
    before = (demo_dir / "codebook.yaml").read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        await focus_code(pilot, "factors")
        await pilot.press("a")
        form = app.screen
        form.query_one("#code-id").value = "Bad Id!"
        form.query_one("#code-en").value = "Bad"
        form.query_one("#code-zh").value = "壞"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # the form stays, with what was typed
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "code id 'Bad Id!'" in errors[-1].message
    assert (demo_dir / "codebook.yaml").read_bytes() == before
    with Project.open(demo_dir) as p:
        assert "Bad Id!" not in {c.id for c in p.codes.list()}
        assert p.history.recent(1)[0]["description"].startswith("Import")


async def test_rename_keeps_codings(demo_dir, opened):
    c = opened.codings.add(opened.sources.list()[0], 0, 4, "factors.ecosystem.finance")
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await focus_code(pilot, "factors.ecosystem.finance")
        await pilot.press("e")
        app.screen.query_one("#code-en").value = "Finance for equipment"
        app.screen.query_one("#code-zh").value = "設備融資"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Finance for equipment" in label_text(app, "factors.ecosystem.finance")
        assert app.screen.view.codings[0].label == "Finance for equipment"
    [kept] = db_codings(demo_dir)
    assert (kept.id, kept.code_id, kept.start, kept.end) == (c.id, c.code_id, 0, 4)
    cb = load_codebook(demo_dir / "codebook.yaml")
    assert cb.get("factors.ecosystem.finance").zh == "設備融資"


async def test_move_and_merge_from_the_tree(demo_dir, opened):
    src = opened.sources.list()[0]
    opened.codings.add(src, 0, 4, "challenges.ageing")
    opened.codings.add(src, 5, 9, "factors.talent_gap.shortage_ageing")
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        # move challenges.ageing under factors.talent_gap
        await focus_code(pilot, "challenges.ageing")
        await pilot.press("m")
        assert isinstance(app.screen, CodePickerScreen)
        await pilot.press(*"factors.talent_gap", "enter")
        await settle(pilot)
        with Project.open(demo_dir) as p:
            assert p.codes.get("challenges.ageing").parent_id == "factors.talent_gap"
        assert load_codebook(demo_dir / "codebook.yaml").get("challenges.ageing").parent == (
            "factors.talent_gap"
        )
        # merge it into shortage_ageing: confirm, then both codings carry the target code
        await focus_code(pilot, "challenges.ageing")
        await pilot.press("M", *"shortage", "enter", "y")
        await settle(pilot)
    codes = sorted(c.code_id for c in db_codings(demo_dir))
    assert codes == ["factors.talent_gap.shortage_ageing"] * 2
    cb = load_codebook(demo_dir / "codebook.yaml")
    assert "challenges.ageing" not in cb.ids()


async def test_delete_an_unused_code(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await focus_code(pilot, "rec.employees.gba_ip")
        await pilot.press("delete", "y")
        await settle(pilot)
    assert "rec.employees.gba_ip" not in load_codebook(demo_dir / "codebook.yaml").ids()


async def test_passages_of_a_code_list_participant_and_group_and_jump(demo_dir, opened):
    src = opened.sources.list()[0]
    segs = opened.sources.segments(src)
    # a passage spoken by IL2 (industry leader) and one by TP1 (technology provider)
    il2 = next(g for g in segs if g.speaker == "IL2")
    tp1 = next(g for g in segs if g.speaker == "TP1")
    opened.codings.add(src, il2.start, il2.start + 10, "factors.ecosystem.finance")
    opened.codings.add(src, tp1.start, tp1.start + 10, "factors.ecosystem.finance")
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await focus_code(pilot, "factors.ecosystem")  # a parent lists its sub-codes' passages
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, PassagesScreen)
        prompts = [
            str(screen.query_one("#passage-list").get_option_at_index(i).prompt) for i in range(2)
        ]
        assert "IL2 (Industry leader)" in prompts[0]
        assert "TP1 (Technology provider)" in prompts[1]
        await pilot.press("down", "enter")
        await settle(pilot)
        view = app.screen.view
        assert view.selection == (tp1.start, tp1.start + 10)
        await pilot.press("N")  # previous passage in the same list
        assert view.selection == (il2.start, il2.start + 10)


async def test_language_toggle_shows_chinese_labels(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await settle(pilot)
        assert "影響先進製造業發展的因素" in label_text(app, "factors")
        seg = app.screen.view.layout_.segments[1]
        assert seg.group == "業界領袖"
