"""Transcript formats: parsing files into segments and writing them back."""

from mpu_qual.transcripts.model import ParsedSegment, ParsedTranscript

__all__ = ["ParsedSegment", "ParsedTranscript"]
