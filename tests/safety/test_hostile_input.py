"""Hostile and broken input, property-based: every input imports correctly or ends in
mpu-qual's own error with a location; never a traceback, never a partial write.

Inputs include lone surrogates, NUL bytes, huge fields, CRLF and CR line ends, byte-order
marks, Big5 and UTF-16 mixed with UTF-8, and FTS5 query syntax. Each example runs against a
real project file; "no partial write" is checked by a digest of every table before and after.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import itertools
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from safety_helpers import scaled

from mpu_qual.codebook import load_codebook, parse_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.transcript_files.encoding import LABELS, decode_text
from mpu_qual.transcript_files.parsers import parse_sbv, parse_srt, parse_txt, parse_vtt


def cfg(n: int) -> settings:
    """``n`` examples (more under --hypothesis-profile=long), no per-example deadline (real
    fsyncs), and module-scoped projects allowed (each example checks its own effects)."""
    return settings(
        max_examples=scaled(n),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


SMALL_CODEBOOK = """\
version: 1
stakeholder_groups:
  - {id: industry_leader, en: Industry leader, zh: 業界領袖, match: '^IL\\d*$'}
codes:
  - id: a
    en: Alpha
    zh: 甲
    codes:
      - {id: a.one, en: One, zh: 一}
      - {id: a.two, en: Two, zh: 二}
  - {id: b, en: Beta, zh: 乙}
"""
BASE_TRANSCRIPT = (
    "[00:00:01] IL1: Hello, 我哋需要 PLC technicians.\n"
    "[00:00:09] TP2: Ａｌｐｈａ full-width, emoji 🙂 and 技術員 again.\n"
    "[00:00:15] IL1: Straße STRASSE ΣΊΣΥΦΟΣ σίσυφος – done.\n"
)
TABLES = ("participants", "sources", "segments", "codes", "codings", "memos", "actions", "changes")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - Project
    base = tmp_path_factory.mktemp("hostile")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(base / "home"))
    cb = base / "cb.yaml"
    cb.write_text(SMALL_CODEBOOK, encoding="utf-8")
    folder = base / "proj"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / "base.txt").write_text(BASE_TRANSCRIPT, encoding="utf-8")
    p = Project.init(folder, cb)
    yield p
    p.close()
    mp.undo()


def digest(p: Project) -> str:
    """Every row of every table (and the search index), hashed: equal means unchanged."""
    h = hashlib.sha256()
    for table in TABLES:
        for row in p.conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            h.update(repr(row).encode("utf-8", "surrogatepass"))
    for row in p.conn.execute("SELECT rowid, text FROM segments_fts ORDER BY rowid"):
        h.update(repr(row).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def assert_located(exc: MpuQualError, path: Path | None = None) -> None:
    """mpu-qual's own error, saying where: the file (and line, when there is one)."""
    assert type(exc).__module__ == "mpu_qual.errors"
    assert exc.location, f"error without a location: {exc}"
    if path is not None:
        assert exc.path == str(path), exc


# ----------------------------------------------------------------------------- strategies
nasty_chars = st.sampled_from(
    [
        "\x00",
        "\r",
        "\n",
        "\r\n",
        "\ud800",
        "\udfff",
        "\ufeff",
        "\u2028",
        "\t",
        ":",
        "：",
        "[",
        "]",
        "-->",
        "<v IL1>",
        "WEBVTT",
        "00:00:01.000",
        "99:99:99",
        "&amp;",
        '"',
        "技術員",
        "🙂",
        "\u0301",
        "IL1: ",
        "\x1b[31m",
    ]
)
text_pieces = st.one_of(st.text(max_size=40), nasty_chars)
hostile_text = st.lists(text_pieces, max_size=30).map("".join)
huge_field = st.integers(min_value=10_000, max_value=200_000).map(lambda n: "x" * n)


def transcript_lines(draw_fmt: str) -> st.SearchStrategy[str]:
    speaker = st.sampled_from(["IL1", "TP2", "主持人", "Moderator", "", "a" * 60, "IL1:IL2"])
    stamp = st.one_of(
        st.integers(0, 10_000).map(lambda s: f"[{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}]"),
        st.sampled_from(["", "[99:99]", "[1:2:3:4]", "[--]"]),
    )
    line = st.tuples(stamp, speaker, hostile_text).map(lambda t: f"{t[0]} {t[1]}: {t[2]}")
    return st.lists(st.one_of(line, hostile_text), min_size=0, max_size=12).map(
        lambda ls: "\n".join(ls)
    )


def cue(i: int, a: int, b: int, body: str) -> str:
    def ts(ms: int) -> str:
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    return f"{i}\n{ts(a)} --> {ts(b)}\n{body}\n"


vtt_text = st.tuples(
    st.sampled_from(["WEBVTT\n\n", "WEBVTT - title\n\n", "", "\ufeffWEBVTT\n\n", "WEBVT\n\n"]),
    st.lists(st.tuples(st.integers(0, 10**7), st.integers(-5000, 60000), hostile_text), max_size=8),
).map(lambda t: t[0] + "\n".join(cue(i, a, a + d, body) for i, (a, d, body) in enumerate(t[1])))

srt_text = st.lists(
    st.tuples(st.integers(0, 10**7), st.integers(-5000, 60000), hostile_text), max_size=8
).map(
    lambda cues: "\n".join(
        cue(i + 1, a, a + d, body).replace(".", ",", 1) for i, (a, d, body) in enumerate(cues)
    )
)


def encode_mixed(text: str, enc: str) -> bytes:
    if enc == "mixed":  # UTF-8 with a Big5 line in the middle
        half = len(text) // 2
        return (
            text[:half].encode("utf-8", "surrogatepass")
            + "技術員工程師".encode("big5hkscs")
            + text[half:].encode("utf-8", "surrogatepass")
        )
    if enc == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    if enc == "big5hkscs":
        return text.encode("big5hkscs", "replace")
    if enc in ("utf-16-le", "utf-16-be", "utf-16"):
        return text.encode(enc, "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


encodings = st.sampled_from(
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "big5hkscs", "mixed"]
)
_names = itertools.count()


# ----------------------------------------------------------------------------- decoding
@cfg(150)
@given(
    raw=st.one_of(
        st.binary(max_size=300), st.tuples(hostile_text, encodings).map(lambda t: encode_mixed(*t))
    )
)
@example(raw=b"\xff\xfe" + "a\ud800b".encode("utf-16-le", "surrogatepass"))
@example(raw=b"line one\r\nline two\rthree\x00")
def test_decoding_any_bytes_gives_clean_text_or_a_located_error(raw: bytes) -> None:
    path = Path("in.txt")
    try:
        text, enc = decode_text(raw, path)
    except MpuQualError as exc:
        assert_located(exc, path)
        return
    assert "\r" not in text and "\x00" not in text and text.strip()
    assert enc in LABELS  # one of the encodings mpu-qual names (UTF-*, Chinese, code pages)


def sbv_cue(a: int, b: int, body: str) -> str:
    def ts(ms: int) -> str:
        return f"{ms // 3600000}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    return f"{ts(a)},{ts(b)}\n{body}\n"


sbv_text = st.lists(
    st.tuples(st.integers(0, 10**7), st.integers(-5000, 60000), hostile_text), max_size=8
).map(lambda cues: "\n".join(sbv_cue(a, max(a + d, 0), body) for a, d, body in cues))


# ----------------------------------------------------------------------------- parsers
@cfg(120)
@given(fmt=st.sampled_from(["txt", "vtt", "srt", "sbv"]), data=st.data())
def test_parsers_return_consistent_segments_or_a_located_error(fmt: str, data) -> None:  # noqa: ANN001
    strategies = {"txt": transcript_lines("txt"), "vtt": vtt_text, "srt": srt_text, "sbv": sbv_text}
    text = data.draw(strategies[fmt])
    path = Path(f"t.{fmt}")
    parser = {"txt": parse_txt, "vtt": parse_vtt, "srt": parse_srt, "sbv": parse_sbv}[fmt]
    try:
        parsed = parser(text, path)
    except MpuQualError as exc:
        assert_located(exc, path)
        return
    full = parsed.full_text()
    assert parsed.segments
    for seg, (s, e) in zip(parsed.segments, parsed.spans(), strict=True):
        assert full[s:e] == seg.text  # the offsets the store will use are true
        assert seg.start_ms is None or seg.end_ms is None or seg.start_ms <= seg.end_ms


@cfg(10)
@given(field=huge_field, fmt=st.sampled_from(["txt", "vtt", "srt"]))
def test_huge_fields_parse_without_trouble(field: str, fmt: str) -> None:
    text = {
        "txt": f"[00:00:01] IL1: {field}\n",
        "vtt": "WEBVTT\n\n" + cue(1, 0, 1000, field),
        "srt": cue(1, 0, 1000, field).replace(".", ",", 1),
    }[fmt]
    parsed = {"txt": parse_txt, "vtt": parse_vtt, "srt": parse_srt}[fmt](text, Path("h"))
    assert parsed.full_text().endswith(field)


# ----------------------------------------------------------------------------- import
def check_stored(p: Project, name: str) -> None:
    src = p.sources.get(name)
    assert src.length == len(src.text)
    segs = p.sources.segments(src)
    assert segs
    for g in segs:
        assert 0 <= g.start <= g.end <= src.length
        fts = p.conn.execute("SELECT text FROM segments_fts WHERE rowid = ?", [g.id]).fetchone()
        assert fts == (src.text[g.start : g.end],)


@cfg(60)
@given(
    fmt=st.sampled_from(["txt", "vtt", "srt"]),
    enc=encodings,
    data=st.data(),
)
def test_importing_any_file_stores_it_whole_or_changes_nothing(
    project: Project,
    tmp_path: Path,
    fmt: str,
    enc: str,
    data,  # noqa: ANN001
) -> None:
    text = data.draw({"txt": transcript_lines("txt"), "vtt": vtt_text, "srt": srt_text}[fmt])
    text = data.draw(st.sampled_from([text, text.replace("\n", "\r\n"), text.replace("\n", "\r")]))
    path = tmp_path / f"f{next(_names)}.{fmt}"
    path.write_bytes(encode_mixed(text, enc))
    before = digest(project)
    try:
        src = project.sources.import_file(path, name=path.stem)
    except MpuQualError as exc:
        assert_located(exc, path)
        assert digest(project) == before, "a refused import changed the project"
        return
    check_stored(project, src.name)


@cfg(8)
@given(paragraphs=st.lists(hostile_text, max_size=6), garbage=st.booleans())
def test_importing_any_docx_stores_it_whole_or_changes_nothing(
    project: Project, tmp_path: Path, paragraphs: list[str], garbage: bool
) -> None:
    import docx

    path = tmp_path / f"d{next(_names)}.docx"
    if garbage:
        path.write_bytes(b"PK\x03\x04" + "".join(paragraphs).encode("utf-8", "surrogatepass"))
    else:
        doc = docx.Document()
        for para in paragraphs:
            # python-docx refuses XML-invalid characters itself; keep what Word could hold
            clean = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", para)
            doc.add_paragraph(clean)
        buf = io.BytesIO()
        doc.save(buf)
        path.write_bytes(buf.getvalue())
    before = digest(project)
    try:
        src = project.sources.import_file(path, name=path.stem)
    except MpuQualError as exc:
        assert_located(exc, path)
        assert digest(project) == before
        return
    check_stored(project, src.name)


# ----------------------------------------------------------------------------- codebook
code_id = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
label = st.one_of(st.text(max_size=12), nasty_chars, st.just(""), st.integers(), st.none())


@st.composite
def codebook_docs(draw) -> object:  # noqa: ANN001
    def code(depth: int) -> dict:
        entry = {
            "id": draw(st.one_of(code_id, st.sampled_from(["A", "a b", "", "a..b", "x"]))),
            "en": draw(label),
            "zh": draw(label),
        }
        if draw(st.booleans()):
            entry["color"] = draw(st.sampled_from(["#1f77b4", "red", "#12345", 7]))
        if draw(st.booleans()):
            entry["was"] = draw(st.one_of(code_id, st.lists(code_id, max_size=2), st.integers()))
        if draw(st.booleans()):
            entry["parent"] = draw(code_id)
        if depth < 2 and draw(st.booleans()):
            entry["codes"] = [code(depth + 1) for _ in range(draw(st.integers(0, 3)))]
        return entry

    doc: dict = {"version": draw(st.sampled_from([1, 1, 1, 2, "1"]))}
    if draw(st.booleans()):
        doc["stakeholder_groups"] = draw(
            st.lists(st.fixed_dictionaries({"id": code_id, "en": label}), max_size=2)
        )
    doc["codes"] = [code(0) for _ in range(draw(st.integers(0, 4)))]
    return doc


@cfg(150)
@given(
    text=st.one_of(
        hostile_text, codebook_docs().map(lambda d: yaml.safe_dump(d, allow_unicode=True))
    )
)
@example(text="codes: !!python/object/apply:os.system ['echo pwned']\n")
@example(text="a: &a [x, x]\nb: &b [*a, *a]\ncodes: [*b, *b]\n")
@example(text="version: 1\ncodes:\n  - {id: a, en: A, zh: 甲, was: a}\n")
def test_codebook_text_parses_or_fails_with_a_location(text: str) -> None:
    path = Path("codebook.yaml")
    try:
        cb = parse_codebook(text, path)
    except MpuQualError as exc:
        assert_located(exc, path)
        return
    ids = [c.id for c in cb.codes]
    assert len(ids) == len(set(ids)) and ids
    by_id = {c.id: c for c in cb.codes}
    for c in cb.codes:  # pre-order: a parent always comes before its children
        assert c.parent is None or ids.index(c.parent) < ids.index(c.id)
        assert c.depth == (0 if c.parent is None else by_id[c.parent].depth + 1)


@cfg(40)
@given(doc=codebook_docs(), raw_bytes=st.one_of(st.none(), st.binary(max_size=200)))
def test_loading_a_codebook_into_a_project_is_all_or_nothing(
    project: Project, tmp_path: Path, doc: object, raw_bytes: bytes | None
) -> None:
    path = tmp_path / f"cb{next(_names)}.yaml"
    if raw_bytes is not None:
        path.write_bytes(raw_bytes)
    else:
        path.write_text(
            yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8", errors="surrogatepass"
        )
    before = digest(project)
    cb_before = project.codebook_path.read_bytes()
    try:
        load_codebook(path)
    except MpuQualError as exc:
        assert_located(exc, path)
        with pytest.raises(MpuQualError):
            project.codebook.sync(path)
        assert digest(project) == before and project.codebook_path.read_bytes() == cb_before
        return
    try:
        project.codebook.sync(path, dry_run=True)
    except MpuQualError as exc:  # e.g. it would drop codes that have codings
        assert exc.path == str(path) or exc.location
    assert digest(project) == before  # a dry run never writes
    assert project.codebook_path.read_bytes() == cb_before


# ----------------------------------------------------------------------------- search
def brute_force(p: Project, query: str) -> set[tuple[int, int]]:
    pattern = re.compile(re.escape(query.strip()), re.IGNORECASE)
    out = set()
    for src in p.sources.list():
        for g in p.sources.segments(src):
            for m in pattern.finditer(src.text, g.start, g.end):
                out.add((src.id, m.start()))
    return out


@cfg(150)
@given(
    query=st.one_of(
        hostile_text,
        st.sampled_from(
            [
                '"',
                '""',
                "a*",
                "NEAR(a b)",
                "text:PLC",
                "^PLC",
                "PLC OR",
                "AND",
                "-PLC",
                "(",
                ")",
                "{text}: x",
                "'; DROP TABLE codings; --",
                "技術員",
                "🙂",
                "\\",
            ]
        ),
    )
)
def test_any_search_string_finds_true_matches_or_fails_cleanly(
    project: Project, query: str
) -> None:
    try:
        hits = project.search(query, limit=10_000)
    except MpuQualError as exc:
        assert exc.field == "query"
        return
    q = query.strip()
    texts = {s.id: s.text for s in project.sources.list()}
    for h in hits:
        assert re.fullmatch(re.escape(q), texts[h.source_id][h.start : h.end], re.IGNORECASE)


@cfg(80)
@given(data=st.data())
def test_search_finds_every_occurrence_of_text_from_the_transcripts(project: Project, data) -> None:  # noqa: ANN001
    src = data.draw(st.sampled_from(project.sources.list()))
    start = data.draw(st.integers(0, max(0, src.length - 3)))
    size = data.draw(st.integers(3, 12))
    query = src.text[start : start + size]
    assume(query.strip() and "\n" not in query and query == query.strip())
    if data.draw(st.booleans()):  # the user types it in another case (ASCII letters)
        query = "".join(c.swapcase() if c.isascii() else c for c in query)
    found = {(h.source_id, h.start) for h in project.search(query, limit=100_000)}
    assert found == brute_force(project, query)


# ----------------------------------------------------------------------------- API text
@cfg(40)
@given(
    value=st.one_of(hostile_text, st.just("\ud83d"), st.just("name\x00")),
    where=st.sampled_from(["memo", "name", "attr", "label", "coding"]),
)
def test_text_fields_store_exactly_or_refuse_cleanly(
    project: Project, value: str, where: str
) -> None:
    src = project.sources.list()[0]
    target = project.codings.add(src, 0, 3, "a.two").id if where == "coding" else None
    before = digest(project)
    try:
        if where == "memo":
            c = project.codings.add(src, 0, 3, "a.one", memo=value)
            assert project.codings.get(c.id).memo == (value or None)
        elif where == "name":
            assert project.participants.set("IL1", name=value).name == (value or None)
        elif where == "attr":
            got = project.participants.set("IL1", attrs={"note": value}).attributes
            assert got.get("note") == (value or None)
        elif where == "label":
            code = project.codes.update("b", label_en=value)
            assert code.label_en == value.strip()
        else:
            assert project.codings.update(target, memo=value).memo == (value or None)
    except MpuQualError as exc:
        assert exc.message
        assert digest(project) == before, "a refused edit changed the project"
