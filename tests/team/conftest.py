"""Coders' projects made in separate folders (copies of the demo), as a team would."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from mpu_qual.store import Project

# The codes each coder works with (leaves of two themes of the demo codebook).
CODES = [
    "factors.talent_gap.shortage_ageing",
    "factors.talent_gap.adaptability",
    "factors.ecosystem.finance",
    "factors.ecosystem.infrastructure",
    "training.core.technical",
]


def code_like_a_person(folder: Path, coder: str, seed: int, reference: list | None = None) -> list:
    """Code the demo transcript in ``folder`` as ``coder``: segments, sentences and odd
    spans; with ``reference`` (another coder's spans), agree with most of them, so the
    figures are neither perfect nor random. Returns [(code, start, end)]."""
    rng = random.Random(seed)
    made = []
    with Project.open(folder) as p:
        src = p.sources.list()[0]
        segs = [g for g in p.sources.segments(src) if g.end > g.start]
        plan: list[tuple[str, int, int]] = []
        if reference:
            for code, s, e in reference:
                r = rng.random()
                if r < 0.6:
                    plan.append((code, s, e))  # the same passage
                elif r < 0.8:
                    plan.append((code, s, max(s + 1, e - rng.randint(1, 15))))  # shorter
                elif r < 0.9:
                    plan.append((rng.choice(CODES), s, e))  # another code
        for _ in range(12):
            g = rng.choice(segs)
            a = rng.randint(g.start, g.end - 1)
            b = rng.randint(a + 1, min(g.end, a + 120))
            if rng.random() < 0.5:
                a, b = g.start, g.end
            if rng.random() < 0.2:  # across two segments
                b = min(src.length, g.end + 30)
            plan.append((rng.choice(CODES), a, b))
        seen = set()
        for code, s, e in plan:
            if (code, s, e) in seen:
                continue
            seen.add((code, s, e))
            p.codings.add_many(src, s, e, [code], coder=coder)
            made.append((code, s, e))
    return made


@pytest.fixture
def team(demo_dir: Path, tmp_path: Path) -> dict[str, Path]:
    """The lead's project (no codings) and alice's, bob's and carol's coded copies."""
    folders = {"lead": demo_dir}
    for name in ("alice", "bob", "carol"):
        folders[name] = tmp_path / name
        shutil.copytree(demo_dir, folders[name])
    ref = code_like_a_person(folders["alice"], "alice", 1)
    code_like_a_person(folders["bob"], "bob", 2, ref)
    code_like_a_person(folders["carol"], "carol", 3, ref)
    return folders
