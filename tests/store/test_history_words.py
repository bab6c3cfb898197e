"""The undo journal's actions in people's words (History.describe), on the demo transcript."""

from __future__ import annotations

from mpu_qual.store import Project

SRC = "focus-group-2025-12-08"


def test_codings_are_described_by_code_names_speaker_and_time(demo_project: Project) -> None:
    p = demo_project
    src = p.sources.get(SRC)
    seg = p.sources.segments(src)[1]  # IL1 at 00:00:32
    c = p.codings.add(src, seg.start, seg.start + 20, "factors.ecosystem.infrastructure")
    turn = f"IL1's turn at 00:00:32 in {SRC}"
    assert p.history.describe(p.history.next_action(True)) == (
        f"coding 'Infrastructure 加強基建' on {turn}"
    )
    p.codings.update(c.id, memo="land and power")
    assert p.history.describe(p.history.next_action(True)) == (
        f"memo on coding 'Infrastructure 加強基建' ({turn})"
    )
    p.codings.update(c.id, code_id="factors.ecosystem.finance")
    assert p.history.describe(p.history.next_action(True)) == (
        f"recoding 'Infrastructure 加強基建' as 'Access to finance 財務資源獲取途徑' on {turn}"
    )
    p.codings.update(c.id, end=seg.start + 30)
    assert p.history.describe(p.history.next_action(True)).startswith("re-scoping coding")
    p.codings.remove(c.id)
    last = p.history.next_action(True)
    assert p.history.describe(last) == (
        f"removing coding 'Access to finance 財務資源獲取途徑' from {turn}"
    )
    # after the undo the journal still knows what the action was
    p.history.undo()
    assert p.history.next_action(False) == last
    assert p.history.describe(last).startswith("removing coding 'Access to finance")


def test_several_codes_and_other_actions(demo_project: Project) -> None:
    p = demo_project
    src = p.sources.get(SRC)
    seg = p.sources.segments(src)[0]
    p.codings.add_many(src, seg.start, seg.end, ["challenges.ageing", "challenges.skills_gap"])
    words = p.history.describe(p.history.next_action(True))
    assert words.startswith("codings '") and "Moderator's turn at 00:00:05" in words
    p.participants.set("IL1", name="Ada")
    # not a coding: the stored description
    assert p.history.describe(p.history.next_action(True)) == "Edit participant IL1"
    assert p.history.describe(10**6) == ""
