"""Playing a transcript's recording: exact stretches, speed without pitch change, no UI.

``Player`` plays a stretch of a recording through a ``Sink`` (a sound device via miniaudio,
or its null device in tests); ``MediaReader`` reads sample-exact stretches with PyAV; ``clip``
writes the audio of segments to a WAV file. Never imports textual.
"""

from mpu_qual.playback.engine import SPEEDS, Player
from mpu_qual.playback.media import MediaInfo, MediaReader, stretch
from mpu_qual.playback.sinks import MiniaudioSink, NoAudioDevice, RecordingSink, Sink

__all__ = [
    "SPEEDS",
    "MediaInfo",
    "MediaReader",
    "MiniaudioSink",
    "NoAudioDevice",
    "Player",
    "RecordingSink",
    "Sink",
    "stretch",
]
