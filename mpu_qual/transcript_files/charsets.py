"""Which encoding a transcript file is in, and how sure we are.

UTF-8, UTF-16 and UTF-32 are recognised by their BOM or their byte pattern. Anything else is a
legacy code page, and there the bytes alone do not say which: the same GBK bytes decode "fine"
as Big5, and a French Windows-1252 file decodes as Big5 too. So each candidate decoding is read
back and judged the way a person would: is this Chinese made of common characters (GB2312's
first level for Simplified, Big5's frequent set for Traditional), is this Latin text with an
accented letter here and there? charset-normalizer proposes the code pages; we keep the
candidates whose text is plausible and refuse, listing them, when two different texts remain.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from functools import lru_cache

from mpu_qual.transcript_files.languages import (
    SCRIPTS,
    category,
    in_word_penalty,
    script_of,
    script_plausibility,
)

# Chinese families first: their plausibility check is strict, so they cannot win by accident.
CJK_CANDIDATES = ("gb18030", "big5hkscs")
LATIN_CANDIDATES = (
    "cp1252",
    "cp1250",
    "cp1251",
    "koi8-r",
    "koi8-u",
    "iso8859-5",
    "iso8859-8",
    "cp1255",
    "cp1253",
    "iso8859-7",
    "iso8859-2",
    "mac-roman",
    "cp1257",
    "cp1254",
    "latin-1",
)

LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16 with BOM",
    "utf-16-le": "UTF-16 LE (no BOM)",
    "utf-16-be": "UTF-16 BE (no BOM)",
    "utf-32": "UTF-32 with BOM",
    "utf-32-le": "UTF-32 LE (no BOM)",
    "utf-32-be": "UTF-32 BE (no BOM)",
    "gb2312": "GB2312 (Simplified Chinese)",
    "gbk": "GBK (Simplified Chinese)",
    "gb18030": "GB18030 (Chinese)",
    "big5": "Big5 (Traditional Chinese)",
    "big5hkscs": "Big5-HKSCS (Traditional Chinese, Hong Kong)",
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1257": "Windows-1257 (Baltic)",
    "latin-1": "ISO-8859-1 (Latin-1)",
    "koi8-r": "KOI8-R (Russian)",
    "koi8-u": "KOI8-U (Ukrainian)",
    "iso8859-5": "ISO-8859-5 (Cyrillic)",
    "iso8859-8": "ISO-8859-8 (Hebrew)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp1253": "Windows-1253 (Greek)",
    "iso8859-7": "ISO-8859-7 (Greek)",
    "iso8859-2": "ISO-8859-2 (Central European)",
    "mac-roman": "Mac Roman (Western European)",
}

# Characters of Cantonese writing that Big5's frequent set lacks (HKSCS and Big5's second level).
CANTONESE = set("哋佢冇嘅喺咗啲嘢噉揾搵咁嚟睇咩乜嘥啱諗嗰俾畀攰瞓嚿冚唔嗮咪喎囉㗎嘞吖啫咋")
# Full-width punctuation and symbols that Chinese text uses; not letters, but not noise either.
CJK_PUNCT = set(
    "，。、；：？！「」『』（）《》〈〉【】〔〕…—─～·‧．﹐﹑﹔﹕﹖﹗　“”‘’％＋－＝＜＞／＆＃＊＠０１２３４５６７８９"
)
IN_WORD_MARKS = set("‘’·\u00a0")  # "it’s", Catalan "l·l"
LATIN_PUNCT = set("‘’“”–—…€«»°§·•©®™£¥¢¡¿±×÷¼½¾¹²³µ¶ªº\u00a0")


@dataclass
class Candidate:
    """One way to read the bytes: the codec, the text it gives and how plausible that text is."""

    encoding: str
    text: str
    plausibility: float
    also: list[str] = field(default_factory=list)  # other codecs giving the very same text

    @property
    def label(self) -> str:
        return LABELS.get(self.encoding, self.encoding)


@dataclass
class Detection:
    """The chosen encoding, or the candidates when no single one is clearly right."""

    encoding: str | None
    confidence: float
    how: str
    candidates: list[Candidate] = field(default_factory=list)


@lru_cache(maxsize=1)
def common_simplified() -> frozenset[str]:
    """GB2312 level 1: the 3,755 most frequent Simplified characters (rows 16-55)."""
    out = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                out.add(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


@lru_cache(maxsize=1)
def common_traditional() -> frozenset[str]:
    """Big5's frequently used characters (A440-C67E, 5,401 characters) plus Cantonese ones."""
    out = set(CANTONESE)
    for lead in range(0xA4, 0xC7):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            if lead == 0xC6 and trail > 0x7E:
                break
            try:
                out.add(bytes([lead, trail]).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


def chinese_plausibility(text: str, encoding: str) -> float:
    """Share of non-ASCII characters that real Chinese text in this encoding would use.

    Correctly decoded Chinese scores 0.9 and more; GB bytes read as Big5 (or the reverse) give
    rare characters, kana, Cyrillic or box drawing, and score about half.
    """
    common = common_traditional() if encoding.startswith("big5") else None
    if common is None:  # GB18030 can hold Traditional text too
        common = common_simplified() | common_traditional()
    total = good = 0
    for ch in text:
        if ord(ch) < 0x80:
            continue
        total += 1
        if ch in common or ch in CJK_PUNCT:
            good += 1
    return good / total if total else 0.0


# The accented letters of the languages each code page is used for. A right reading uses the
# letters of one language ("très", "fenêtre", "naïve": all French); a wrong one mixes
# languages ("trčs", "fenętre", "naďve": Czech č and ď with Polish ę).
LANGUAGES = {
    "cp1252": {
        "French": "àâæçéèêëîïôœùûüÿ",
        "German": "äöüß",
        "Spanish": "áéíñóúü",
        "Portuguese": "áâãàçéêíóôõú",
        "Italian": "àèéìíîòóùú",
        "Nordic": "åäæéöøü",
        "Dutch": "áéëïóöü",
    },
    "cp1250": {
        "Czech": "áčďéěíňóřšťúůýž",
        "Slovak": "áäčďéíĺľňóôŕšťúýž",
        "Polish": "ąćęłńóśźż",
        "Hungarian": "áéíóöőúüű",
        "Romanian": "ăâîşţșț",
        "Croatian": "čćđšž",
    },
    "cp1257": {"Latvian": "āčēģīķļņšūž", "Lithuanian": "ąčęėįšųūž", "Estonian": "äõöüšž"},
    "cp1254": {"Turkish": "çğıöşüâîû"},
}
LANGUAGES["latin-1"] = LANGUAGES["mac-roman"] = LANGUAGES["cp1252"]
LANGUAGES["iso8859-2"] = LANGUAGES["cp1250"]
# How common each accented letter is in those languages (1 = very): the tie-break when two
# code pages both give one-language text ("Règle ... à" against Slovak "Rčgle ... ŕ").
_TYPICAL = {
    "cp1252": "é1 è.8 à.8 ç.6 ê.5 â.4 ô.4 î.3 û.2 ù.2 ë.2 ï.2 ü.8 ö.8 ä.8 ß.6 á.7 í.6 ó.7 ú.5 "
    "ñ.6 ã.5 õ.3 å.6 æ.4 ø.6 œ.3 ì.2 ò.2 ý.1 ÿ.1",
    "cp1250": "á.8 é.7 í.8 ó.6 ú.4 ý.6 č.8 ď.3 ě.8 ň.3 ř.8 š.8 ť.3 ů.5 ž.8 ą.6 ć.5 ę.6 ł.8 ń.5 "
    "ś.5 ź.3 ż.6 ő.5 ű.3 ö.5 ü.4 ä.2 ô.2 ă.6 â.4 î.4 ş.5 ţ.4 ĺ.1 ľ.3 ŕ.1 đ.3",
    "cp1257": "ā.8 č.6 ē.7 ģ.3 ī.7 ķ.4 ļ.4 ņ.4 š.7 ū.6 ž.6 ą.5 ę.4 ė.6 į.4 ų.4 õ.4 ä.5 ö.3 ü.4",
    "cp1254": "ç.8 ğ.8 ı1 ö.7 ş.8 ü.8 â.2 î.1 û.1",
}
TYPICAL = {enc: {i[0]: float(i[1:]) for i in spec.split()} for enc, spec in _TYPICAL.items()}
TYPICAL["latin-1"] = TYPICAL["mac-roman"] = TYPICAL["cp1252"]
TYPICAL["iso8859-2"] = TYPICAL["cp1250"]


def typicality(text: str, encoding: str) -> float:
    """Mean commonness of the accented letters in the code page's languages."""
    weights = TYPICAL.get(encoding)
    letters = [ch.lower() for ch in text if ord(ch) >= 0x80 and ch.isalpha()]
    if not weights or not letters:
        return 0.0
    return sum(weights.get(ch, 0.0) for ch in letters) / len(letters)


def one_language_share(text: str, encoding: str) -> float:
    """The largest share of the accented letters that one language of the code page uses."""
    letters = [ch.lower() for ch in text if ord(ch) >= 0x80 and ch.isalpha()]
    if not letters:
        return 1.0
    langs = LANGUAGES.get(encoding, {})
    return max(
        (sum(ch in alpha for ch in letters) / len(letters) for alpha in langs.values()), default=1.0
    )


def latin_plausibility(text: str, encoding: str = "cp1252") -> float:
    """How much this reads like Western/Central European (or Cyrillic) text in ``encoding``.

    In real text an accented letter or typographic mark stands alone among ASCII letters
    ("café", "Règle", "it’s"); Chinese bytes read as a code page give long runs of accented
    letters and symbols ("ÕâÊÇÖÐÎÄ"). The share of such well-placed characters is weighted by
    how typical the accented letters are of the code page's languages.
    """
    cyrillic = encoding == "cp1251"
    total = good = 0.0
    run = inside = 0
    chars = list(text)
    for i, ch in enumerate(chars):
        if ord(ch) < 0x80:
            run = 0
            continue
        run += 1
        total += 1
        if category(ch).startswith("C"):
            return 0.0  # control characters (C1) never appear in real text
        if ch in LATIN_PUNCT:
            prev = chars[i - 1] if i else ""
            nxt = chars[i + 1] if i + 1 < len(chars) else ""
            if prev.isalpha() and nxt.isalpha() and ch not in IN_WORD_MARKS:
                inside += 1  # "porz±dku": a symbol inside a word
            else:
                good += 1
            continue
        if not ch.isalpha():
            continue
        prev = chars[i - 1] if i else ""
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        if cyrillic:
            is_cyr = script_of(ch) == "CYRILLIC"
            touches_latin = (prev.isascii() and prev.isalpha()) or (nxt.isascii() and nxt.isalpha())
            # Capitals start words (or fill all-caps ones); mojibake mixes cases inside words.
            mid_word_capital = ch.isupper() and prev.isalpha() and prev.islower()
            good += 1.0 if is_cyr and not touches_latin and not mid_word_capital else 0.0
            continue
        if script_of(ch) != "LATIN" or run > 2:
            continue
        good += 1
    if total == 0:
        return 0.0
    language = 1.0 if cyrillic else one_language_share(text, encoding)
    return good / total * language * in_word_penalty(inside, text)


def plausibility(text: str, encoding: str) -> float:
    if encoding in CJK_CANDIDATES or encoding.startswith(("gb", "big5")):
        han = sum(1 for ch in text if _is_han(ch))
        non_ascii = sum(1 for ch in text if ord(ch) >= 0x80)
        if non_ascii and han < 0.3 * non_ascii:
            return 0.0  # not Chinese text at all (e.g. Latin-1 accents read as Big5)
        return chinese_plausibility(text, encoding)
    if encoding in SCRIPTS:  # Cyrillic, Greek, Hebrew: case pattern and common words
        return script_plausibility(text, encoding)
    return latin_plausibility(text, encoding)


def _normalizer_guesses(raw: bytes) -> list[str]:
    """charset-normalizer's ranked guesses (a kept library does the statistics)."""
    from charset_normalizer import from_bytes

    out: list[str] = []
    for match in from_bytes(raw[:200_000], cp_isolation=None):
        enc = codecs.lookup(match.encoding).name
        if enc not in out:
            out.append(enc)
    return out[:6]


def _canonical(name: str) -> str:
    name = codecs.lookup(name).name
    return {"iso8859-1": "latin-1", "big5-hkscs": "big5hkscs"}.get(name, name)


def narrow_gb(raw: bytes) -> str:
    """The smallest GB standard that holds these bytes: gb2312, gbk or gb18030."""
    for enc in ("gb2312", "gbk"):
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return "gb18030"


SAMPLE_CHARS = 120_000


def sample(text: str) -> str:
    """Enough of a long text to judge a reading by: its start, middle and end (a part in
    another encoding anywhere is found by the line-by-line check, ``disagreeing_blocks``)."""
    if len(text) <= SAMPLE_CHARS:
        return text
    mid = len(text) // 2
    return "\n".join((text[:80_000], text[mid : mid + 20_000], text[-20_000:]))


def legacy_candidates(raw: bytes) -> list[Candidate]:
    """Every plausible reading of bytes that are not UTF-8, best first; same texts merged."""
    names = [*CJK_CANDIDATES, *LATIN_CANDIDATES]
    guesses = [_canonical(g) for g in _normalizer_guesses(raw)]
    rank = {n: i for i, n in enumerate(guesses)}
    by_text: dict[str, Candidate] = {}
    for name in names:
        try:
            text = raw.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        score = plausibility(sample(text), name)
        if name == "gb18030":
            name = narrow_gb(raw)
        if text in by_text:
            by_text[text].also.append(name)
            continue
        by_text[text] = Candidate(name, text, score)
    cands = list(by_text.values())
    cands.sort(key=lambda c: (-round(c.plausibility, 2), rank.get(c.encoding, 99)))
    return cands


def _weight(c: Candidate) -> float:
    """Evidence strength: a reading made of common Hanzi is hard to hit by chance, a reading
    as accented Latin or Cyrillic letters much less so."""
    cjk = c.encoding.startswith(("gb", "big5"))
    return c.plausibility if cjk else 0.9 * c.plausibility


def decide(cands: list[Candidate]) -> Detection:
    """Pick the clear winner, or none (the caller refuses and lists the candidates)."""
    good = sorted((c for c in cands if c.plausibility >= 0.6), key=_weight, reverse=True)
    if not good:
        return Detection(None, 0.0, "no plausible reading", cands[:4])
    best = good[0]
    rivals = [c for c in good[1:] if _weight(c) > _weight(best) - 0.1]
    latin = [best, *rivals]
    if rivals and all(c.encoding in TYPICAL for c in latin):
        latin.sort(key=lambda c: typicality(c.text, c.encoding), reverse=True)
        lead = typicality(latin[0].text, latin[0].encoding) - typicality(
            latin[1].text, latin[1].encoding
        )
        if lead >= 0.08:  # one code page's letters are clearly the more common ones
            best, rivals = latin[0], []
    if rivals:
        return Detection(None, best.plausibility, "several plausible readings", good[:4])
    second = _weight(good[1]) if len(good) > 1 else 0.0
    margin = _weight(best) - second
    confidence = round(min(1.0, 0.5 * best.plausibility + 0.5 * min(1.0, margin / 0.5)), 2)
    return Detection(best.encoding, confidence, "detected", [best])


MIN_LINE_BYTES = 6  # non-ASCII bytes a line needs before its reading counts
RUN_LINES = 8


def _other_reading(line: bytes, own: str | None) -> str | None:
    """The encoding that reads ``line`` clearly right, when one does."""
    best, best_weight = None, 0.0
    for name in (*CJK_CANDIDATES, *LATIN_CANDIDATES):
        try:
            text = line.decode(name)
        except UnicodeDecodeError:
            continue
        if text == own:
            continue
        c = Candidate(name, text, plausibility(text, name))
        if c.plausibility >= 0.8 and _weight(c) > best_weight:
            best, best_weight = (narrow_gb(line) if name == "gb18030" else name), _weight(c)
    return best


def _suspect_lines(raw: bytes, chosen: str) -> list[tuple[int, bytes]]:
    """Lines worth a closer look: those of each run of ``RUN_LINES`` lines whose reading in
    ``chosen`` is not clearly right as a whole (one check per run, not per line: most runs of
    a file in one encoding read right)."""
    lines = raw.split(b"\n")
    out: list[tuple[int, bytes]] = []
    for k in range(0, len(lines), RUN_LINES):
        run = lines[k : k + RUN_LINES]
        chunk = b"\n".join(run)
        if sum(b >= 0x80 for b in chunk) < MIN_LINE_BYTES:
            continue
        try:
            if plausibility(chunk.decode(chosen), chosen) >= 0.85:
                continue
        except UnicodeDecodeError:
            pass
        out.extend((k + i + 1, line) for i, line in enumerate(run))
    return out


def disagreeing_blocks(raw: bytes, chosen: str) -> list[tuple[int, int, str]]:
    """Runs of lines that read as nonsense in ``chosen`` but clearly right in another
    encoding: (first line, last line, that encoding), when they are more than a stray line.
    A file put together from parts in different encodings (Big5-HKSCS lines and GBK lines)
    cannot be read as one. Splitting at newlines is safe: no candidate uses 0x0A inside a
    character."""
    flagged: list[tuple[int, int, str]] = []
    weight = 0
    for n, line in _suspect_lines(raw, chosen):
        high = sum(b >= 0x80 for b in line)
        if high < MIN_LINE_BYTES:
            continue
        try:
            own: str | None = line.decode(chosen)
        except UnicodeDecodeError:
            own = None
        if own is not None and plausibility(own, chosen) >= 0.6:
            continue
        other = _other_reading(line, own)
        if other is None:
            continue
        weight += high
        if flagged and flagged[-1][2] == other:
            flagged[-1] = (flagged[-1][0], n, other)
        else:
            flagged.append((n, n, other))
    lines = sum(b - a + 1 for a, b, _e in flagged)
    return flagged if lines >= 2 or weight >= 16 else []
