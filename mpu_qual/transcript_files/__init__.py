"""Transcript formats: parsing files into segments and writing them back."""

from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

__all__ = ["ParsedSegment", "ParsedTranscript"]
