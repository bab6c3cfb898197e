"""Benchmark: import an NVivo-size REFI-QDA project; compare with ``transcripts add`` of the
same texts, measured in the same run.

The project is laid out as NVivo for Windows writes it: two text sources of about 600,000
characters each (CRLF line ends, mixed Cantonese and English), kept as ``sources/<guid>.txt``
and referenced by ``plainTextPath="internal://<guid>.txt"``, a code tree, and codings as
``PlainTextSelection``s without names. The baseline stores the same two texts as plain-text
transcripts (``Project.import_transcript``, which ``mpu-qual transcripts add`` calls); the
QDPX import stores the same texts and segments plus the codings.

Prints and writes to benchmarks/results/qdpx_import.txt: seconds for each, the ratio (the
target is at most 3x), the undo and redo of the import, and the figures of the file.

Usage: .venv/bin/python benchmarks/bench_qdpx_import.py [--chars N] [--codings N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mpu_qual.refi.import_into_project import import_qdpx  # noqa: E402
from mpu_qual.store import Project  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "qdpx_import.txt"
CODEBOOK = """\
version: 1
name: Bench
name_zh: 基準
stakeholder_groups:
  - {id: industry_leader, en: Industry leader, zh: 業界領袖, match: '^IL\\d*$'}
audiences: []
codes:
  - {id: seed, en: Seed, zh: 種子}
"""
SENTENCES = [
    "我哋公司而家請人真係好難，尤其係識 PLC 同自動化嘅技術員。",
    "The younger generation do not see manufacturing as a career path.",
    "政府應該資助更多在職培訓，等中小企都可以升級轉型。",
    "We tried an apprenticeship scheme with the VTC last year and it worked well.",
    "大概一百二十個員工，其中三分之一係工程人員。",
    "Automation does not replace people; it changes what they need to know.",
]
CODES = ["Manpower", "Training", "Challenges", "Recommendations", "Technology", "Ageing"]


def make_text(chars: int, rng: random.Random) -> str:
    lines: list[str] = []
    total = 0
    n = 0
    while total < chars:
        n += 1
        speaker = "Interviewer" if n % 2 else f"IL{rng.randint(1, 4)}"
        line = f"{speaker}: " + " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 3)))
        lines.append(line)
        total += len(line) + 2
    return "\r\n".join(lines) + "\r\n"


def make_nvivo_qdpx(path: Path, texts: list[str], codings: int, rng: random.Random) -> int:
    """Write an NVivo-for-Windows-shaped .qdpx; returns the number of codings written."""
    user = str(uuid.UUID(int=rng.getrandbits(128)))
    code_guids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in CODES]
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" name="Bench" '
        'origin="NVivo for Windows 14.23.0" creatingUserGUID="' + user + '" '
        'creationDateTime="2025-02-21T15:09:07Z" basePath="" xmlns="urn:QDA-XML:project:1.0">',
        f'<Users><User guid="{user}" name="Coder" /></Users>',
        "<CodeBook><Codes>",
    ]
    parts += [
        f'<Code guid="{g}" name="{name}" isCodable="true" />'
        for g, name in zip(code_guids, CODES, strict=True)
    ]
    parts.append("</Codes></CodeBook><Sources>")
    files: dict[str, str] = {}
    written = 0
    for i, text in enumerate(texts):
        sg = str(uuid.UUID(int=rng.getrandbits(128)))
        files[f"sources/{sg}.txt"] = text
        parts.append(
            f'<TextSource guid="{sg}" name="Interview {i + 1}" '
            f'richTextPath="internal://{sg}.docx" plainTextPath="internal://{sg}.txt" '
            'creationDateTime="2025-06-11T16:24:07Z">'
        )
        for _ in range(codings // len(texts)):
            a = rng.randrange(0, len(text) - 400)
            b = a + rng.randint(20, 400)
            parts.append(
                f'<PlainTextSelection guid="{uuid.UUID(int=rng.getrandbits(128))}" name="" '
                f'startPosition="{a}" endPosition="{b}">'
                f'<Coding guid="{uuid.UUID(int=rng.getrandbits(128))}" creatingUser="{user}">'
                f'<CodeRef targetGUID="{rng.choice(code_guids)}" /></Coding>'
                "</PlainTextSelection>"
            )
            written += 1
        parts.append("</TextSource>")
    parts.append("</Sources></Project>")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", "\n".join(parts))
        for name, text in files.items():
            z.writestr(name, text.encode("utf-8"))
    return written


def new_project(folder: Path) -> Project:
    folder.mkdir(parents=True)
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    return Project.init(folder, import_transcripts=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chars", type=int, default=600_000, help="characters per source")
    ap.add_argument("--codings", type=int, default=2_000, help="codings in the file")
    ap.add_argument("--keep", type=Path, help="keep the work folder here")
    args = ap.parse_args()
    rng = random.Random(11)
    work = Path(tempfile.mkdtemp(prefix="bench-qdpx-"))
    os.environ["MPU_QUAL_HOME"] = str(work / "home")
    try:
        texts = [make_text(args.chars, rng) for _ in range(2)]
        qdpx = work / "nvivo.qdpx"
        n_codings = make_nvivo_qdpx(qdpx, texts, args.codings, rng)
        txt_files = []
        for i, text in enumerate(texts):
            p = work / f"Interview {i + 1}.txt"
            p.write_bytes(text.encode("utf-8"))
            txt_files.append(p)

        with new_project(work / "baseline") as project:
            t0 = time.perf_counter()
            for p in txt_files:
                project.sources.import_file(p)
            base = time.perf_counter() - t0
            base_segments = project.conn.execute("SELECT count(*) FROM segments").fetchone()[0]

        with new_project(work / "imported") as project:
            t0 = time.perf_counter()
            report = import_qdpx(project, qdpx)
            took = time.perf_counter() - t0
            segments = project.conn.execute("SELECT count(*) FROM segments").fetchone()[0]
            stored = project.conn.execute("SELECT count(*) FROM codings").fetchone()[0]
            t0 = time.perf_counter()
            project.history.undo()
            undo = time.perf_counter() - t0
            t0 = time.perf_counter()
            project.history.redo()
            redo = time.perf_counter() - t0

        lines = [
            f"bench_qdpx_import  {dt.datetime.now().isoformat(timespec='seconds')}  "
            f"cpus={os.cpu_count()}  python={platform.python_version()}",
            f"input: NVivo-for-Windows-shaped .qdpx, 2 sources of {len(texts[0]):,} and "
            f"{len(texts[1]):,} characters (CRLF), {n_codings:,} codings, "
            f"{qdpx.stat().st_size / 1e6:.1f} MB",
            f"baseline  transcripts add (2 files) : {base:7.2f} s   {base_segments:,} segments",
            f"mpu-qual  import qdpx               : {took:7.2f} s   {segments:,} segments, "
            f"{stored:,} codings ({report.codings:,} reported)",
            f"ratio     import / transcripts add  : {took / base:7.2f} x   (target: at most 3 x)",
            f"undo      of the import             : {undo:7.2f} s   ({undo / base:.2f} x baseline)",
            f"redo      of the import             : {redo:7.2f} s   ({redo / base:.2f} x baseline)",
        ]
        text = "\n".join(lines) + "\n"
        print(text, end="")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
