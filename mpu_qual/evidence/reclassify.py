"""Re-apply edited rules to ads already imported (sector, window, role, skill terms).

De-duplication is not redone: which postings form one ad was decided at import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from mpu_qual.evidence.classify import Classifier
from mpu_qual.evidence.importer import skills_fingerprint
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
    ads = project.job_ads
    with project.transaction() as conn:
        redo_terms = ads.meta("skills_sha256", conn) != fp
        rep.terms_recounted = redo_terms
        if redo_terms:
            ads.clear_terms(conn)
        last = 0
        while True:
            rows = ads.classified_batch(conn, last, CHUNK, descriptions=redo_terms)
            if not rows:
                break
            updates: list[tuple[str | None, str | None, str, int | None, int]] = []
            terms: list[tuple[str, int]] = []
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
                ads.set_classes(conn, updates)
            if terms:
                ads.add_terms(conn, terms)
            rep.ads += len(rows)
            last = rows[-1][0]
            if progress:
                progress(rep.ads)
        ads.set_meta(conn, "rules_sha256", rules.sha256)
        ads.set_meta(conn, "skills_sha256", fp)
    return rep
