"""Job-ad evidence: import, de-duplicate, classify, tabulate, search and link to codes.

No UI code here: the CLI (``mpu_qual.cli.jobs``, ``cli.evidence``) and the TUI call this API.
Functions that write take the ``Project`` and write through its API (``project.transaction``
for a bulk import, ``project.action`` for a link, which can be undone), so every write gets
the automatic backups and the busy handling; functions that only read take ``project.db``.
"""

from mpu_qual.evidence.classify import Classifier, RoleMatch, SectorMatch
from mpu_qual.evidence.dedup import duplicate_groups, duplicate_summary
from mpu_qual.evidence.importer import FileReport, ImportReport, import_file, import_job_ads
from mpu_qual.evidence.links import (
    EvidenceFigure,
    EvidenceLink,
    EvidenceQuery,
    evidence_for_code,
    evidence_for_coding,
    link_evidence,
    list_evidence,
    refresh_evidence,
    run_query,
    unlink_evidence,
)
from mpu_qual.evidence.reclassify import reclassify
from mpu_qual.evidence.rules import (
    Rules,
    default_rules_path,
    load_project_rules,
    load_rules,
    project_rules_path,
)
from mpu_qual.evidence.search import search_ads
from mpu_qual.evidence.tables import JobTables, compute_tables, role_counts, skill_counts

__all__ = [
    "Classifier",
    "EvidenceFigure",
    "EvidenceLink",
    "EvidenceQuery",
    "FileReport",
    "ImportReport",
    "JobTables",
    "RoleMatch",
    "Rules",
    "SectorMatch",
    "compute_tables",
    "default_rules_path",
    "duplicate_groups",
    "duplicate_summary",
    "evidence_for_code",
    "evidence_for_coding",
    "import_file",
    "import_job_ads",
    "link_evidence",
    "list_evidence",
    "load_project_rules",
    "load_rules",
    "project_rules_path",
    "reclassify",
    "refresh_evidence",
    "role_counts",
    "run_query",
    "search_ads",
    "skill_counts",
    "unlink_evidence",
]
