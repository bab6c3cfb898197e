"""Team merges with real processes: two at once, killed, racing undo (``merge_torture.py``).

``benchmarks/bench_concurrency.py --merge-rounds N`` runs more rounds of the same scenes.
"""

from __future__ import annotations

from pathlib import Path

from merge_torture import MergeScene


def test_merges_at_once_killed_and_racing_undo(tmp_path: Path, summary: list[str]) -> None:
    scene = MergeScene(tmp_path / "merge", codings=3000, seed=19)
    scene.setup()
    delays = []
    for number in range(1):
        scene.two_merges(number)
        delays.append(scene.killed_merge(number))
        scene.merge_and_undo(number)
    assert scene.problems == []
    summary.append(
        f"merge torture: 1 round of two merges at once, a merge killed (after "
        f"{', '.join(f'{d:.1f}' for d in delays)} s) and a merge racing undo: 0 problems"
    )
