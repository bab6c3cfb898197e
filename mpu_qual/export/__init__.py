"""Exports of a coding project: coded quotes, theme summaries and their charts.

Nothing here imports the UI; every writer goes through ``mpu_qual.fileio`` so an export is
either complete or absent, never half-written.
"""
