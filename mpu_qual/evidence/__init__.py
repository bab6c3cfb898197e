"""Job-ad evidence: import, de-duplicate, classify, tabulate, search and link to codes.

No UI code here: the CLI (``mpu_qual.cli.evidence_jobs``, ``cli.evidence_links``) and the TUI call this API;
import what you need from its modules (``evidence.importer.import_job_ads``,
``evidence.links.link_evidence``, ``evidence.rules.load_rules``, ``evidence.tables``, ...).
This file imports nothing, so that a command that needs one of them loads only that one.
Functions that write take the ``Project`` and write through its API (``project.transaction``
for a bulk import, ``project.action`` for a link, which can be undone), so every write gets
the automatic backups and the busy handling; functions that only read take ``project.db``.
"""
