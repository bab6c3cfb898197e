"""The player through miniaudio's null device: which samples were played, speed, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from playback_helpers import RATE, positions

from mpu_qual.errors import MpuQualError
from mpu_qual.playback import (
    MediaReader,
    MiniaudioSink,
    NoAudioDevice,
    Player,
    RecordingSink,
    stretch,
)

TOLERANCE_MS = 20  # issue #13: start and end within 20 ms


@pytest.mark.parametrize("fixture", ["coded_wav", "coded_flac"])
def test_segment_plays_exactly_its_samples(fixture: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(fixture)
    sink = RecordingSink()
    player = Player(lambda: sink)
    player.play(path, 12_345, 13_210)
    assert player.wait(10)
    got = positions(sink.played())
    start_ms, end_ms = got[0] * 1000 / RATE, (got[-1] + 1) * 1000 / RATE
    assert abs(start_ms - 12_345) <= TOLERANCE_MS and abs(end_ms - 13_210) <= TOLERANCE_MS
    assert (start_ms, end_ms) == (12_345, 13_210)  # measured: exact to the sample
    assert (np.diff(got) == 1).all()  # nothing skipped or played twice
    assert player.finished and not player.playing
    assert abs(player.position_ms - 13_210) <= TOLERANCE_MS


def test_reader_is_exact_anywhere(coded_flac: Path) -> None:
    with MediaReader(coded_flac) as r:
        assert (r.info.rate, r.info.channels) == (RATE, 2)
        for a, b in [(0, 10), (7_777, 9_001), (29_990, 31_000)]:
            got = positions(r.read(a, b))
            assert got[0] == a * RATE // 1000
            assert got[-1] + 1 == min(b, 30_000) * RATE // 1000


def test_stop_and_play_on_from_a_position(coded_wav: Path) -> None:
    sink = RecordingSink()
    player = Player(lambda: sink)
    player.play(coded_wav, 20_000)  # play on to the end
    assert player.playing
    player.stop()
    assert not player.playing
    got = positions(sink.played())
    assert len(got) == 0 or got[0] == 20_000 * RATE // 1000


def test_speed_keeps_the_pitch(tmp_path: Path) -> None:
    from playback_helpers import write_wav

    tone = (np.sin(2 * math.pi * 440 * np.arange(2 * RATE) / RATE) * 8000).astype(np.int16)
    fast = stretch(tone.reshape(-1, 1), RATE, 2.0)
    slow = stretch(tone.reshape(-1, 1), RATE, 0.5)
    assert abs(len(fast) - RATE) < RATE * 0.05 and abs(len(slow) - 4 * RATE) < RATE * 0.05
    for out in (fast, slow):
        spectrum = np.abs(np.fft.rfft(out[:, 0].astype(float)))
        assert abs(np.argmax(spectrum) * RATE / len(out) - 440) < 5  # same note, not an octave off
    sink = RecordingSink()
    player = Player(lambda: sink)
    path = write_wav(tmp_path / "tone.wav", tone.reshape(-1, 1))
    player.play(path, 0, 2000, speed=2.0)
    assert player.wait(10)
    assert abs(len(sink.played()) - RATE) < RATE * 0.05  # 2 s of audio in about 1 s
    assert player.speed == 2.0


def test_no_sound_device_is_a_clear_error(coded_wav: Path) -> None:
    """This machine (like CI and SSH sessions) has no sound card: say so, change nothing."""
    player = Player(MiniaudioSink)
    try:
        player.play(coded_wav, 0, 500)
    except NoAudioDevice as exc:
        assert "no sound device" in exc.message and "transcripts clip" in (exc.hint or "")
        assert not player.playing
    else:  # a machine with speakers: it plays
        player.stop()


def test_missing_or_bad_media_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(MpuQualError) as err:
        Player(RecordingSink).play(tmp_path / "gone.wav", 0, 100)
    assert "not there any more" in err.value.message
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all" * 10)
    with pytest.raises(MpuQualError) as err:
        Player(RecordingSink).play(junk, 0, 100)
    assert err.value.path == str(junk) or str(junk) in str(err.value)
