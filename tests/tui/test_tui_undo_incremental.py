"""After an undo or redo of codings, the workbench re-reads only the touched codings
(``workbench_view.after_step``); what it shows must equal a full re-read of the transcript:
the view's codings (ids, spans, labels with their coder) and the codebook's counts. After
another window's change (here: a second connection), or when labels start or stop naming
coders, it reads everything again."""

from __future__ import annotations

from tui_helpers import SIZE, settle

from mpu_qual.tui.app import create_app


def _shown(screen) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted((c.id, c.code_id, c.start, c.end, c.label, c.memo) for c in screen.view.codings)


def _full(screen) -> tuple[list[tuple], dict[str, int]]:  # type: ignore[no-untyped-def]
    """What a full re-read shows: the transcript's codings and the counts, from the database."""
    codings = screen._view_codings(screen.source.id)
    return (
        sorted((c.id, c.code_id, c.start, c.end, c.label, c.memo) for c in codings),
        screen.mpu_app.code_counts(),
    )


async def _check(pilot, screen, keys: list[str], *, full: bool | None = False) -> None:  # type: ignore[no-untyped-def]
    """Press ``keys``; the screen then equals a full re-read. An undo or redo reads
    everything again only when ``full`` (the first step of a session, after another window's
    change, when labels start or stop naming coders); None: not an undo or redo."""
    calls: list[int] = []
    read_all = screen._view_codings
    screen._view_codings = lambda sid: calls.append(sid) or read_all(sid)
    try:
        await pilot.press(*keys)
        await settle(pilot)
    finally:
        del screen._view_codings
    if full is not None:
        assert bool(calls) == full
    assert (_shown(screen), screen.counts) == _full(screen)


async def test_undo_and_redo_show_what_a_full_re_read_shows(demo_dir, opened) -> None:
    src = opened.sources.list()[0]
    segs = opened.sources.segments(src)
    # a colleague's codings (labels name their coder), one in another transcript
    opened.codings.add(src, segs[1].start, segs[1].end, "training.core", coder="colleague")
    opened.codings.add(src, segs[2].start, segs[2].end, "training.core", coder="colleague")
    memo_on = opened.codings.add(
        src, segs[0].start, segs[0].start + 8, "factors.ecosystem.finance", coder="me"
    )
    app = create_app(demo_dir, coder="me")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await settle(pilot)
        assert any("·colleague" in c.label for c in screen.view.codings)
        before = (_shown(screen), dict(screen.counts))
        await _check(pilot, screen, ["t", "c", *"finance", "enter"], full=None)  # add
        assert len(screen.view.codings) == len(before[0]) + 1
        await _check(pilot, screen, ["ctrl+z"], full=True)  # the session's first undo
        assert (_shown(screen), screen.counts) == before
        await _check(pilot, screen, ["ctrl+y"])  # redo it
        await _check(pilot, screen, ["ctrl+z"])
        # a memo edit (an update), its undo and redo
        opened.codings.update(memo_on.id, memo="why")  # from another window
        await _check(pilot, screen, ["ctrl+z"], full=True)
        assert opened.codings.get(memo_on.id).memo is None
        await _check(pilot, screen, ["ctrl+y"])
        assert opened.codings.get(memo_on.id).memo == "why"
        # a removal, its undo (the coding comes back with its label) and redo
        opened.codings.remove(memo_on.id)  # from another window
        await _check(pilot, screen, ["ctrl+z"], full=True)
        assert memo_on.id in {c.id for c in screen.view.codings}
        # the last of "me"'s codings goes: labels stop naming coders (all read again)
        await _check(pilot, screen, ["ctrl+y"], full=True)
        assert memo_on.id not in {c.id for c in screen.view.codings}
        assert not any("·" in c.label for c in screen.view.codings)
        # back to the colleague's codings alone ("me"'s return on the way: labels change)
        await _check(pilot, screen, ["ctrl+z", "ctrl+z", "ctrl+z", "ctrl+z"], full=True)


async def test_blind_mode_counts_only_ones_own_after_undo(demo_dir, opened) -> None:
    src = opened.sources.list()[0]
    segs = opened.sources.segments(src)
    opened.codings.add(src, segs[1].start, segs[1].end, "training.core", coder="colleague")
    app = create_app(demo_dir, coder="me", blind=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await settle(pilot)
        assert screen.view.codings == []
        await _check(pilot, screen, ["t", "c", *"training", "enter"], full=None)
        assert sum(screen.counts.values()) == 1  # one's own only
        await _check(pilot, screen, ["ctrl+z"], full=True)
        assert sum(screen.counts.values()) == 0
        await _check(pilot, screen, ["ctrl+y"])
        # the colleague's coding, undone from here, changes neither the view nor the counts
        await _check(pilot, screen, ["ctrl+z", "ctrl+z"])
        assert screen.view.codings == []


async def test_memo_and_removal_in_the_workbench_undo_incrementally(demo_dir, opened) -> None:
    src = opened.sources.list()[0]
    segs = opened.sources.segments(src)
    opened.codings.add(src, segs[1].start, segs[1].end, "training.core", coder="colleague")
    opened.codings.add(src, segs[2].start, segs[2].end, "training.core", coder="me")
    app = create_app(demo_dir, coder="me")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await settle(pilot)
        await _check(pilot, screen, ["s", "c", *"finance", "enter"], full=None)
        [mine] = [c for c in screen.view.codings if c.code_id == "factors.ecosystem.finance"]
        await _check(pilot, screen, ["ctrl+z"], full=True)  # the session's first undo
        await _check(pilot, screen, ["ctrl+y"])
        await _check(pilot, screen, ["m", *"a memo", "ctrl+s"], full=None)  # an update
        await _check(pilot, screen, ["ctrl+z"])
        assert opened.codings.get(mine.id).memo is None
        await _check(pilot, screen, ["ctrl+y"])
        assert [c.memo for c in screen.view.codings if c.id == mine.id] == ["a memo"]
        await _check(pilot, screen, ["left", "x"], full=None)  # a removal
        assert mine.id not in {c.id for c in screen.view.codings}
        await _check(pilot, screen, ["ctrl+z"])
        assert mine.id in {c.id for c in screen.view.codings}
        await _check(pilot, screen, ["ctrl+y"])
        assert mine.id not in {c.id for c in screen.view.codings}


async def test_the_codebook_relabels_only_the_rows_whose_counts_changed(demo_dir) -> None:
    app = create_app(demo_dir, coder="me")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await settle(pilot)
        tree = screen.codebook_tree
        before = {cid: n.label for cid, n in tree._code_nodes.items()}
        await pilot.press("t", "c", *"finance", "enter")
        await settle(pilot)
        node = tree._code_nodes["factors.ecosystem.finance"]
        path = []  # the code and its parents: their counts and totals changed
        while node is not None and node.data:
            path.append(node)
            node = node.parent
        assert [str(n.label).split()[1] for n in path] == ["1"] * len(path)
        # set_label replaces a node's label: only those rows were given a new one
        relabelled = {cid for cid, n in tree._code_nodes.items() if n.label is not before[cid]}
        assert relabelled == {n.data for n in path}
        # what is shown is what a rebuilt tree shows
        labels = {cid: str(n.label) for cid, n in tree._code_nodes.items()}
        tree.populate(app.labels, app.code_counts())
        assert {cid: str(n.label) for cid, n in tree._code_nodes.items()} == labels
