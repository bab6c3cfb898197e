"""Benchmark: detecting a legacy encoding, and what the line-by-line check (issue #19 item 9:
files made of parts in different encodings) and the language check (issue #17: KOI8-R,
ISO-8859-8) cost, measured in the same run.

Input: the repository's real Big5-HKSCS subtitle (tests/data/transcripts) repeated to about
1 MB, and a KOI8-R subtitle of the same size. Baselines: the same text as UTF-8 (no detection
needed), and the detection with the line-by-line check switched off (as before the change).

Prints and writes to benchmarks/results/encoding.txt.

Usage: .venv/bin/python benchmarks/bench_encoding.py [--mb N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import mpu_qual.transcript_files.encoding as encoding  # noqa: E402

DATA = ROOT / "tests" / "data" / "transcripts"
RESULTS = ROOT / "benchmarks" / "results" / "encoding.txt"


def timed(fn) -> float:
    best = float("inf")
    for _ in range(2):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=1.0)
    args = ap.parse_args()
    lines = [
        f"bench_encoding  {dt.datetime.now().isoformat(timespec='seconds')}  "
        f"cpus={os.cpu_count()}  python={platform.python_version()}"
    ]
    for name, enc in (("hongkong-big5hkscs.srt", "big5hkscs"), ("russian-koi8r.srt", "koi8-r")):
        one = (DATA / name).read_bytes()
        raw = one * max(1, int(args.mb * 1_000_000 / len(one)))
        utf8 = raw.decode(enc).encode("utf-8")
        assert encoding.decode_bytes(raw).encoding == enc
        base = timed(lambda: encoding.decode_bytes(utf8))  # noqa: B023
        full = timed(lambda: encoding.decode_bytes(raw))  # noqa: B023
        check = encoding.disagreeing_blocks
        encoding.disagreeing_blocks = lambda _raw, _chosen: []
        try:
            without = timed(lambda: encoding.decode_bytes(raw))  # noqa: B023
        finally:
            encoding.disagreeing_blocks = check
        lines += [
            f"input: {name} repeated, {len(raw) / 1e6:.2f} MB ({enc})",
            f"  baseline  same text as UTF-8          : {base:6.2f} s",
            f"  detect without the line-by-line check : {without:6.2f} s",
            f"  detect with it (as shipped)           : {full:6.2f} s   "
            f"({full / without:.2f} x without; {full / base:.0f} x UTF-8)",
        ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
