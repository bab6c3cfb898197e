"""What a coding key leaves out of its frame, and what the transcript keeps between frames,
must not change what the screen ends up showing (benchmarks/results/keys.txt, round 4).

- In a session (run_app sets ``panels_after_s``) the side panels' counts follow a coding
  ``PANELS_AFTER_S`` later, once for a burst of codings, and at once when another transcript
  is opened before then.
- The transcript view reads its styles again only after a full repaint or a change of style:
  lines kept from before a change of theme are drawn again in the new one.
- The coding index looks each span up once per layout: after the text wraps again, it
  indexes as a fresh index does.
"""

from __future__ import annotations

from tui_helpers import SIZE, settle

from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.tui.app import PANELS_AFTER_S, create_app
from mpu_qual.tui.layout import TranscriptLayout
from mpu_qual.tui.widgets import TranscriptView
from mpu_qual.tui.widgets.transcript_codings import CodingIndex, sort_codings
from mpu_qual.tui.workbench_view import Labels, load_doc, to_view


def _tree_label(screen, code_id: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.codebook_tree._code_nodes[code_id].label)


async def test_the_side_panels_follow_codings_later_and_once_for_a_burst(demo_dir) -> None:
    app = create_app(demo_dir, coder="me")
    app.panels_after_s = PANELS_AFTER_S  # as run_app sets it
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        source = screen.source
        assert source is not None
        code = "factors.ecosystem.finance"
        before = _tree_label(screen, code)
        codings_before = screen.sources_list.summaries[source.id]["codings"]
        updates: list[int] = []
        update = screen._update_panels
        screen._update_panels = lambda: updates.append(len(screen.view.codings)) or update()
        # three codings in one burst (no frame between them): one update of the panels
        segs = screen.view.layout_.segments
        for seg in segs[:3]:
            assert screen.apply_codes([code], (seg.start, seg.end))
        assert updates == [] and screen.panels.timer is not None  # one update, waiting
        await pilot.pause(PANELS_AFTER_S * 4)
        await settle(pilot)
        assert updates == [len(screen.view.codings)]
        assert screen.sources_list.summaries[source.id]["codings"] == codings_before + 3
        after = _tree_label(screen, code)
        assert after != before and after.split()[1] == str(screen.counts[code])
        # what the panels show is what they show rebuilt from the project
        screen.codebook_tree.populate(app.labels, app.code_counts())
        assert _tree_label(screen, code) == after


async def test_opening_another_transcript_brings_waiting_panels_up_to_date(demo_dir) -> None:
    with Project.open(demo_dir) as p:  # a second transcript, listed after the demo's
        p.sources.add(
            "zz-second",
            ParsedTranscript(
                segments=[ParsedSegment(text="A second focus group.", speaker="IL1")],
                metadata={},
                format="txt",
            ),
        )
    app = create_app(demo_dir, coder="me")
    app.panels_after_s = 10.0  # the update would come long after the switch
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        first = screen.source
        assert first is not None
        others = [sid for sid in screen.source_order() if sid != first.id]
        n = screen.sources_list.summaries[first.id]["codings"]
        seg = screen.view.layout_.segments[0]
        assert screen.apply_codes(["training.core"], (seg.start, seg.end))
        assert screen.sources_list.summaries[first.id]["codings"] == n  # waiting
        assert len(others) == 1 and screen.open_source(others[0])
        # brought up to date with the first transcript's codings, before the switch
        assert screen.sources_list.summaries[first.id]["codings"] == n + 1
        await settle(pilot)
        assert screen.sources_list.summaries[first.id]["codings"] == n + 1


def _drawn(view: TranscriptView) -> list[list]:
    return [list(view.render_line(y)) for y in range(view.scrollable_content_region.height)]


async def test_lines_kept_between_repaints_follow_a_change_of_theme(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(TranscriptView)
        await pilot.press("down", "down")  # repaints of a few lines: the styles read stay
        await pilot.pause()
        before = _drawn(view)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = _drawn(view)
        assert after != before
        # every line is drawn as a view that kept nothing draws it
        view.clear_drawn_lines()
        view.painter.forget_base_style()
        assert _drawn(view) == after


def test_the_coding_index_indexes_a_new_wrap_as_a_fresh_index_does(demo_project) -> None:
    labels = Labels(demo_project)
    src = demo_project.sources.list()[0]
    doc = load_doc(demo_project, src, labels)
    segs = demo_project.sources.segments(src)
    for seg in segs[:6]:  # overlapping codings: several label rows and lanes
        demo_project.codings.add(src, seg.start, seg.end, "training.core")
        demo_project.codings.add(src, seg.start, min(seg.end, seg.start + 5), "training")
    codings = sort_codings(to_view(demo_project.codings.list(source=src.id), labels))
    index = CodingIndex()
    index.replace(codings)
    for width in (60, 25, 60):
        lay = TranscriptLayout(doc.text, doc.segments, width)
        index.new_layout()
        index.index(lay)
        fresh = CodingIndex()
        fresh.replace(sort_codings(codings))
        fresh.index(lay)
        assert (index.seg_codings, index.label_rows) == (fresh.seg_codings, fresh.label_rows)
        assert index.shown == fresh.drawn() == index.drawn()
    assert len(index.label_rows) > 1
