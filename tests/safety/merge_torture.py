"""Team merges under concurrency and kills, with real ``mpu-qual`` processes (issue 19).

Three scenes, each checked against the project file afterwards:

- ``two_merges``: ``merge colleague`` and ``merge colleague-copy`` started together: every
  coding arrives once, and the two reports add up to the colleague's codings;
- ``killed_merge``: a merge SIGKILLed after a random delay: the project then opens with
  codebook.yaml listing exactly the project's codes (no code without its codings, no
  journal left), and a merge run again completes it;
- ``merge_and_undo``: a merge racing ``undo`` / ``redo`` loops: no duplicate codings, the
  file intact, codebook.yaml agreeing with the codes, no traceback, no advice to restore.

Used by tests/safety/test_merge_torture.py (a few rounds) and benchmarks/bench_concurrency.py
(``--merge-rounds``).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
NEW_CODE = "factors.torture_merge"


@dataclass
class MergeScene:
    """A lead's project and a colleague's with ``codings`` codings (one code new to the lead)."""

    work: Path
    codings: int = 3000
    seed: int = 1
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.env = {**os.environ, "MPU_QUAL_HOME": str(self.work / "home"), "COLUMNS": "120"}
        self.env.pop("PYTEST_CURRENT_TEST", None)
        self.rng = random.Random(self.seed)

    def mq(self, folder: Path, *args: str) -> list[str]:
        return [sys.executable, "-m", "mpu_qual", "-p", str(folder), *args]

    def run(self, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.mq(folder, *args), capture_output=True, text=True, env=self.env, cwd=REPO_ROOT
        )

    def setup(self) -> None:
        from mpu_qual.store import Project

        self.template = self.work / "template"
        (self.template / "transcripts").mkdir(parents=True)
        shutil.copy2(REPO_ROOT / "codebook.yaml", self.template / "codebook.yaml")
        shutil.copy2(
            REPO_ROOT / "transcripts" / "focus-group-2025-12-08.txt",
            self.template / "transcripts",
        )
        Project.init(self.template).close()
        self.colleague = self.work / "colleague"
        shutil.copytree(self.template, self.colleague)
        with Project.open(self.colleague) as p:
            p.codes.add(NEW_CODE, "Torture merge", "合併測試", parent_id="factors")
            src = p.sources.list()[0]
            codes = ["factors.ecosystem.finance", "training.core.technical", NEW_CODE]
            with p.action("many codings"):
                for i in range(self.codings):
                    a = self.rng.randrange(0, src.length - 50)
                    p.codings.add_many(
                        src, a, a + self.rng.randint(1, 49), [codes[i % 3]], coder=f"c{i % 4}"
                    )
            # a coding is the same coding when code, coder and span are: merged once
            self.expected = len({(c.code_id, c.coder, c.start, c.end) for c in p.codings.list()})

    def fresh_lead(self, name: str) -> Path:
        lead = self.work / name
        shutil.copytree(self.template, lead)
        return lead

    # ------------------------------------------------------------------ checks
    def check(self, lead: Path, what: str) -> tuple[int, int]:
        """(codings, distinct codings) after opening the project as a user would."""
        from mpu_qual.codebook import load_codebook
        from mpu_qual.store import Project

        with Project.open(lead) as p:
            if p.readonly:
                self.problems.append(f"{what}: the project opened read-only: {p.open_problems}")
            in_file = {c.id for c in load_codebook(p.codebook_path).codes}
            in_db = {c.id for c in p.codes.list()}
            if in_file != in_db:
                self.problems.append(
                    f"{what}: codebook.yaml and the project differ: {sorted(in_file ^ in_db)}"
                )
        if list(lead.glob(".codebook.yaml.*.journal")):
            self.problems.append(f"{what}: a codebook journal was left after open")
        conn = sqlite3.connect(f"{(lead / 'project.db').resolve().as_uri()}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                self.problems.append(f"{what}: integrity_check failed")
            n, distinct = conn.execute(
                "SELECT count(*), count(DISTINCT code_id || '|' || coalesce(coder, '') || '|' || "
                "start || '|' || end || '|' || source_id) FROM codings"
            ).fetchone()
            orphans = conn.execute(
                "SELECT count(*) FROM codings WHERE code_id NOT IN (SELECT id FROM codes)"
            ).fetchone()[0]
        finally:
            conn.close()
        if n != distinct:
            self.problems.append(f"{what}: {n - distinct} duplicate codings")
        if orphans:
            self.problems.append(f"{what}: {orphans} codings of a code that is not there")
        return n, distinct

    def _outputs_fine(self, what: str, res: subprocess.CompletedProcess[str]) -> None:
        text = res.stdout + res.stderr
        if "Traceback" in text or "restore --latest" in text:
            self.problems.append(f"{what}: {text[-800:]}")
        elif res.returncode != 0 and "busy" not in text:
            self.problems.append(f"{what} failed (exit {res.returncode}): {text[-500:]}")

    # ------------------------------------------------------------------ scenes
    def two_merges(self, number: int) -> None:
        lead = self.fresh_lead(f"two-{number}")
        copy = self.work / f"colleague-copy-{number}"
        shutil.copytree(self.colleague, copy)
        procs = [
            subprocess.Popen(
                self.mq(lead, "merge", str(other)),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=self.env,
                cwd=REPO_ROOT,
            )
            for other in (self.colleague, copy)
        ]
        added = 0
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            res = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
            self._outputs_fine(f"two merges #{number}", res)
            for line in out.splitlines():
                if line.endswith("already here.") or " already here" in line:
                    added += int(line.split(" ", 1)[0])
        n, _ = self.check(lead, f"two merges #{number}")
        if n != self.expected or added != self.expected:
            self.problems.append(
                f"two merges #{number}: {n} codings, reports added {added}, "
                f"the colleague has {self.expected}"
            )

    def killed_merge(self, number: int) -> float:
        lead = self.fresh_lead(f"killed-{number}")
        proc = subprocess.Popen(
            self.mq(lead, "merge", str(self.colleague)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self.env,
            cwd=REPO_ROOT,
        )
        delay = self.rng.uniform(0.3, 2.5)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n, _ = self.check(lead, f"killed merge #{number} after {delay:.2f} s")
        if n not in (0, self.expected):
            self.problems.append(f"killed merge #{number}: a partial merge ({n} codings)")
        res = self.run(lead, "merge", str(self.colleague))
        self._outputs_fine(f"merge after a kill #{number}", res)
        n, _ = self.check(lead, f"merge after a kill #{number}")
        if n != self.expected:
            self.problems.append(f"merge after a kill #{number}: {n} of {self.expected}")
        return delay

    def merge_and_undo(self, number: int) -> None:
        lead = self.fresh_lead(f"undo-{number}")
        merge = subprocess.Popen(
            self.mq(lead, "merge", str(self.colleague)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            cwd=REPO_ROOT,
        )
        steps = 0
        while merge.poll() is None or steps < 4:
            res = self.run(lead, "undo" if steps % 2 == 0 else "redo")
            self._outputs_fine(f"undo racing a merge #{number}", res)
            steps += 1
            if steps > 40:
                break
        out, err = merge.communicate(timeout=300)
        self._outputs_fine(
            f"merge racing undo #{number}",
            subprocess.CompletedProcess(merge.args, merge.returncode, out, err),
        )
        n, _ = self.check(lead, f"merge racing undo #{number}")
        if n not in (0, self.expected):
            self.problems.append(f"merge racing undo #{number}: {n} codings")
