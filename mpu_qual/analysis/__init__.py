"""Queries on the coding: code matrices, co-occurrence, the framework matrix (no textual).

One library API used by the CLI (``mpu-qual matrix``, ``cooccurrence``, ``framework``), the
workbench's matrix screen and the exports. Definitions (docs/analysis.md says them in full):

- a *passage* is a distinct span (transcript, start, end), as in ``export/stats.py``; a code's
  passages include those of its sub-codes;
- a passage belongs to whoever speaks where it starts (participant, group, attributes) and to
  its transcript;
- every figure keeps the passages it was counted from, so the passages behind it can be opened.
"""
