"""Build the demo project: two coders, a recording with flagged segments, job ads, a summary.

    .venv/bin/python scripts/code_demo.py                  # writes docs/summary-demo.md
    .venv/bin/python scripts/code_demo.py --project /tmp/demo --summary /tmp/demo.md
    .venv/bin/python scripts/code_demo.py --project . --no-summary   # what `./dev demo` runs

The project folder is a new (or empty) folder, a temporary one unless --project names one; it
gets copies of the repository's codebook.yaml, transcripts/ and demo/. The repository root
itself is set up only when --project names it and it has no project.db yet (`./dev demo`).
The script then codes the fictional focus group as a researcher would (CODINGS below: each is a
turn of the transcript, or the sentences of it between two phrases), merges a colleague's
project that double-coded the first part (a second coder, for agreement and the review of
disagreements), stores the machine transcript of demo/recording.ogg (made once by
scripts/make_demo_recording.py: espeak-ng speech, tiny.en, with real review flags), attaches the
recording and names its speakers, imports a small set of FICTIONAL job ads (the demo transcript
is fictional too) and links three of their figures as evidence, then writes the summary.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mpu_qual.export.summary import build_summary  # noqa: E402
from mpu_qual.export.summary_render import write_summary  # noqa: E402
from mpu_qual.store import Project  # noqa: E402
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript  # noqa: E402
from mpu_qual.transcript_files.timecode import parse_timestamp  # noqa: E402

SOURCE = "focus-group-2025-12-08"
NOTE = (
    "> An example: the summary of the demo project (the fictional focus group in `transcripts/`"
    "\n> and a few fictional job ads), coded by `scripts/code_demo.py`, which also regenerates"
    "\n> this file. Real summaries come from `mpu-qual summary -o report.md|.html|.docx`."
)
CODER = "demo-researcher"
COLLEAGUE = "demo-colleague"
RECORDING = "introductions-recording"
# The colleague double-codes the first part of the focus group. Where they chose another code
# than the researcher (turn time -> their code), the agreement report and the review of
# disagreements have something to show.
COLLEAGUE_UNTIL = "00:07:17"
COLLEAGUE_OTHER = {
    "00:02:27": "factors.government_support.industry_academia",
    "00:03:39": "manpower.qa_compliance",
    "00:04:46": "challenges.skills_gap",
    "00:06:03": "factors.government_support.funding_tools",
}

# (turn time, first words or None for the turn's start, last words or None for its end,
#  codes, memo)
# fmt: off
CODINGS: list[tuple[str, str | None, str | None, list[str], str | None]] = [
    ("00:01:51", None, None, ["factors.ecosystem.infrastructure"], None),
    ("00:02:13", None, None, ["factors.ecosystem.infrastructure"], "Logistics and spare parts."),
    ("00:02:27", None, None, ["factors.ecosystem.infrastructure"],
     "Shared research facilities, pilot lines, testing labs."),
    ("00:02:47", None, None, ["factors.ecosystem.finance"], None),
    ("00:03:05", None, None, ["factors.ecosystem.finance"], "Equipment leasing for SMEs."),
    ("00:03:20", None, None, ["factors.ecosystem.standards"], None),
    ("00:03:39", None, None, ["factors.ecosystem.standards"], None),
    ("00:03:58", None, None, ["factors.talent_gap.shortage_ageing"], None),
    ("00:04:18", None, None, ["factors.talent_gap.shortage_ageing", "challenges.ageing"], None),
    ("00:04:33", "That's the ageing", "walks out with them.", ["challenges.ageing"], None),
    ("00:04:33", "And the younger people", None, ["challenges.skills_gap"], None),
    ("00:04:46", None, None, ["factors.talent_gap.adaptability"], None),
    ("00:05:09", None, None, ["factors.inclusive_growth"], None),
    ("00:05:27", None, None, ["factors.inclusive_growth.whole_chain_innovation"], None),
    ("00:05:43", None, None, ["factors.inclusive_growth.cross_sector_skills"], None),
    ("00:06:03", None, None, ["factors.government_support.itf"],
     "Useful, but paperwork and months of waiting for approval."),
    ("00:06:17", None, None, ["factors.government_support.funding_tools"], None),
    ("00:06:33", None, None, ["factors.government_support.industry_academia"], None),
    ("00:06:47", None, None, ["factors.government_support.talent_programmes"], None),
    ("00:07:01", None, None, ["factors.government_support.rd_tax"], None),
    ("00:07:17", None, None, ["factors.government_support.ai_institute_data_park"], None),
    ("00:07:44", None, None, ["factors.fyp15.innovation_driven"], None),
    ("00:07:58", None, None, ["factors.fyp15.rd_collaboration"], None),
    ("00:08:13", None, None, ["factors.fyp15.startups"], None),
    ("00:08:37", None, None, ["manpower.technical.foundational"], None),
    ("00:08:51", None, "industrial software, robotics.", ["manpower.technical.emerging_tech"], None),
    ("00:08:51", "We compete with the banks", None, ["challenges.shortage_competition"], None),
    ("00:09:04", None, None, ["manpower.technical.hybrid"], None),
    ("00:09:20", None, None, ["manpower.technical.hybrid"], None),
    ("00:09:31", None, None, ["manpower.innovation.rd_drivers"], None),
    ("00:09:45", None, None, ["manpower.innovation.ai_adaptability"], None),
    ("00:10:08", None, None, ["manpower.qa_compliance"], None),
    ("00:10:08", "我哋請 QA engineer", "一個啱嘅。", ["challenges.shortage_competition"],
     "Six months to hire one QA engineer."),
    ("00:10:27", None, None, ["manpower.qa_compliance"], None),
    ("00:10:39", None, None, ["manpower.job_market"], "Moderator summarising the desk research."),
    ("00:10:59", None, None, ["manpower.job_market"], None),
    ("00:11:16", None, None, ["manpower.job_market"], None),
    ("00:11:31", None, None, ["manpower.job_market"], None),
    ("00:11:44", None, None, ["manpower.job_market"], None),
    ("00:12:07", "Technical, so", "quality and safety.", ["training.core.technical"], None),
    ("00:12:07", "Cognitive, so", "critical thinking.", ["training.core.cognitive"], None),
    ("00:12:07", "And soft skills", None, ["training.core.soft_skills"], None),
    ("00:12:23", None, None, ["training.core.soft_skills"], None),
    ("00:12:35", None, "to the practice directly.", ["training.hybrid.interdisciplinary"], None),
    ("00:12:35", "And project-based learning", None, ["training.hybrid.project_based"], None),
    ("00:12:49", None, None, ["training.hybrid.project_based"], None),
    ("00:13:03", None, "basic machine learning and deep learning.",
     ["training.data_ai.foundations"], None),
    ("00:13:03", "Then applied scenarios", None, ["training.data_ai.applied"], None),
    ("00:13:19", None, None, ["training.data_ai.lifecycle"], None),
    ("00:13:37", None, "digital manufacturing.", ["training.rd.technical_depth"], None),
    ("00:13:37", "And the process itself", None, ["training.rd.rigorous_process"], None),
    ("00:13:52", None, "customised devices.", ["training.customisation"], None),
    ("00:13:52", "Staff need market insight", "pain points", ["training.customisation.market_insight"],
     None),
    ("00:13:52", "and agile product development", "from the customer.",
     ["training.customisation.agile"], None),
    ("00:13:52", "And the mindset", None, ["training.customisation.adaptive_mindset"], None),
    ("00:14:10", "Quality management systems", "depending on the sector.",
     ["training.qa.qms_standards"], None),
    ("00:14:10", "The tools,", "statistical process control.",
     ["training.qa.root_cause", "training.qa.spc"], None),
    ("00:14:10", "And support for people", None, ["training.qa.certification"], None),
    ("00:14:29", None, None, ["training.qa.certification"], None),
    ("00:14:45", None, None, ["challenges.skills_gap"], None),
    ("00:14:58", None, None, ["challenges.skills_gap"], None),
    ("00:15:11", None, None, ["challenges.shortage_competition"], None),
    ("00:15:26", None, None, ["challenges.ageing"], None),
    ("00:15:42", None, None, ["challenges.image_turnover"], None),
    ("00:15:58", None, None, ["challenges.image_turnover"], None),
    ("00:16:12", None, None, ["rec.government.industry_image"], None),
    ("00:16:25", None, None, ["rec.government.industry_image"], "Exchange events."),
    ("00:16:36", None, None, ["rec.government.quality_standards"], None),
    ("00:16:52", None, None, ["rec.government.retraining"], None),
    ("00:17:10", None, None, ["rec.training_institutions.collaboration"], None),
    ("00:17:21", None, None, ["rec.training_institutions.project_based_learning"], None),
    ("00:17:34", None, None, ["rec.training_institutions.interdisciplinary_curriculum"], None),
    ("00:17:47", None, None, ["rec.employers.mentorship"], None),
    ("00:18:04", None, None, ["rec.employers.collaborative_culture"], None),
    ("00:18:13", None, None, ["rec.employers.shared_ownership"], None),
    ("00:18:26", None, None, ["rec.employers.data_sharing"], None),
    ("00:18:40", None, None, ["rec.employers.data_sharing"], None),
    ("00:18:55", None, None, ["rec.employees.continuous_learning"], None),
    ("00:19:06", None, None, ["rec.employees.industry_standards"], None),
    ("00:19:18", None, None, ["rec.employees.gba_ip"], None),
    ("00:19:29", None, None, ["rec.employees.gba_ip"], None),
]
# fmt: on

ATTRIBUTES = {
    "IL1": {"sector": "Precision metal parts"},
    "IL2": {"sector": "Medical devices"},
    "TP1": {"sector": "Machine vision and AI inspection"},
    "TP2": {"sector": "System integration"},
    "AC1": {"sector": "University"},
    "TE1": {"sector": "Vocational training"},
}

# Fictional job ads for the demo: (window start year, title, how many).
# fmt: off
DEMO_ADS = [
    (2024, "Technician", 12), (2024, "Production Operator", 10), (2024, "Engineer", 8),
    (2024, "QA Engineer", 4), (2024, "Purchaser", 3), (2024, "Lab Technician", 3),
    (2023, "Technician", 15), (2023, "Engineer", 7), (2023, "Maintenance Technician", 6),
]
# fmt: on


def span(
    text: str, seg_start: int, seg_end: int, first: str | None, last: str | None, where: str
) -> tuple[int, int]:
    """Offsets of the passage from ``first`` to the end of ``last`` inside one turn."""
    s = seg_start
    if first is not None:
        s = text.find(first, seg_start, seg_end)
        if s < 0:
            raise SystemExit(f"{where}: '{first}' is not in the turn")
    e = seg_end
    if last is not None:
        i = text.find(last, s, seg_end)
        if i < 0:
            raise SystemExit(f"{where}: '{last}' is not in the turn")
        e = i + len(last)
    return s, e


def apply_codings(project: Project) -> int:
    src = project.sources.get(SOURCE)
    turns = {g.start_ms: g for g in project.sources.segments(src)}
    n = 0
    for time, first, last, codes, memo in CODINGS:
        seg = turns.get(parse_timestamp(time))
        if seg is None:
            raise SystemExit(f"no turn starts at {time}")
        s, e = span(src.text, seg.start, seg.end, first, last, time)
        project.codings.add_many(src, s, e, codes, memo=memo, coder=CODER)
        n += len(codes)
    for label, attrs in ATTRIBUTES.items():
        project.participants.set(label, attrs=attrs)
    return n


def write_demo_ads(path: Path) -> Path:
    """The fictional job ads as a CSV file, the way a job board exports them."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["platform", "ad_id", "date", "title", "company", "industry", "description"])
        n = 0
        for year, title, count in DEMO_ADS:
            for i in range(count):
                n += 1
                day = dt.date(year, 12, 1) + dt.timedelta(days=(i * 23) % 350)
                desc = "ISO 13485 quality system" if "QA" in title else "Shift work, PLC basics."
                w.writerow(
                    [
                        "DemoBoard",
                        f"demo-{n}",
                        day.isoformat(),
                        title,
                        f"Demo Company {n % 7}",
                        "Manufacturing",
                        desc,
                    ]
                )
    return path


def link_demo_evidence(project: Project, workdir: Path) -> int:
    """Import the fictional ads and link three figures (skipped if evidence is unavailable)."""
    try:
        from mpu_qual.evidence.importer import import_job_ads
        from mpu_qual.evidence.links import EvidenceQuery, link_evidence
        from mpu_qual.evidence.rules import load_project_rules
    except ImportError:
        return 0
    path = write_demo_ads(workdir / "demo-job-ads.csv")
    rules = load_project_rules(project.folder)
    import_job_ads(project, [path], rules)
    job_market = [
        c for c in project.codings.list(code="manpower.job_market") if c.participant_label == "IL1"
    ][0]
    links = [
        (
            EvidenceQuery(sector="製造", window="2024-2025", role="技術員"),
            {"code_id": "manpower.job_market"},
            "Technicians are the most advertised role.",
        ),
        (
            EvidenceQuery(sector="製造", window="2024-2025", role="生產操作工"),
            {"coding_id": job_market.id},
            "IL1: operators are up with the second shift.",
        ),
        (
            EvidenceQuery(window="2024-2025", term="ISO 13485"),
            {"code_id": "manpower.qa_compliance"},
            None,
        ),
    ]
    for query, target, note in links:
        link_evidence(project, query, note=note, rules=rules, **target)
    return len(links)


def apply_colleague_codings(project: Project) -> int:
    """The colleague's double coding: the first part, whole turns, four different choices."""
    src = project.sources.get(SOURCE)
    turns = {g.start_ms: g for g in project.sources.segments(src)}
    limit = parse_timestamp(COLLEAGUE_UNTIL)
    n = 0
    done: set[tuple[str, str]] = set()
    for time, _first, _last, codes, _memo in CODINGS:
        ms = parse_timestamp(time)
        if ms > limit:
            break
        seg = turns[ms]
        for code in [COLLEAGUE_OTHER.get(time, codes[0])]:
            if (time, code) in done:
                continue
            done.add((time, code))
            project.codings.add(src, seg.start, seg.end, code, coder=COLLEAGUE)
            n += 1
    return n


def merge_colleague(project: Project, workdir: Path) -> int:
    """Build the colleague's copy of the project, then merge it (one undoable action)."""
    from mpu_qual.team.merge import merge

    other = workdir / "colleague-copy"
    other.mkdir()
    shutil.copyfile(project.folder / "codebook.yaml", other / "codebook.yaml")
    (other / "transcripts").mkdir()
    shutil.copyfile(
        project.folder / "transcripts" / f"{SOURCE}.txt", other / "transcripts" / f"{SOURCE}.txt"
    )
    with Project.open(other) as theirs:
        apply_colleague_codings(theirs)
    return merge(project, other).total_added


def add_recording(project: Project) -> tuple[int, int]:
    """Store the recording's machine transcript, attach the recording, name the speakers.

    Returns (segments, flagged segments)."""
    doc = json.loads((project.folder / "demo" / "recording.whisper.json").read_text("utf-8"))
    parsed = ParsedTranscript(
        segments=[
            ParsedSegment(s["text"], start_ms=s["start_ms"], end_ms=s["end_ms"], meta=s["meta"])
            for s in doc["segments"]
        ],
        metadata=doc["metadata"],
        format="vtt",
    )
    src = project.sources.add(RECORDING, parsed)
    project.sources.attach_recording(src, project.folder / "demo" / "recording.ogg")
    # Who spoke: the turn each segment's middle falls in (the times the speech was made with).
    turns = doc["speakers"]
    by_speaker: dict[str, list[int]] = {}
    for seg in project.sources.segments(src):
        mid = ((seg.start_ms or 0) + (seg.end_ms or 0)) // 2
        who = [t["speaker"] for t in turns if t["start_ms"] <= mid][-1:] or [turns[0]["speaker"]]
        by_speaker.setdefault(who[0], []).append(seg.id)
    for label, ids in by_speaker.items():
        project.sources.set_speaker(ids, label)
    flagged = sum(1 for s in doc["segments"] if s["meta"].get("flags"))
    return len(doc["segments"]), flagged


DEMO_SUMMARIES = [  # (code, stakeholder group, the researcher's summary of that cell)
    (
        "factors",
        "Industry leader",
        "Both leaders tie growth to R&D in Hong Kong with volume production in the Greater Bay "
        "Area; they want land and infrastructure ready sooner. 研發留港、量產在大灣區。",
    ),
    (
        "training",
        "Training expert",
        "Short, modular courses with employers, recognised across the region; apprenticeships "
        "for technicians. 短期模組課程，與僱主合辦。",
    ),
]


def write_demo_summaries(project: Project) -> int:
    """The researcher's summary of a few framework cells (`Q` shows them, by stakeholder group)."""
    from mpu_qual.store.analysis_reads import FrameworkSummaries

    cells = FrameworkSummaries(project)
    for code, group, text in DEMO_SUMMARIES:
        cells.set(code, text, group=group, author=CODER)
    return len(DEMO_SUMMARIES)


def build_demo(folder: Path, workdir: Path) -> str:
    """Set up the demo project in ``folder``; returns what was done, in words."""
    if folder.resolve() != ROOT:
        shutil.copyfile(ROOT / "codebook.yaml", folder / "codebook.yaml")
        shutil.copytree(ROOT / "transcripts", folder / "transcripts")
        (folder / "transcripts" / "README.md").unlink(missing_ok=True)
        (folder / "demo").mkdir()
        for name in ("recording.ogg", "recording.whisper.json"):
            shutil.copyfile(ROOT / "demo" / name, folder / "demo" / name)
    with Project.open(folder) as project:
        n = apply_codings(project)
        merged = merge_colleague(project, workdir)
        summaries = write_demo_summaries(project)
        segments, flagged = add_recording(project)
        links = link_demo_evidence(project, workdir)
    return (
        f"coded {n} passages as {CODER}, merged {merged} codings by {COLLEAGUE}, stored "
        f"'{RECORDING}' ({segments} segments, {flagged} flagged for review) with its recording, "
        f"summarised {summaries} framework cells, linked {links} job-ad figures"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", type=Path, help="new folder to keep the demo project in")
    ap.add_argument("--summary", type=Path, default=ROOT / "docs" / "summary-demo.md")
    ap.add_argument("--no-summary", action="store_true", help="write no summary")
    ap.add_argument("--quotes", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mpu-qual-demo-") as tmp:
        folder = (args.project or Path(tmp) / "demo").resolve()
        if folder == ROOT:
            if (ROOT / "project.db").exists():
                raise SystemExit(f"{ROOT / 'project.db'} exists; remove it to build the demo again")
        elif folder.exists() and any(folder.iterdir()):
            raise SystemExit(f"{folder} is not empty; name a new folder")
        folder.mkdir(parents=True, exist_ok=True)
        done = build_demo(folder, Path(tmp))
        if not args.no_summary:
            with Project.open(folder) as project:
                write_summary(build_summary(project, quotes=args.quotes), args.summary)
    if not args.no_summary and args.summary.suffix == ".md":
        title, rest = args.summary.read_text(encoding="utf-8").split("\n", 1)
        args.summary.write_text(f"{title}\n\n{NOTE}\n{rest}", encoding="utf-8")
    wrote = "" if args.no_summary else f"; wrote {args.summary}"
    print(f"Demo project in {folder}: {done}{wrote}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
