"""Names written any way Unicode allows, and speaker labels that are names, never leak
(issue 19.8): full-width letters, decomposed accents, curly apostrophes, U+02BC, dashes,
soft hyphens; Zoom-style speaker labels ("Peter Chan") in quotes and the participant column,
in every export format. The stored text and its offsets never change."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sample_projects import all_text

from mpu_qual.export.quotes import export_quotes
from mpu_qual.export.summary import build_summary
from mpu_qual.export.summary_render import write_summary
from mpu_qual.pseudonymise import Pseudonymiser, fold, label_is_name, project_pseudonymiser
from mpu_qual.refi.qdpx_writer import export_qdpx
from mpu_qual.refi.writer import export_qdc
from mpu_qual.store import Project
from mpu_qual.transcript_files.formats import parse_file

LISTED = {"Chan Tai Man": "IL1", "José Ng": "TP1", "O'Brien Siu-ming": "AC2", "Zoë": "TE1"}

APOSTROPHES = ["'", "\u2019", "\u2018", "\u02bc", "\uff07"]
HYPHENS = ["-", "\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\uff0d", " ", "  "]
SPACES = [" ", "  ", "\u00a0", "\u3000", "-", "\u2013", "_", ", "]


def full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


@st.composite
def written_as(draw: st.DrawFn, name: str) -> str:
    """One way a person might have typed ``name``."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", name):
        if ch == "'":
            out.append(draw(st.sampled_from(APOSTROPHES)))
            continue
        if ch == "-":
            out.append(draw(st.sampled_from(HYPHENS)))
            continue
        if ch == " ":
            out.append(draw(st.sampled_from(SPACES)))
            continue
        if draw(st.booleans()):
            ch = ch.upper() if ch.islower() else ch.lower()
        form = draw(st.sampled_from(["plain", "full", "nfd", "bare", "soft"]))
        if form == "full":
            ch = full_width(ch)
        elif form == "nfd":
            ch = unicodedata.normalize("NFD", ch)
        elif form == "bare":  # the accent left out
            ch = "".join(
                c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)
            )
        elif form == "soft" and out:
            ch = "\u00ad" + ch
        out.append(ch)
    return "".join(out)


@st.composite
def a_listed_name_written_somehow(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(LISTED)))
    return draw(written_as(name)), LISTED[name]


PSEUDO = Pseudonymiser(LISTED)


@settings(max_examples=200, deadline=None)
@given(a_listed_name_written_somehow(), st.sampled_from(["", "我同", "(", "“"]))
def test_every_spelling_of_a_listed_name_is_replaced(case, before: str) -> None:
    written, label = case
    text = f"{before}{written} said it. Then {written}."
    out, omap = PSEUDO.apply_with_offsets(text)
    assert out == f"{before}{label} said it. Then {label}.", (written, out)
    # offsets move with the replacements: what follows maps onto the same text
    said = text.index(" said it.")
    assert out[omap.map(said) : omap.map(said) + 9] == " said it."


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
    | st.text("aeiouAE \u0301\u0308\u00e9\uff21-\u2019'\u00ad", max_size=30)
)
def test_folding_never_loses_a_character_of_what_is_not_a_name(text: str) -> None:
    """Replacement works on the folded text but writes the original: anything that is not
    a listed name comes out exactly as it went in."""
    out = Pseudonymiser({"Qxzv Wpjk": "X1"}).apply(text)
    if "X1" not in out:
        assert out == text
    folded, where = fold(text)
    if where is not None:
        assert len(where) == len(folded) + 1 and where[-1] == len(text)
        assert where == sorted(where)
        # the fast path (ASCII runs folded at once) agrees with folding unit by unit
        units, i = [], 0
        while i < len(text):
            j = i + 1
            while j < len(text) and unicodedata.combining(text[j]):
                j += 1
            units.append(text[i:j])
            i = j
        assert folded == "".join(fold(u)[0] if not u.isascii() else u.lower() for u in units)


def test_similar_words_are_left_alone() -> None:
    for text in ("Chantaiman", "Josef Ngai", "Zoëy", "OBrien"):
        assert PSEUDO.apply(text) == text


def test_labels_that_are_names_are_told_from_roles_and_codes() -> None:
    for name in ("Peter Chan", "Peter", "陳大文", "Ｐｅｔｅｒ Ｃｈａｎ", "Mary O’Neill"):
        assert label_is_name(name), name
    for role in (
        "IL1",
        "TP-2",
        "Moderator",
        "Speaker 1",
        "SPEAKER_00",
        "Unknown Speaker",
        "Guest Speaker 2",
        "主持人",
        "受訪者A",
        "P3",
        "Host",
        "R",
    ):
        assert not label_is_name(role), role


ZOOM_VTT = """WEBVTT

1
00:00:01.000 --> 00:00:05.000
Peter Chan: Thanks, Mary. I think Peter’s team at the plant needs PLC technicians.

2
00:00:05.500 --> 00:00:09.000
Mary Wong: Ｃｈａｎ Ｔａｉ Ｍａｎ said the same; so did Jose\u0301 Ng and Oʼbrien Siu‐ming.

3
00:00:09.500 --> 00:00:12.000
Moderator: Thank you both. Mary, Peter: anything else?

4
00:00:12.500 --> 00:00:15.000
Peter Chan: Only that ageing staff retire soon.

5
00:00:15.500 --> 00:00:18.000
Mary Wong: Agreed, and training takes years.
"""

LEAKS = ["peter", "mary", "wong", "chan tai man", "jose", "brien", "siu"]


def test_zoom_speaker_names_and_variant_spellings_leak_nowhere(
    small: Project, tmp_path: Path
) -> None:
    p = small
    vtt = tmp_path / "zoom-meeting.vtt"
    vtt.write_text(ZOOM_VTT, encoding="utf-8")
    src = p.sources.add("zoom-meeting", parse_file(vtt))
    for seg in p.sources.segments(src):
        p.codings.add(src, seg.start, seg.end, "talent.shortage")
    p.participants.set("TP1", name="José Ng")
    p.participants.set("AC2", name="O'Brien Siu-ming")
    stored = p.sources.get("zoom-meeting").text
    assert "Peter Chan" not in stored  # a speaker label, not text
    labels = {g.speaker for g in p.sources.segments(src)}
    assert labels == {"Peter Chan", "Mary Wong", "Moderator"}

    pseudo = project_pseudonymiser(p)
    outputs: list[Path] = []
    for fmt in ("csv", "xlsx", "md", "docx", "html"):
        export_quotes(p, tmp_path / f"quotes.{fmt}", pseudo=pseudo)
        outputs.append(tmp_path / f"quotes.{fmt}")
    summary = build_summary(p, pseudo=pseudo, quotes=10)
    for fmt in ("md", "html", "docx"):
        write_summary(summary, tmp_path / f"summary.{fmt}")
        outputs.append(tmp_path / f"summary.{fmt}")
    export_qdpx(p, tmp_path / "project.qdpx", pseudo)
    export_qdc(p, tmp_path / "codes.qdc", pseudo)
    outputs += [tmp_path / "project.qdpx", tmp_path / "codes.qdc"]
    for path in outputs:
        text = " ".join(fold(all_text(path))[0].replace("-", " ").split())
        found = [w for w in LEAKS if re.search(f"(?<![a-z]){w}(?![a-z])", text)]
        assert found == [], f"{found} in {path.name}"
    csv_text = all_text(tmp_path / "quotes.csv")
    assert "P1" in csv_text and "P2" in csv_text and "Moderator" in csv_text
    assert "TP1 and AC2" in all_text(tmp_path / "quotes.md")
    # the stored text is untouched
    assert p.sources.get("zoom-meeting").text == stored


def test_a_pseudonym_chosen_as_label_is_kept(small: Project) -> None:
    """A label that looks like a name but is the pseudonym the researcher gave (the real
    name is set with --name) stays: only the real name is replaced."""
    small.participants.set("Ah Wing", name="Lee Ka Wing")
    pseudo = project_pseudonymiser(small)
    assert pseudo.apply("Lee Ka Wing (Ah Wing) agreed") == "Ah Wing (Ah Wing) agreed"
