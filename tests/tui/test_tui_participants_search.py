"""Participants (labels, groups, renames) and full-text search with "code all hits"."""

from __future__ import annotations

import re

from textual.widgets import Select
from tui_helpers import SIZE, db_codings, settle

from mpu_qual.store import Project
from mpu_qual.tui.screens.participants import ParticipantForm, ParticipantsScreen
from mpu_qual.tui.screens.search import SearchScreen


async def test_rename_a_speaker_and_set_group(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("W")
        assert isinstance(app.screen, ParticipantsScreen)
        labels = [p.label for p in app.screen.people]
        await pilot.press(*["down"] * labels.index("TE1"), "enter")
        form = app.screen
        assert isinstance(form, ParticipantForm)
        form.query_one("#p-label").value = "TE-Chan"
        form.query_one("#p-name").value = "Ms Chan"
        form.query_one("#p-group", Select).value = "academic"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ParticipantsScreen)
        assert "TE-Chan" in [p.label for p in app.screen.people]
        await pilot.press("escape")
        await settle(pilot)
        # the transcript view shows the new label and group
        segs = app.screen.view.layout_.segments
        assert any(s.speaker == "TE-Chan" and s.group == "Academic" for s in segs)
        assert not any(s.speaker == "TE1" for s in segs)
    with Project.open(demo_dir) as p:
        person = p.participants.get("TE-Chan")
        assert (person.name, person.group_id) == ("Ms Chan", "academic")
        speakers = {g.speaker for g in p.sources.segments(p.sources.list()[0])}
        assert "TE-Chan" in speakers and "TE1" not in speakers


async def test_duplicate_label_is_refused_and_form_stays(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("W", "enter")  # AC1
        form = app.screen
        form.query_one("#p-label").value = "IL1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert any("already exists" in n.message for n in app._notifications)
    with Project.open(demo_dir) as p:
        assert {"AC1", "IL1"} <= {x.label for x in p.participants.list()}


async def test_set_speaker_of_selected_segments(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket", "t", "t", "at")
        await pilot.press("ctrl+u", *"IL9", "enter")  # ctrl+u clears the prompt
        await settle(pilot)
    with Project.open(demo_dir) as p:
        segs = p.sources.segments(p.sources.list()[0])
        assert [g.speaker for g in segs[1:3]] == ["IL9", "IL9"]
        assert p.participants.get("IL9").group_id == "industry_leader"  # by the group's match rule


async def test_search_lists_hits_and_jumps_to_one(app, demo_dir):
    with Project.open(demo_dir) as p:
        text = p.sources.list()[0].text
    expected = [m.start() for m in re.finditer("talent", text, re.IGNORECASE)]
    assert len(expected) > 2
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"talent", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert [h.start for h in screen.hits] == expected
        await pilot.press("down", "down", "enter")  # focus the list, second hit
        await settle(pilot)
        view = app.screen.view
        assert view.selection == (expected[1], expected[1] + len("talent"))
        await pilot.press("n")
        assert view.selection == (expected[2], expected[2] + len("talent"))
        await pilot.press("N", "N")
        assert view.selection == (expected[0], expected[0] + len("talent"))


async def test_chinese_search(app, demo_dir):
    with Project.open(demo_dir) as p:
        text = p.sources.list()[0].text
    n = text.count("師傅")
    assert n >= 1
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"師傅", "enter")
        await settle(pilot)
        assert len(app.screen.hits) == n


async def test_code_all_hits_through_autocode(app, demo_dir):
    with Project.open(demo_dir) as p:
        src = p.sources.list()[0]
        spans = {
            (g.start + m.start(), g.start + m.end())
            for g in p.sources.segments(src)
            for m in re.finditer("apprentice", src.text[g.start : g.end], re.IGNORECASE)
        }
    assert spans
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"apprentice", "enter")
        await settle(pilot)
        app.screen.query_one("#search-unit", Select).value = "match"
        await pilot.press("ctrl+k", *"mentorship", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)  # the search stays open
        assert any("Auto-coded" == n.title for n in app._notifications)
    codings = db_codings(demo_dir)
    # exactly the hits the search listed, "apprenticeship" included
    assert {(c.start, c.end) for c in codings} == spans
    assert {c.quote.lower() for c in codings} == {"apprentice"}
    assert {c.code_id for c in codings} == {"rec.employers.mentorship"}
    with Project.open(demo_dir) as p:
        assert p.history.recent(1)[0]["description"].startswith(
            "Auto-code rec.employers.mentorship"
        )
        assert len(p.search("apprentice")) == len(spans)
        p.history.undo()  # one action for all hits
        assert p.codings.list() == []


async def test_empty_search_explains_itself(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", "enter")
        await settle(pilot)
        status = str(app.screen.query_one("#search-status").render())
        assert "Type something" in status
        await pilot.press(*"zzzqqq", "enter")
        await settle(pilot)
        assert "No hits" in str(app.screen.query_one("#search-status").render())
