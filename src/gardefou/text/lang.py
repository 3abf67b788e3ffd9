"""A light language guess over the 17 supported languages: Unicode script first, then stop words.

No dependency, no model file: good enough to label a reason ("lang": "pt"), not a general-purpose
language identifier. Returns None when there is too little to go on.
"""

from __future__ import annotations

import re

__all__ = ["detect_lang", "guess_lang", "LANGS"]

LANGS = ("en", "fr", "es", "de", "it", "pt", "nl", "pl", "ru", "uk", "tr", "ar", "hi", "id", "ja", "ko", "zh")

_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_DEVANAGARI = re.compile("[\u0900-\u097f]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_UK_ONLY = re.compile("[іїєґ]")
_RU_ONLY = re.compile("[ыэъё]")
_LATIN_LETTER = re.compile("[a-zà-ÿāăąćčďēėęěğīıįłńňőœřśşšťūůűųźżž]")
_ARABIC_RUN = re.compile(_ARABIC.pattern + "+")
_DEVANAGARI_RUN = re.compile(_DEVANAGARI.pattern + "+")
_CYRILLIC_RUN = re.compile(_CYRILLIC.pattern + "+")
_LATIN_LETTER_RUN = re.compile(_LATIN_LETTER.pattern + "+")
_LATIN_WORD = re.compile(r"[a-zà-ÿāăąćčďēėęěğīıįłńňőœřśşšťūůűųźżž']+")

_STOP = {
    "en": "the and is are to of for you your with this that it on in be can how what my me i we our from any free just get no not was have has will".split(),
    "fr": "le la les et est des une un du pour vous votre avec ce cette qui que pas sur dans il elle je tu mon ma au aux sont être très plus mais c'est qu'il l'".split(),
    "es": "el la los las y es de del que en un una por para con su tu mi no se lo le más muy pero como esta este está son al ya también".split(),
    "de": "der die das und ist nicht ein eine mit für von zu auf den dem ich du sie es wir ihr sich auch wie bei oder aus noch nur mehr".split(),
    "it": "il lo la gli le e è di del della che un una per con non su sono come anche più questo questa mi ti ci ho hai ma nel alla".split(),
    "pt": "o a os as e é de do da dos das que um uma para com não no na em por mais seu sua você eu ele ela isso mas são pra também".split(),
    "nl": "de het een en is van dat die niet op in te met voor zijn je jij ik we ze er maar ook om als bij dit aan naar".split(),
    "pl": "i w na z że się nie jest to do jak co o ale ja ty on ona po dla od za tak czy jej go mnie przez być są".split(),
    "tr": "ve bir bu da de için ile ne çok daha gibi ama ben sen o var yok mi mı mu mü olarak kadar her şey bunu ki en".split(),
    "id": "dan yang di ke dari ini itu untuk dengan ada tidak aku kamu saya dia bisa juga akan atau sudah mau apa gratis karena nya".split(),
    "hi": "hai hain ka ki ke ko se mein me aur nahi kya yeh ye woh kar karo bhi tha tum main mujhe kisi koi".split(),
}
_STOP_INDEX: dict[str, list[str]] = {}
for _lang, _words in _STOP.items():
    for _w in _words:
        _STOP_INDEX.setdefault(_w, []).append(_lang)

_CHAR_HINTS = (
    (re.compile("[ãõ]"), "pt", 2.0),
    (re.compile("ç"), "pt", 0.5),
    (re.compile("ç"), "fr", 0.5),
    (re.compile("ñ|¿|¡"), "es", 2.0),
    (re.compile("ß|ä|ö|ü"), "de", 0.7),
    (re.compile("[ąęłńśźż]"), "pl", 2.0),
    (re.compile("[şğı]"), "tr", 2.0),
    (re.compile("[ùêâîôœ]"), "fr", 1.0),
    (re.compile("ij"), "nl", 0.5),
)


# the same hints as single-character sets, found with one regex pass ("ij" is checked apart)
_CHAR_HINT_SETS = tuple((frozenset(re.sub(r"[\[\]|]", "", rx.pattern)), lang, w) for rx, lang, w in _CHAR_HINTS if rx.pattern != "ij")
_HINT_CHARS_RE = re.compile("[" + "".join(sorted(set().union(*(c for c, _l, _w in _CHAR_HINT_SETS)))) + "]")
_NONLATIN = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u0900-\u097f\u0400-\u04ff]")
# any character of the scripts checked one by one below: one scan decides whether to check them
_ANY_NONLATIN = re.compile("[" + "".join(rx.pattern[1:-1] for rx in (_HANGUL, _KANA, _HAN, _NONLATIN)) + "]")


def detect_lang(text: str) -> str | None:
    """Guess the language of `text` (one of LANGS) or None."""
    return guess_lang(text)[0]


def guess_lang(text: str) -> tuple[str | None, bool]:
    """(language, confident): confident only for a Latin-script text whose stop words point
    clearly to one language (at least two hits, one more than the runner-up)."""
    if not text:
        return None, False
    sample = text[:600]
    lower = sample.lower()
    if not sample.isascii() and _ANY_NONLATIN.search(sample):
        if _HANGUL.search(sample):
            return "ko", False
        if _KANA.search(sample):
            return "ja", False
        if _HAN.search(sample):
            return "zh", False
        if _NONLATIN.search(sample):
            # letters counted by runs (fewer strings made than one per letter)
            n_ar = sum(map(len, _ARABIC_RUN.findall(sample)))
            n_hi = sum(map(len, _DEVANAGARI_RUN.findall(sample)))
            n_cy = sum(map(len, _CYRILLIC_RUN.findall(sample)))
            n_lat = sum(map(len, _LATIN_LETTER_RUN.findall(lower)))
            best = max((n_ar, "ar"), (n_hi, "hi"), (n_cy, "cy"), (n_lat, "lat"))
            if best[1] == "ar":
                return "ar", False
            if best[1] == "hi":
                return "hi", False
            if best[1] == "cy":
                uk = len(_UK_ONLY.findall(lower))
                ru = len(_RU_ONLY.findall(lower))
                return ("uk" if uk > ru else "ru"), False
    scores = _latin_scores(sample, lower)
    if scores is None:
        return None, False
    if not scores:
        return "en", False
    # the best score (ties go to English, then to the first language scored) and the runner-up
    lang, top, second = "", -1.0, -1.0
    for name, score in scores.items():
        if score > top or (score == top and name == "en"):
            lang, top, second = name, score, top
        elif score > second:
            second = score
    return lang, top >= 2 and (len(scores) == 1 or top - second >= 1)


def _latin_scores(sample: str, lower: str) -> dict[str, float] | None:
    """Stop-word and accent scores per Latin-script language; None when there is no word."""
    words = _LATIN_WORD.findall(lower)
    if not words:
        return None
    scores: dict[str, float] = {}
    for langs in filter(None, map(_STOP_INDEX.get, words)):  # only the stop words, found in C
        for lang in langs:
            scores[lang] = scores.get(lang, 0.0) + 1.0
    if not sample.isascii():
        found = set(_HINT_CHARS_RE.findall(lower))
        if found:
            for chars, lang, weight in _CHAR_HINT_SETS:
                if found & chars:
                    scores[lang] = scores.get(lang, 0.0) + weight
        if "ij" in lower:
            scores["nl"] = scores.get("nl", 0.0) + 0.5
    return scores
