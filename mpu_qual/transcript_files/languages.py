"""Is this text Russian, Ukrainian, Greek or Hebrew a person could read, or mojibake?

The single-byte code pages for these scripts map the same bytes to letters of the same script:
KOI8-R read as Windows-1251 is Cyrillic too ("оЙ ЖЙЗБ УЕВЕ." for "Ни фига себе."), and Hebrew
in ISO-8859-8 read as Windows-1251 is a run of lower-case Cyrillic letters. Checking the
script is therefore not enough. A right reading also has

- the case pattern of the language: words in lower case or capitalised, not "оЙ" or
  "ЖЙЗБ" all through;
- the language's common words: in any sentence or two of real Russian, "и", "не", "что",
  "это" ... make up a good share of the words; in a wrong reading almost none occur.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

RUSSIAN = set(
    "и в не на я что он с а как это по но они к у ты из мы за вы так же от все всё она бы "
    "для о был была было мне да его ну ещё еще нет меня только вот уже мой когда тебе себе "
    "если может есть там где здесь очень хорошо ничего тоже кто чем быть сейчас их её ее "
    "то ли или даже мне нас вас вам им него неё при до после без над под про со во об "
    "тут этот эта эти того чтобы потому надо можно нужно будет буду была были фига ни "
    "сказал знаю давай спасибо привет хорошо ладно просто тогда где почему зачем сколько".split()
)
UKRAINIAN = set(
    "і й та що не на це я в у з із до за як але ти ми ви так він вона воно вони є його її "
    "було був була для від по про при без над під щоб коли якщо тут там де хто чому вже "
    "ще теж дуже можна треба буде дякую добре також тільки мене тебе нас вас їх".split()
)
GREEK = set(
    "και το να η ο τα της του με σε δεν θα που για είναι τι από στο στη στην μου σου των "
    "τον την οι ένα μια αυτό αυτή αλλά όχι ναι εγώ εσύ εμείς πολύ καλά εδώ εκεί όταν αν "
    "μας σας τους ήταν έχει έχω γιατί πως πώς".split()
)
HEBREW = set(
    "של את לא זה על אני מה הוא יש עם כל גם אם אתה היא לי כן רק אבל או אין היה הם אנחנו "
    "שלי שלך זאת פה שם עכשיו טוב מאוד כמו אז למה איך אולי צריך יכול רוצה תודה בסדר".split()
)
# The script each code page writes, and the languages whose common words count.
SCRIPTS = {
    "cp1251": ("CYRILLIC", (RUSSIAN, UKRAINIAN)),
    "koi8-r": ("CYRILLIC", (RUSSIAN, UKRAINIAN)),
    "koi8-u": ("CYRILLIC", (RUSSIAN, UKRAINIAN)),
    "iso8859-5": ("CYRILLIC", (RUSSIAN, UKRAINIAN)),
    "iso8859-7": ("GREEK", (GREEK,)),
    "cp1253": ("GREEK", (GREEK,)),
    "iso8859-8": ("HEBREW", (HEBREW,)),
    "cp1255": ("HEBREW", (HEBREW,)),
}
_WORD = re.compile(r"[^\W\d_]+")
MIN_WORDS = 6  # below this, common words say too little to count


@lru_cache(maxsize=4096)
def script_of(ch: str) -> str:
    """The script word of a character's Unicode name ("CYRILLIC", "LATIN", ...), cached: the
    checks ask it for every character of every candidate reading."""
    return unicodedata.name(ch, "").split(" ", 1)[0]


@lru_cache(maxsize=4096)
def category(ch: str) -> str:
    return unicodedata.category(ch)


def in_word_penalty(inside: int, text: str) -> float:
    """Real text never has a symbol (box drawing, ``±``) between two letters of a word; each
    one is strong evidence of a wrong reading."""
    if not inside:
        return 1.0
    words = max(1, len(_WORD.findall(text)))
    return max(0.0, 1.0 - 10.0 * inside / words)


def _script_words(text: str, script: str) -> list[str]:
    out = []
    for w in _WORD.findall(text):
        if ord(w[0]) >= 0x80 and script_of(w[0]) == script:
            out.append(w)
    return out


def script_plausibility(text: str, encoding: str) -> float:
    """0..1: how much ``text`` reads like real text in the language of ``encoding``."""
    script, languages = SCRIPTS[encoding]
    total = good = inside = 0
    for i, ch in enumerate(text):
        if ord(ch) < 0x80:
            continue
        total += 1
        cat = category(ch)
        if cat.startswith("C"):
            return 0.0  # control characters (C1) never appear in real text
        prev, nxt = text[i - 1 : i], text[i + 1 : i + 2]
        if ch.isalpha() and script_of(ch) == script:
            # A letter of this script glued to a Latin letter ("Rиgle", "Dzieс") is mojibake.
            if not ((prev.isascii() and prev.isalpha()) or (nxt.isascii() and nxt.isalpha())):
                good += 1
        elif cat.startswith(("P", "Z")) or (cat == "Mn" and script == "HEBREW"):  # niqqud
            good += 1
        elif prev.isalpha() and nxt.isalpha():
            inside += 1  # a symbol inside a word ("Прив╕т" for "Привіт")
    if total == 0:
        return 0.0
    share = good / total * in_word_penalty(inside, text)
    words = _script_words(text, script)
    if not words:
        return share
    cased = [w for w in words if len(w) > 1 and (w.lower() != w.upper())]
    if cased:
        ok = sum(w.islower() or w.istitle() or (w.isupper() and len(w) <= 4) for w in cased)
        case_share = ok / len(cased)
        all_caps = sum(w.isupper() for w in cased) / len(cased)
        if all_caps > 0.9:  # a file in capitals throughout (old subtitles): case says nothing
            case_share = 1.0
    else:
        case_share = 1.0
    if len(words) < MIN_WORDS:
        return share * case_share
    # One-letter words ("с", "и", "в") turn up in mojibake by chance: only longer ones count.
    common = max(
        sum(len(w) > 1 and w.lower() in lang for w in words) / len(words) for lang in languages
    )
    word_factor = min(1.0, common / 0.08)
    return share * case_share * word_factor
