"""The reads the workbench and the transcriber ask the store for (issue 18: only the store
names its tables). Each narrow read agrees with the store's full read of the same rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from mpu_qual.store import Project
from mpu_qual.store.transcription_runs import SavedSegment
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

TURNS = [
    ("Moderator", 0, 4000, "Welcome everyone, let us start with the shortage of technicians."),
    ("IL1", 4000, 9000, "We cannot find enough PLC technicians for the night shift."),
    ("TP1", 9000, 14000, "我哋公司好難請到識自動化嘅技術員。"),
    ("IL1", 14000, None, "Training takes two years and then they leave."),
]


def _parsed(turns: list[tuple[str, int, int | None, str]]) -> ParsedTranscript:
    return ParsedTranscript(
        [ParsedSegment(t, speaker=s, start_ms=a, end_ms=b) for s, a, b, t in turns],
        format="vtt",
    )


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = Project.init(tmp_path / "proj")
    p.sources.add("fg", _parsed(TURNS), media_path="fg.wav", duration_ms=20_000)
    p.sources.add("another", _parsed(TURNS[:2]))
    text = p.sources.get("fg").text
    for phrase, code, coder in [
        ("shortage", "factors", "alice"),
        ("PLC technicians", "manpower", "alice"),
        ("自動化", "manpower", "bob"),
        ("two years", "training", None),
        ("night shift", "factors", "bob"),
    ]:
        start = text.index(phrase)
        p.codings.add("fg", start, start + len(phrase), code, coder=coder)
    yield p
    p.close()


def test_segment_reads_match_the_full_segments(project: Project) -> None:
    src = project.sources.get("fg")
    segs = project.sources.segments(src)
    layout = project.sources.segment_layout(src.id)
    assert layout == [
        (g.id, g.idx, g.speaker, g.participant_id, g.start, g.end, g.start_ms) for g in segs
    ]
    assert [row[2] for row in layout] == ["Moderator", "IL1", "TP1", "IL1"]
    assert project.sources.segment_times(src.id) == [(g.start_ms, g.end_ms) for g in segs]
    assert project.sources.segment_times(src.id)[-1] == (14000, None)
    for g in segs:
        assert project.sources.segment_start(g.id) == g.start
        assert project.sources.segment_words(g.id) == (g.idx, g.speaker, src.text[g.start : g.end])
    assert project.sources.segment_words(segs[2].id) == (2, "TP1", TURNS[2][3])
    missing = max(g.id for g in segs) + 1000
    assert project.sources.segment_start(missing) is None
    assert project.sources.segment_words(missing) is None
    assert project.sources.segment_layout(missing) == []


def test_source_headers_and_exists(project: Project) -> None:
    headers = project.sources.headers()
    assert [h.name for h in headers] == ["another", "fg"]  # by name
    full = {s.name: s for s in project.sources.list()}
    for h in headers:
        assert (h.id, h.duration_ms, h.media_path) == (
            full[h.name].id,
            full[h.name].duration_ms,
            full[h.name].media_path,
        )
    assert headers[1].media_path == "fg.wav" and headers[1].duration_ms == 20_000
    assert project.sources.exists("fg") and project.sources.exists("another")
    assert not project.sources.exists("FG") and not project.sources.exists("fg ")


def test_code_counts_per_coder_and_recent_codes(project: Project) -> None:
    codings = project.codings.list()
    for coder in ["alice", "bob", None]:
        expected = Counter(c.code_id for c in codings if c.coder == coder)
        assert project.codes.coder_counts(coder) == dict(expected)
    assert project.codes.coder_counts("alice") == {"factors": 1, "manpower": 1}
    assert project.codes.coder_counts("nobody") == {}
    # newest coding first: factors (night shift), training, manpower (自動化)
    assert project.codes.recently_used() == ["factors", "training", "manpower"]
    assert project.codes.recently_used(2) == ["factors", "training"]


def test_segment_counts_per_participant(project: Project) -> None:
    counts = project.participants.segment_counts()
    by_label = {p.label: counts.get(p.id, 0) for p in project.participants.list()}
    assert by_label == {"Moderator": 2, "IL1": 3, "TP1": 1}  # fg: 1, 2, 1; another: 1, 1
    every = [g for s in project.sources.list() for g in project.sources.segments(s)]
    assert counts == dict(Counter(g.participant_id for g in every if g.participant_id))


def test_transcription_runs_round_trip(project: Project) -> None:
    runs = project.transcription_runs
    assert runs.runs() == [] and runs.get("fg2") is None
    run = runs.create("fg2", "/audio/fg2.wav", "ab" * 32, {"model": "tiny"}, "fp")
    assert run.status == "running" and run.settings == {"model": "tiny"}
    seg = SavedSegment(0, 0, 1500, "早晨 everyone", -0.3, 0.01, 1.2, 0.0, [[0, 700, "早晨"]])
    runs.add_segment(run.id, seg)
    runs.add_segment(run.id, SavedSegment(1, 1500, 3000, "next"))
    assert runs.segments(run.id) == [seg, SavedSegment(1, 1500, 3000, "next")]
    assert runs.count(run.id) == 2
    runs.set_speech(run.id, [(0, 1500), (1600, 3000)])
    assert runs.speech(run.id) == [(0, 1500), (1600, 3000)]
    runs.update(run.id, status="interrupted", duration_ms=3000)
    again = runs.get("fg2")
    assert again is not None and (again.status, again.duration_ms) == ("interrupted", 3000)
    with pytest.raises(ValueError, match="not checkpoint fields"):
        runs.update(run.id, name="other")
    runs.discard(run.id)
    assert runs.runs() == [] and runs.count(run.id) == 0
