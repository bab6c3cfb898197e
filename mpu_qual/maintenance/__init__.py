"""Looking after a project as a whole: ``doctor`` (check and repair), ``restore`` (put a backup
back) and ``purge`` (really delete a name or a transcript, everywhere it was stored).

These sit above the store: they open projects and use its checks, schema and migrations, and
the low-level safety tools below it (``mpu_qual.safety``: the backup API, checks on a raw
connection). Called by the commands in ``cli/maintenance.py``; no UI here.
"""
