"""A job-ad data set whose report tables are known before it is imported.

The expected tables are read from the report's own tables (data/report_tables.md); the data
set is built to produce exactly those counts, then dressed the way scraped exports look:
reposts on other platforms (title case / spacing / full-width punctuation and description
spacing changed, some imported before the original), ads re-advertised weeks later (distinct
ads), off-sector ads, ads outside the survey windows, Chinese (Traditional and Simplified) and
English titles, and malformed rows. Four files: CSV UTF-8 with BOM, CSV Big5, XLSX, JSONL.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPORT = Path(__file__).resolve().parent / "data" / "report_tables.md"

ROLES = [
    "技術員",
    "工程師",
    "維修及保養工人",
    "生產操作工",
    "採購員",
    "市務／銷售主任",
    "項目工程師／經理",
    "化學專家／實驗室技術員",
    "技術主任",
    "顧問",
    "研究員",
]

# Titles as platforms write them; several are traps where the specific must beat the general.
ROLE_TITLES: dict[str, list[str]] = {
    "技術員": [
        "Technician",
        "Senior Technician",
        "QC Technician",
        "Technician (Electrical)",
        "技術員",
        "高級技術員",
        "电子技术员",
        "Engineering Assistant",
    ],
    "工程師": [
        "Engineer",
        "Mechanical Engineer",
        "Process Engineer",
        "Maintenance Engineer",
        "工程師",
        "機械工程師",
        "化學工程師",
        "电气工程师",
    ],
    "維修及保養工人": [
        "Maintenance Technician",
        "Maintenance Worker",
        "Mechanic",
        "Fitter",
        "維修技工",
        "維修員",
        "機械維修技術員",
    ],
    "生產操作工": [
        "Production Operator",
        "Machine Operator",
        "Assembler",
        "生產操作員",
        "操作工",
        "普工",
    ],
    "採購員": ["Purchaser", "Buyer", "Procurement Officer", "採購員", "高級採購主任"],
    "市務／銷售主任": [
        "Sales Executive",
        "Technical Sales Executive",
        "Marketing Officer",
        "Sales Engineer",
        "銷售主任",
        "市務主任",
        "銷售工程師",
    ],
    "項目工程師／經理": [
        "Project Engineer",
        "Project Manager",
        "Assistant Project Manager",
        "項目工程師",
        "項目經理",
        "项目经理",
    ],
    "化學專家／實驗室技術員": [
        "Lab Technician",
        "Laboratory Technician",
        "Chemist",
        "QC Chemist",
        "實驗室技術員",
        "化驗員",
        "Laboratory Assistant",
    ],
    "技術主任": [
        "Technical Officer",
        "Technical Supervisor",
        "技術主任",
        "Senior Technical Officer",
    ],
    "顧問": ["Consultant", "Solutions Consultant", "Technical Advisor", "顧問", "技術顧問"],
    "研究員": ["Researcher", "Research Scientist", "Research Engineer", "研究員", "研究助理"],
}
OTHER_TITLES = [
    "Admin Clerk",
    "Merchandiser",
    "Accountant",
    "Warehouse Assistant",
    "Driver",
    "會計文員",
    "倉務員",
    "Customer Service Officer",
    "HR Manager",
    "Shipping Clerk",
]

SECTOR_INDUSTRIES: dict[str, list[str]] = {
    "製造": [
        "Manufacturing",
        "manufacturing",
        "製造業",
        "Electronics Manufacturing",
        "Manufacture of electronic components",
        "制造业",
        "生產 / 製造",
        "Pharmaceutical Manufacturing",
    ],
    "貿易": [
        "Trading",
        "Import / Export",
        "Import/Export",
        "進出口貿易",
        "貿易",
        "Trading & Distribution",
        "電子零件進出口",
    ],
    "工程服務": [
        "Engineering Services",
        "Engineering",
        "Testing & Certification",
        "測試及認證",
        "工程顧問",
        "Testing, Inspection & Certification",
    ],
    "製造服務": [
        "Manufacturing Services",
        "Smart Manufacturing",
        "Industry 4.0 Solutions",
        "先進物料",
        "智能製造",
        "Smart Manufacturing Solutions",
        "工業 4.0",
    ],
}
OFF_SECTOR = [
    "Banking",
    "Retail",
    "餐飲",
    "Property Management",
    "Education",
    "銀行",
    "Securities Trading",
    "Logistics",
]

# Skill terms (as the default rules name them) and ways descriptions write them.
SKILLS: dict[str, list[str]] = {
    "PLC": ["PLC programming", "PLC", "可編程邏輯控制器"],
    "ISO 9001": ["ISO 9001", "ISO-9001", "ISO9001"],
    "ISO 13485": ["ISO 13485"],
    "IATF 16949": ["IATF 16949"],
    "SPC": ["SPC", "statistical process control"],
    "Robotics": ["robotics", "robot arms", "機械人"],
    "Machine learning": ["machine learning", "機器學習"],
    "Computer vision": ["computer vision", "機器視覺"],
    "Data analytics": ["data analytics", "數據分析"],
    "Additive manufacturing": ["additive manufacturing", "3D printing"],
    "Python": ["Python"],
    "CNC": ["CNC machining", "CNC"],
    "SMT": ["SMT"],
}
PLATFORMS = ["JobsDB", "CTgoodjobs", "CPJobs", "Recruit", "Labour Department"]
COMPANIES = [
    "Precision Parts Ltd",
    "華南電子有限公司",
    "Pearl Delta Trading Co",
    "Apex Labs HK",
    "精密模具有限公司",
    "SmartFab Solutions",
    "Kowloon Testing Centre",
    "恒達貿易公司",
    "Harbour Materials Ltd",
    "新界機械工程",
]
INTRO = [
    "Responsible for daily operations of the {dept} team.",
    "負責{dept_zh}部門日常運作，具相關經驗優先。",
    "Join our {dept} team in Hong Kong.",
]
DEPTS = [
    ("production", "生產"),
    ("quality", "品質"),
    ("engineering", "工程"),
    ("laboratory", "化驗"),
    ("sales", "銷售"),
    ("sourcing", "採購"),
]

WINDOWS = {
    "2023-2024": (dt.date(2023, 12, 1), dt.date(2024, 11, 30)),
    "2024-2025": (dt.date(2024, 12, 1), dt.date(2025, 11, 30)),
}


@dataclass
class CellSpec:
    """One sector-window table row as the report prints it."""

    sector: str
    window: str
    ads: int
    top: list[tuple[str, int, float]]  # role, count, printed share


def _num(text: str) -> int:
    return int(text.replace(",", ""))


def parse_report(path: Path = REPORT) -> list[CellSpec]:
    """The eight sector-window rows of the report's tables."""
    cells: list[CellSpec] = []
    sector = None
    row_re = re.compile(r"^\|\s*(\d{4})\s*-\s*(\d{4})\s*\|\s*([\d,]+)\s*\|(.*)\|\s*$")
    top_re = re.compile(r"([^|()]+?)\s*\((\d[\d,]*),\s*([\d.]+)%\)")
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\d\.\s+(\S+)", line)
        if m:
            sector = m.group(1)
            continue
        m = row_re.match(line)
        if m and sector:
            tops = [
                (re.sub(r"／\s+", "／", r.strip()), _num(c), float(s))
                for r, c, s in top_re.findall(m.group(4))
            ]
            cells.append(CellSpec(sector, f"{m[1]}-{m[2]}", _num(m[3]), tops))
    return cells


@dataclass
class Ad:
    uid: int
    sector: str | None
    window: str | None
    role: str
    title: str
    company: str
    industry: str
    description: str
    posted_on: dt.date
    platform: str
    terms: set[str] = field(default_factory=set)


@dataclass
class Dataset:
    cells: list[CellSpec]
    files: dict[str, Path]  # kind -> path
    rows_per_file: Counter[str]
    bad_per_file: Counter[str]
    ads: list[Ad]  # distinct ads (kept postings)
    reposts: int
    boundary_reposts: int
    readvertised: int
    off_sector: int
    out_of_window: int

    @property
    def in_scope(self) -> list[Ad]:
        return [a for a in self.ads if a.sector and a.window]

    def expected_skills(self, sector: str | None = None, window: str | None = None) -> Counter[str]:
        c: Counter[str] = Counter()
        for a in self.in_scope:
            if (sector is None or a.sector == sector) and (window is None or a.window == window):
                c.update(a.terms)
        return c


def _role_plan(cell: CellSpec, rng: random.Random) -> Counter[str]:
    """Counts per role (and 'other') that give exactly the report's top three."""
    plan: Counter[str] = Counter({r: c for r, c, _ in cell.top})
    rest = cell.ads - sum(plan.values())
    third = cell.top[-1][1]
    others = [r for r in ROLES if r not in plan]
    capacity = len(others) * (third - 1)
    # 'other' gets more ads than the top role where possible: it must never be ranked.
    n_other = max(rest - capacity, min(rest, cell.top[0][1] + 1))
    plan["other"] = n_other
    left = rest - n_other
    while left:
        for r in rng.sample(others, len(others)):
            if left and plan[r] < third - 1:
                plan[r] += 1
                left -= 1
    return plan


def _description(rng: random.Random, uid: int) -> tuple[str, set[str]]:
    dept, dept_zh = rng.choice(DEPTS)
    parts = [rng.choice(INTRO).format(dept=dept, dept_zh=dept_zh)]
    terms = {t for t in SKILLS if rng.random() < 0.14}
    for t in sorted(terms):
        parts.append(f"Experience with {rng.choice(SKILLS[t])} is required.")
    parts.append(f"Position code HK-{uid:06d}.")
    return "\n".join(parts), terms


def _respace(rng: random.Random, text: str) -> str:
    """Same text, different white space (as another platform re-types it)."""
    out = []
    for word in text.split(" "):
        out.append(word)
        out.append(rng.choice([" ", "  ", "\n", " \t"]))
    return ("  " if rng.random() < 0.5 else "") + "".join(out[:-1]).replace("\n", "\r\n", 1)


_FULL = str.maketrans({"(": "（", ")": "）", "/": "／", ",": "，", ":": "："})


def _retitle(rng: random.Random, title: str) -> str:
    """Same title in other case, spacing and full-width / half-width punctuation."""
    t = rng.choice([title.upper(), title.lower(), title, title.title()])
    if rng.random() < 0.6:
        t = t.translate(_FULL)
    return rng.choice(["  ", " ", ""]) + t + rng.choice(["  ", " ", ""])


def _date_in(rng: random.Random, window: str, lo: int = 0, hi: int | None = None) -> dt.date:
    start, end = WINDOWS[window]
    span = (end - start).days
    return start + dt.timedelta(days=rng.randint(lo, span if hi is None else hi))


@dataclass
class _Row:
    platform: str
    ad_ref: str
    posted_on: dt.date
    title: str
    company: str
    industry: str
    description: str
    bad: str | None = None  # kind of malformation, for bad rows


def generate(folder: Path, seed: int = 20251208) -> Dataset:
    """Write the four files into ``folder`` and return what importing them must give."""
    rng = random.Random(seed)
    cells = parse_report()
    ads: list[Ad] = []
    uid = 0
    readvertised = 0
    used_twins: set[int] = set()
    for cell in cells:
        plan = _role_plan(cell, rng)
        roles = [r for r, n in plan.items() for _ in range(n)]
        rng.shuffle(roles)
        cell_ads: list[Ad] = []
        for role in roles:
            uid += 1
            pool = OTHER_TITLES if role == "other" else ROLE_TITLES[role]
            title = rng.choice(pool)
            desc, terms = _description(rng, uid)
            company = rng.choice(COMPANIES)
            posted = _date_in(rng, cell.window)
            twin = next(
                (a for a in cell_ads[-40:] if a.role == role and a.uid not in used_twins), None
            )
            if twin is not None and rng.random() < 0.03:
                # Re-advertised a month or more later: the same text, but a new ad (its
                # reposts and the twin's stay more than 14 days apart).
                later = twin.posted_on + dt.timedelta(days=rng.randint(30, 60))
                if later <= WINDOWS[cell.window][1]:
                    title, company = twin.title, twin.company
                    desc, terms = twin.description, twin.terms
                    posted = later
                    readvertised += 1
                    used_twins.add(twin.uid)
            ad = Ad(
                uid,
                cell.sector,
                cell.window,
                "其他" if role == "other" else role,
                title,
                company,
                rng.choice(SECTOR_INDUSTRIES[cell.sector]),
                desc,
                posted,
                rng.choice(PLATFORMS),
                terms,
            )
            cell_ads.append(ad)
        ads += cell_ads
    # Ads that must not be counted: other industries, and postings outside every window.
    off = []
    for _ in range(300):
        uid += 1
        desc, terms = _description(rng, uid)
        window = rng.choice(list(WINDOWS))
        off.append(
            Ad(
                uid,
                None,
                window,
                "x",
                rng.choice(ROLE_TITLES["技術員"]),
                rng.choice(COMPANIES),
                rng.choice(OFF_SECTOR),
                desc,
                _date_in(rng, window),
                rng.choice(PLATFORMS),
                terms,
            )
        )
    outside = []
    for _ in range(200):
        uid += 1
        desc, terms = _description(rng, uid)
        sector = rng.choice(list(SECTOR_INDUSTRIES))
        day = rng.choice([dt.date(2023, 6, 1), dt.date(2025, 12, 2)]) + dt.timedelta(
            days=rng.randint(0, 150)
        )
        outside.append(
            Ad(
                uid,
                sector,
                None,
                "x",
                rng.choice(ROLE_TITLES["工程師"]),
                rng.choice(COMPANIES),
                rng.choice(SECTOR_INDUSTRIES[sector]),
                desc,
                day,
                rng.choice(PLATFORMS),
                terms,
            )
        )
    all_ads = ads + off + outside

    refs: Counter[str] = Counter()

    def ref(platform: str) -> str:
        refs[platform] += 1
        return f"{platform[:3].upper()}{refs[platform]:07d}"

    rows: list[_Row] = []
    reposts = boundary = 0
    for a in all_ads:
        rows.append(
            _Row(
                a.platform,
                ref(a.platform),
                a.posted_on,
                a.title,
                a.company,
                a.industry,
                a.description,
            )
        )
        n_rep = 0
        at_edge = bool(
            a.window and a.sector and a.posted_on >= WINDOWS[a.window][1] - dt.timedelta(days=2)
        )
        if at_edge:
            n_rep = 1  # reposted across the window boundary: must count in the first window
            boundary += 1
        elif rng.random() < 0.15:
            n_rep = rng.choice([1, 1, 2])
        others = [p for p in PLATFORMS if p != a.platform]
        for p in rng.sample(others, n_rep):
            day = a.posted_on + dt.timedelta(days=4 if at_edge else rng.randint(1, 10))
            industry = rng.choice(SECTOR_INDUSTRIES[a.sector]) if a.sector else a.industry
            rows.append(
                _Row(
                    p,
                    ref(p),
                    day,
                    _retitle(rng, a.title),
                    a.company,
                    industry,
                    _respace(rng, a.description),
                )
            )
            reposts += 1
    rng.shuffle(rows)

    # Malformed rows, each kind once per file where it applies.
    bad = {
        "csv": [("date", "2024-13-45"), ("date", "12/31/2024"), ("title", ""), ("cells", "")],
        "big5": [("date", "昨天")],
        "xlsx": [("date", "not a date"), ("title", "")],
        "jsonl": [("json", ""), ("array", ""), ("title_list", "")],
    }
    kinds = ["csv", "big5", "xlsx", "jsonl"]
    buckets: dict[str, list[_Row]] = {k: [] for k in kinds}
    for r in rows:
        k = rng.choice(kinds)
        if k == "big5" and not _big5_ok(r):
            k = "csv"
        buckets[k].append(r)
    for k, items in bad.items():
        for what, value in items:
            pos = rng.randint(1, len(buckets[k]) - 1)
            template = buckets[k][pos]
            buckets[k].insert(
                pos,
                _Row(
                    template.platform,
                    "BAD" + str(pos),
                    template.posted_on,
                    template.title,
                    template.company,
                    template.industry,
                    template.description,
                    bad=f"{what}:{value}",
                ),
            )
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "csv": _write_csv(folder / "jobsdb_export.csv", buckets["csv"]),
        "big5": _write_big5(folder / "ctgoodjobs_big5.csv", buckets["big5"]),
        "xlsx": _write_xlsx(folder / "recruit_export.xlsx", buckets["xlsx"]),
        "jsonl": _write_jsonl(folder / "scrape.jsonl", buckets["jsonl"]),
    }
    return Dataset(
        cells=cells,
        files=files,
        rows_per_file=Counter({k: len(v) for k, v in buckets.items()}),
        bad_per_file=Counter({k: len(v) for k, v in bad.items()}),
        ads=all_ads,
        reposts=reposts,
        boundary_reposts=boundary,
        readvertised=readvertised,
        off_sector=len(off),
        out_of_window=len(outside),
    )


def _big5_ok(r: _Row) -> bool:
    try:
        for v in (r.platform, r.title, r.company, r.industry, r.description):
            v.encode("big5")
    except UnicodeEncodeError:
        return False
    return True


XLSX_MAP = ["Board=platform", "Ref=ad_id", "Published=date", "Business Type=industry"]


def _write_csv(path: Path, rows: list[_Row]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "Platform",
                "Job ID",
                "Posting Date",
                "Job Title",
                "Company",
                "Industry",
                "Job Description",
            ]
        )
        for r in rows:
            date = r.posted_on.strftime("%d/%m/%Y")
            title = r.title
            extra: list[str] = []
            if r.bad:
                what, value = r.bad.split(":", 1)
                if what == "date":
                    date = value
                elif what == "title":
                    title = value
                else:
                    extra = ["unexpected"]
            w.writerow(
                [r.platform, r.ad_ref, date, title, r.company, r.industry, r.description, *extra]
            )
    return path


def _write_big5(path: Path, rows: list[_Row]) -> Path:
    with path.open("w", encoding="big5", newline="") as f:
        w = csv.writer(f)
        w.writerow(["平台", "職位編號", "刊登日期", "職位", "公司", "行業", "職位描述"])
        for r in rows:
            date = r.bad.split(":", 1)[1] if r.bad else r.posted_on.isoformat()
            w.writerow([r.platform, r.ad_ref, date, r.title, r.company, r.industry, r.description])
    return path


def _write_xlsx(path: Path, rows: list[_Row]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Board", "Ref", "Published", "Position", "Employer", "Business Type", "Details"])
    for r in rows:
        date: object = dt.datetime(r.posted_on.year, r.posted_on.month, r.posted_on.day)
        title = r.title
        if r.bad:
            what, value = r.bad.split(":", 1)
            if what == "date":
                date = value
            else:
                title = value
        ws.append([r.platform, r.ad_ref, date, title, r.company, r.industry, r.description])
    wb.save(path)
    return path


def _write_jsonl(path: Path, rows: list[_Row]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            obj = {
                "platform": r.platform,
                "ad_id": r.ad_ref,
                "date": r.posted_on.isoformat(),
                "title": r.title,
                "company": r.company,
                "industry": r.industry,
                "description": r.description,
            }
            if r.bad == "json:":
                f.write('{"platform": "JobsDB", "title": \n')
                continue
            if r.bad == "array:":
                f.write(json.dumps([r.title, r.company]) + "\n")
                continue
            if r.bad == "title_list:":
                obj["title"] = [r.title]
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path
