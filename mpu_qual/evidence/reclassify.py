"""Re-apply edited rules to ads already imported (sector, window, role, skill terms).

De-duplication is not redone: which postings form one ad was decided at import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from mpu_qual.evidence.classify import Classifier
from mpu_qual.evidence.importer import skills_fingerprint
from mpu_qual.evidence.meta import get_meta, set_meta
from mpu_qual.evidence.rules import Rules
from mpu_qual.store import Project

CHUNK = 5_000


@dataclass
class ReclassifyReport:
    ads: int = 0
    changed: int = 0
    sector_changed: int = 0
    window_changed: int = 0
    role_changed: int = 0
    terms_recounted: bool = False


def reclassify(
    project: Project, rules: Rules, *, progress: Callable[[int], None] | None = None
) -> ReclassifyReport:
    """Classify every ad again with ``rules``, in one transaction (a bulk change, backed up
    first, not an undoable action)."""
    clf = Classifier(rules)
    rep = ReclassifyReport()
    fp = skills_fingerprint(rules)
    project.check_writable()
    project.prepare_bulk("jobs-reclassify")
    with project.transaction() as conn:
        redo_terms = get_meta(conn, "skills_sha256") != fp
        rep.terms_recounted = redo_terms
        if redo_terms:
            conn.execute("DELETE FROM job_ad_terms")
        last = 0
        while True:
            rows = conn.execute(
                "SELECT id, title, industry, posted_on, sector, window, role, role_rule, "
                "CASE WHEN ? THEN description ELSE '' END "
                "FROM job_ads WHERE id > ? ORDER BY id LIMIT ?",
                [int(redo_terms), last, CHUNK],
            ).fetchall()
            if not rows:
                break
            updates = []
            terms = []
            for ad_id, title, industry, posted_on, sector, window, role, rule, desc in rows:
                sm = clf.sector_for(industry)
                rm = clf.role_for(title)
                new = (
                    sm.sector if sm else None,
                    rules.window_for(dt.date.fromisoformat(posted_on)),
                    rm.role,
                    rm.rule,
                )
                if new != (sector, window, role, rule):
                    rep.changed += 1
                    rep.sector_changed += new[0] != sector
                    rep.window_changed += new[1] != window
                    rep.role_changed += new[2] != role
                    updates.append((*new, ad_id))
                if redo_terms:
                    terms += [(t, ad_id) for t in clf.terms_in(desc)]
            if updates:
                conn.executemany(
                    "UPDATE job_ads SET sector = ?, window = ?, role = ?, role_rule = ? "
                    "WHERE id = ?",
                    updates,
                )
            if terms:
                conn.executemany("INSERT INTO job_ad_terms (term, job_ad_id) VALUES (?, ?)", terms)
            rep.ads += len(rows)
            last = rows[-1][0]
            if progress:
                progress(rep.ads)
        set_meta(conn, "rules_sha256", rules.sha256)
        set_meta(conn, "skills_sha256", fp)
    return rep
