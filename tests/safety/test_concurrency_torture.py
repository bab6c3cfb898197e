"""Several real mpu-qual processes on one project at once, and the workbench in a terminal.

Issue #10: with the workbench open, ``jobs import`` of a large file in a second terminal and
``code add`` in a third, the project file was damaged every time, and codings the CLI had
confirmed were lost. ``torture.py`` runs that scene, and more, as rounds (see its
docstring); this test runs a few rounds (``--torture-rounds N`` for more), and
``benchmarks/bench_concurrency.py`` runs hundreds. Each round must end with an intact file
(integrity and foreign keys), every acknowledged action present, every refused one leaving
nothing, and no process printing a traceback or an error other than "the project is busy".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from torture import LONG_KINDS, Torture


def test_long_and_short_writers_readers_and_the_workbench_at_once(
    tmp_path: Path, torture_rounds: int, summary: list[str]
) -> None:
    torture = Torture(tmp_path / "torture", job_rows=8_000)
    torture.setup()
    seen: Counter[str] = Counter()
    acked = refused = 0
    for number in range(torture_rounds):
        report = torture.run_round(number, LONG_KINDS[number % len(LONG_KINDS)])
        assert report.ok, f"round {number} ({report.long_kind}):\n" + "\n".join(report.problems)
        assert report.integrity_ok and report.lost == 0
        seen.update(r.kind for r in report.runs)
        acked += report.acked
        refused += report.refused
    # every kind of process really took part
    assert {"jobs import", "import qdpx", "autocode"} & set(seen)
    assert min(seen["code add"], seen["participants set"], seen["undo"], seen["code list"]) >= 1
    summary.append(
        f"concurrency torture: {torture_rounds} rounds, {sum(seen.values())} commands "
        f"({acked} acknowledged writes checked, {refused} busy refusals), 0 integrity failures, "
        "0 lost actions"
    )
