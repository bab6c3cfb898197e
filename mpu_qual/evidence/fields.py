"""The fields of a job ad, how platform columns are named, and how values are checked.

Platforms name their columns differently ("Job Title", "職位", "position"); we recognise the
common names and let ``--map column=field`` name the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.text import fold

# Field names users see (``--map column=FIELD``), in the order we show them.
FIELDS = ("platform", "ad_id", "date", "title", "company", "industry", "description")
REQUIRED = ("date", "title")

_FIELD_ALIASES = {
    "platform": "platform",
    "ad_id": "ad_id",
    "adid": "ad_id",
    "id": "ad_id",
    "date": "date",
    "posting_date": "date",
    "posted_on": "date",
    "title": "title",
    "company": "company",
    "industry": "industry",
    "sector": "industry",
    "description": "description",
}

# Column headings recognised without --map (compared after folding, spaces and _-. dropped).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "platform": (
        "platform",
        "source",
        "site",
        "website",
        "jobboard",
        "portal",
        "平台",
        "招聘平台",
        "來源",
        "網站",
    ),
    "ad_id": (
        "adid",
        "id",
        "jobid",
        "jobadid",
        "postingid",
        "advertid",
        "adref",
        "jobref",
        "reference",
        "refno",
        "referenceno",
        "jobno",
        "廣告編號",
        "職位編號",
        "編號",
        "參考編號",
    ),
    "date": (
        "date",
        "postingdate",
        "posteddate",
        "postdate",
        "dateposted",
        "posted",
        "postedon",
        "publishdate",
        "publisheddate",
        "publishedon",
        "releasedate",
        "刊登日期",
        "發佈日期",
        "發布日期",
        "日期",
        "刊登時間",
    ),
    "title": (
        "title",
        "jobtitle",
        "position",
        "positiontitle",
        "jobname",
        "role",
        "post",
        "職位",
        "職位名稱",
        "職稱",
        "工作職位",
        "職銜",
    ),
    "company": (
        "company",
        "companyname",
        "employer",
        "employername",
        "organisation",
        "organization",
        "公司",
        "公司名稱",
        "僱主",
        "機構",
    ),
    "industry": (
        "industry",
        "sector",
        "category",
        "industrysector",
        "jobcategory",
        "companyindustry",
        "行業",
        "行業類別",
        "行業類型",
        "界別",
        "類別",
    ),
    "description": (
        "description",
        "jobdescription",
        "details",
        "jobdetails",
        "content",
        "requirements",
        "職位描述",
        "工作內容",
        "職責",
        "內容",
        "詳情",
        "工作描述",
    ),
}

MAX_TITLE = 500
MAX_SHORT = 1_000
MAX_DESCRIPTION = 200_000


def _heading_key(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", fold(name))


_BY_HEADING = {_heading_key(s): f for f, names in _SYNONYMS.items() for s in names}


def field_name(name: str) -> str:
    """The canonical field for a name typed after ``--map column=``."""
    key = re.sub(r"[\s\-]+", "_", name.strip().casefold())
    found = _FIELD_ALIASES.get(key)
    if found is None:
        raise MpuQualError(
            f"unknown field '{name}' in --map",
            field="map",
            hint=f"Fields are: {', '.join(FIELDS)}.",
        )
    return found


def parse_mapping(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["Job Ref=ad_id", ...]`` as {column heading: field}."""
    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, fld = pair.rpartition("=")
        if not sep or not column.strip() or not fld.strip():
            raise MpuQualError(
                f"--map needs COLUMN=FIELD, got '{pair}'",
                field="map",
                hint='Example: --map "Job Ref=ad_id" --map 行業=industry',
            )
        out[column.strip()] = field_name(fld)
    return out


def resolve_columns(
    headings: list[str], mapping: dict[str, str]
) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field: {field: column index}, plus problems found.

    ``--map`` wins over recognised names (matched exactly, else ignoring case and spacing);
    of two columns recognised as the same field the first is used.
    """
    problems: list[str] = []
    by_field: dict[str, int] = {}
    taken: set[int] = set()
    keys = [_heading_key(h) if h else "" for h in headings]
    for column, fld in mapping.items():
        idx = next((i for i, h in enumerate(headings) if h == column), None)
        if idx is None:
            idx = next((i for i, k in enumerate(keys) if k and k == _heading_key(column)), None)
        if idx is None:
            problems.append(f"--map names column '{column}', which is not in the file")
            continue
        if fld in by_field:
            problems.append(
                f"columns '{headings[by_field[fld]]}' and '{headings[idx]}' are both mapped to {fld}"
            )
            continue
        by_field[fld] = idx
        taken.add(idx)
    for i, key in enumerate(keys):
        guess = _BY_HEADING.get(key)
        if guess is not None and guess not in by_field and i not in taken:
            by_field[guess] = i
            taken.add(i)
    return by_field, problems


@dataclass
class AdRow:
    """One posting as read from a file, checked and normalised."""

    line: int
    platform: str
    ad_ref: str | None
    posted_on: dt.date
    title: str
    company: str
    industry: str
    description: str


class RowError(Exception):
    """A row we skip: the reason and the field at fault."""

    def __init__(self, reason: str, fld: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = fld


_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T].*)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object, *, excel: bool = False) -> dt.date:
    """ISO (2024-12-05) or dd/mm/yyyy; spreadsheets may also give a date or a serial number."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if excel and isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = str(value).strip() if value is not None else ""
    if not text:
        raise RowError("no posting date", "date")
    m = _ISO.match(text)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = _DMY.match(text)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        raise RowError(f"date '{text}' does not exist", "date") from None
    raise RowError(f"date '{text[:40]}' is neither ISO (2024-12-05) nor dd/mm/yyyy", "date")


def _text(value: object, fld: str, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dict, list)):
        raise RowError(
            f"{fld} must be text, not a {'list' if isinstance(value, list) else 'mapping'}", fld
        )
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if len(text) > limit:
        raise RowError(f"{fld} is longer than {limit:,} characters", fld)
    return text


def make_row(
    line: int, values: dict[str, object], *, platform: str | None, excel: bool = False
) -> AdRow:
    """Check one row's fields; raises RowError with the reason it is skipped."""
    title = _text(values.get("title"), "title", MAX_TITLE)
    if not title:
        raise RowError("no job title", "title")
    posted_on = parse_date(values.get("date"), excel=excel)
    plat = _text(values.get("platform"), "platform", MAX_SHORT) or (platform or "")
    if not plat:
        raise RowError("no platform", "platform")
    ad_ref = _text(values.get("ad_id"), "ad_id", MAX_SHORT) or None
    return AdRow(
        line=line,
        platform=plat,
        ad_ref=ad_ref,
        posted_on=posted_on,
        title=title,
        company=_text(values.get("company"), "company", MAX_SHORT),
        industry=_text(values.get("industry"), "industry", MAX_SHORT),
        description=_text(values.get("description"), "description", MAX_DESCRIPTION),
    )
