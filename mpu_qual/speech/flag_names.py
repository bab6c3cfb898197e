"""The names of the review flags, in one light module: the CLI lists them as choices at
start-up without loading the flag rules (``flags.py``) and their phrase list."""

LOW_CONFIDENCE = "low_confidence"
NO_SPEECH = "no_speech"
REPETITION = "repetition"
REPEATED_SEGMENT = "repeated_segment"
KNOWN_HALLUCINATION = "known_hallucination"
NOT_ENGLISH = "not_english"
DROPPED_SPEECH = "dropped_speech"
SILENCE_BEFORE = "silence_before"
GAP_AT_END = "gap_at_end"

ALL_FLAGS = (
    LOW_CONFIDENCE,
    NO_SPEECH,
    REPETITION,
    REPEATED_SEGMENT,
    KNOWN_HALLUCINATION,
    NOT_ENGLISH,
    DROPPED_SPEECH,
    SILENCE_BEFORE,
    GAP_AT_END,
)
