"""Applying a diarization to a stored transcript (``transcripts diarize``): store time.

A 600-turn transcript (an hour of a focus group, 6 s turns) with 300 codings; the voices
change inside 200 of its turns, so ``project.voices.apply`` splits 200 segments and labels
all 600 (the plan comes from ``speech/relabel.plan_voices``, as the command makes it). Measured:
seconds to apply, seconds to undo, how many undo steps it made, that the text's words and
every coding's quote survive. No model runs: the turns are given.

Both ways in the same run: one cut at a time (the way it was done before, the baseline) and
in one pass (store/segment_splits.py); both must give the same transcript.

Run: python benchmarks/bench_relabel.py [--segments=N] [--splits=N] -> results/relabel.json
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPU_QUAL_HOME", tempfile.mkdtemp(prefix="mpu-bench-relabel-"))

from mpu_qual.speech.diarize import SpeakerTurn  # noqa: E402
from mpu_qual.speech.relabel import plan_voices  # noqa: E402
from mpu_qual.store import Project  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "relabel.json"
SENTENCES = (
    "We hired two graduates last year and both left within months.",
    "The training budget was cut, so we rely on the suppliers.",
    "我們公司主要請兼職，全職的很難請到人。",
)


def _arg(name: str, default: int) -> int:
    return int(next((a.split("=")[1] for a in sys.argv if a.startswith(f"--{name}=")), default))


def _ts(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def build(folder: Path, segments: int, splits: int) -> tuple[Path, list[SpeakerTurn]]:
    """A project with the transcript, codings on it, and turns that change voice inside
    ``splits`` of its segments (every third one until there are enough)."""
    vtt = ["WEBVTT", ""]
    turns: list[SpeakerTurn] = []
    split_every = max(1, segments // max(splits, 1))
    voice = made = 0
    for i in range(segments):
        a, b = i * 6000, i * 6000 + 5800
        vtt += [f"{_ts(a)} --> {_ts(b)}", f"{SENTENCES[i % 3]} {SENTENCES[(i + 1) % 3]}", ""]
        if i % split_every == 0 and made < splits:  # the voice changes mid-turn
            made += 1
            turns.append(SpeakerTurn(a, a + 2900, f"S{voice % 6 + 1}"))
            voice += 1
            turns.append(SpeakerTurn(a + 2900, b, f"S{voice % 6 + 1}"))
        else:
            turns.append(SpeakerTurn(a, b, f"S{voice % 6 + 1}"))
    path = folder / "group.vtt"
    path.write_text("\n".join(vtt), encoding="utf-8")
    proj = folder / "proj"
    with Project.init(proj) as p:
        p.sources.import_file(path, "group")
        text = p.sources.get("group").text
        code = p.codebook.load().codes[0].id
        pos = 0
        for _ in range(300):  # a coding on every other turn's first sentence
            at = text.find("graduates", pos)
            if at < 0:
                break
            p.codings.add("group", at, at + len("graduates last year"), code)
            pos = at + 1
    return proj, turns


def one_by_one(p: Project, source_id: int, plan) -> None:
    """The way it was done before store/segment_splits.py: one SegmentEditor.split per cut
    (each rewrites the text, the codings and every later segment), then each piece
    labelled; inside one action, so still one undo step. The baseline for the same run."""
    from mpu_qual.store.voices import _find_cut, _piece_meta, label_turn

    with p.action("Find speakers (one cut at a time)", kind="transcript") as conn:
        for seg_id, pieces in reversed(list(plan)):
            ids = [seg_id]
            for k in range(len(pieces) - 1, 0, -1):
                g = next(s for s in p.sources.segments(source_id) if s.id == seg_id)
                text = p.sources.get(source_id).text
                at = _find_cut(text[g.start : g.end], pieces, k)
                report = p.segment_edits.split(seg_id, g.start + at, at_ms=pieces[k].start_ms)
                ids.insert(1, report.segment_ids[-1])
            metas = {g.id: g.meta for g in p.sources.segments(source_id) if g.id in ids}
            for sid, piece in zip(ids, pieces, strict=True):
                meta = _piece_meta(metas[sid], piece, split=len(pieces) > 1)
                label_turn(conn, sid, piece.voice, meta)


def measure(folder: Path, segments: int, splits: int, batched: bool) -> dict:
    proj, turns = build(folder, segments, splits)
    with Project.open(proj) as p:
        src = p.sources.get("group")
        words = src.text.split()
        quotes = sorted(c.quote for c in p.codings.list(source="group"))
        steps0 = len(p.history.recent(limit=-1))
        plan, after = plan_voices(src.text, p.sources.segments(src), turns)
        t0 = time.perf_counter()
        if batched:
            p.voices.apply(src.id, plan, {"engine": "benchmark"})
        else:
            one_by_one(p, src.id, plan)
        apply_s = time.perf_counter() - t0
        steps = len(p.history.recent(limit=-1)) - steps0
        segs = p.sources.segments(src)
        result = [(g.speaker, g.start, g.end, g.start_ms, g.end_ms, g.meta) for g in segs] + [
            (c.start, c.end, c.quote) for c in p.codings.list(source="group")
        ]
        text_after = p.sources.get("group").text
        ok = (
            text_after.split() == words
            and sorted(c.quote for c in p.codings.list(source="group")) == quotes
            and len(segs) == after
        )
        t0 = time.perf_counter()
        p.history.undo()
        undo_s = time.perf_counter() - t0
        back = (
            p.sources.get("group").text.split() == words
            and len(p.sources.segments(src)) == segments
        )
    return {
        "how": "one pass (store/segment_splits.py)" if batched else "one cut at a time",
        "segments": segments,
        "splits": sum(len(pieces) - 1 for _, pieces in plan),
        "codings": len(quotes),
        "apply_s": round(apply_s, 2),
        "undo_s": round(undo_s, 2),
        "undo_steps": steps,
        "words_and_quotes_kept": ok,
        "undo_restores": back,
        "_result": (text_after, result),
    }


def main() -> None:
    segments, splits = _arg("segments", 600), _arg("splits", 200)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for batched in (False, True):
            folder = Path(tmp) / str(batched)
            folder.mkdir()
            rows.append(measure(folder, segments, splits, batched))
    same = rows[0].pop("_result") == rows[1].pop("_result")
    for row in rows:
        row["same_result_both_ways"] = same
        row["load_average"] = round(os.getloadavg()[0], 1)
        print(json.dumps(row), flush=True)
    summary = {
        "rows": rows,
        "speed_up": round(rows[0]["apply_s"] / max(rows[1]["apply_s"], 1e-3), 1),
        "machine": f"{os.cpu_count()} cores shared with other work, "
        f"load average {os.getloadavg()[0]:.1f}",
    }
    OUT.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
