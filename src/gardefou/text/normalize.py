"""Text normalisation that undoes the evasion tricks used by undressing-service marketing.

`normalize(text)` returns the de-obfuscated, lower-cased text kept for explanation, the names of
the tricks that were undone, and a "matching channel" (accents folded, punctuation turned into
spaces) on which the model's features are computed.

Every step is a single pass of a regex with no nested ambiguous quantifiers, or a str.translate,
so the cost is linear in the length of the text.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from itertools import accumulate
from dataclasses import dataclass, field

__all__ = ["Normalized", "normalize", "fold_accents", "TRICKS"]

TRICKS = (
    "homoglyphs",
    "zero-width",
    "spaced letters",
    "leetspeak",
    "inner punctuation",
    "repeated letters",
    "fullwidth",
    "emoji",
)


@dataclass(frozen=True)
class Normalized:
    """`text`: de-obfuscated lower-case text (for explanation); `tricks`: evasion tricks undone;
    `match`: accent-folded, punctuation-free channel used for features; `emoji_bait`: arrow,
    pointing-hand or explicit emoji (👉 ➤ 🔞 …) were present; `emoji_sexual`: suggestive emoji; `emoji_wink`: winking or hushing emoji (😉 😏 🤫 😈)."""

    text: str
    tricks: tuple[str, ...] = ()
    match: str = ""
    emoji_bait: bool = False
    emoji_sexual: bool = False
    emoji_wink: bool = False
    has_fancy: bool = field(default=False, repr=False)


# --------------------------------------------------------------------------- character classes
_ZERO_WIDTH_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufeff\uffa0\U000e0000-\U000e007f]"
)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FULLWIDTH_LETTER_RE = re.compile("[\uff21-\uff3a\uff41-\uff5a\uff10-\uff19]")
# mathematical alphanumerics, enclosed / squared / circled letters, small capitals, etc.
_FANCY_RE = re.compile("[\u1400-\u167f\u13a0-\u13f4\ua4d0-\ua4ff\U0001d400-\U0001d7ff\u24b6-\u24e9\U0001f130-\U0001f189\u1d00-\u1d2b\ua730-\ua731\u0262\u026a\u0274\u0280\u028f\u029c\u029f\u01eb]")

_EMOJI_CLASS = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff\u2300-\u23ff\u25a0-\u25ff"
    "\u2900-\u297f\u3030\u303d\u3297\u3299\u2122\u2139\u24c2"
)
_SPECIAL_RE = re.compile(
    "[\uff21-\uff3a\uff41-\uff5a\uff10-\uff19\U0001d400-\U0001d7ff\u24b6-\u24e9\u1d00-\u1d2b\ua730-\ua731"
    "\u0262\u026a\u0274\u0280\u028f\u029c\u029f\u01eb\u1400-\u167f\u13a0-\u13f4\ua4d0-\ua4ff"
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f" + _EMOJI_CLASS + "]"
)
_EMOJI_RE = re.compile(f"(?:[{_EMOJI_CLASS}][\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff]*\u200d?)+")
_BAIT = set("👉👇👆➡➤➜➔➙➛➝➞➟➠➢➣⇨⇒→⬇⬆▶►🔗📲📩✅🔞")
_SEXUAL = set("🔞🍑🍆💦👅😈🥵🤤💋👙🫦😏🔥👀🤫")
_WINK = set("😉😏🤫😈")
assert all(re.fullmatch(f"[{_EMOJI_CLASS}]", ch) for ch in _BAIT | _SEXUAL | _WINK)

# small capitals and negative squared / circled letters that NFKC leaves alone
_SMALLCAPS = {
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ǫ": "q", "ʀ": "r",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}
_PRE_TABLE = {ord(k): v for k, v in _SMALLCAPS.items()}
for _i in range(26):
    _PRE_TABLE[0x1F150 + _i] = chr(0x61 + _i)  # negative circled
    _PRE_TABLE[0x1F170 + _i] = chr(0x61 + _i)  # negative squared
    _PRE_TABLE[0x1F130 + _i] = chr(0x61 + _i)  # squared

# confusables: Cyrillic / Greek / other lookalikes -> Latin (lower case, after casefold)
_TO_LATIN = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "l", "г": "r", "п": "n", "и": "u", "ь": "b",
    "з": "3", "ч": "4", "ы": "bl",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ς": "c", "δ": "d",
    "ά": "a", "έ": "e", "ί": "i", "ό": "o", "ύ": "u", "ή": "n", "ώ": "w",
    # Latin lookalikes from other blocks
    "ɑ": "a", "ɡ": "g", "ɩ": "i", "ɵ": "o", "օ": "o", "ս": "u", "ց": "g", "ҁ": "c",
}
# Canadian syllabics and Cherokee letters used as Latin lookalikes (NFKC keeps them)
_SYLLABICS = {
    "ᑌ": "u", "ᑎ": "n", "ᗪ": "d", "ᗩ": "a", "ᔕ": "s", "ᕼ": "h", "ᒪ": "l", "ᗷ": "b", "ᑕ": "c",
    "ᗰ": "m", "ᖇ": "r", "ᗴ": "e", "ᐯ": "v", "ᗯ": "w", "ᓰ": "i", "Ꭺ": "a", "Ꮃ": "w", "Ꭼ": "e",
    "Ꮋ": "h", "Ꭵ": "i", "Ꮶ": "k", "Ꮇ": "m", "Ꮲ": "p", "Ꮪ": "s", "Ꭲ": "t", "Ꮩ": "v", "Ꮤ": "w",
    "ꓮ": "a", "ꓐ": "b", "ꓚ": "c", "ꓓ": "d", "ꓰ": "e", "ꓝ": "f", "ꓖ": "g", "ꓧ": "h", "ꓲ": "i",
    "ꓡ": "l", "ꓟ": "m", "ꓠ": "n", "ꓳ": "o", "ꓑ": "p", "ꓣ": "r", "ꓢ": "s", "ꓔ": "t", "ꓴ": "u",
}
_TO_LATIN.update({
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ї": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
    "Ү": "Y", "Һ": "H", "Ӏ": "I", "З": "3", "Ь": "b",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ά": "A", "Έ": "E", "Ί": "I", "Ό": "O",
})
_TO_LATIN_TABLE = {ord(k): v for k, v in _TO_LATIN.items()}
_PRE_TABLE.update({ord(k): v for k, v in _SYLLABICS.items()})
_TO_CYRILLIC_TABLE = {ord(k): v for k, v in {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к", "m": "м",
    "t": "т", "i": "і", "h": "н", "b": "в", "3": "з", "0": "о", "@": "а",
    "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "X": "Х", "K": "К", "M": "М", "T": "Т", "H": "Н", "B": "В",
}.items()}
_CYR_GREEK_RE = re.compile("[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f\u0530-\u058f]")
_LATIN_RUN_RE = re.compile("[a-zA-Z]+")
_CYR_GREEK_RUN_RE = re.compile("[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f\u0530-\u058f]+")
# Only words that can need folding are visited: in Cyrillic / Greek text those holding a Latin
# letter, in mostly-Latin text those holding a non-ASCII letter (each match is a whole [\w@$]+ run).
# Anchored at the start of a run, so a long run without such a letter costs one linear scan, not
# one per position (quadratic on a hostile 20,000-letter word).
_WORD_WITH_LATIN_RE = re.compile(r"(?<![\w@$])[\w@$]*?[a-zA-Z][\w@$]*")
_WORD_WITH_NON_ASCII_RE = re.compile(r"(?<![\w@$])[\w@$]*?[^\x00-\x7f\W][\w@$]*")


def _is_cyr(ch: str) -> bool:
    return "\u0400" <= ch <= "\u052f"


def _is_greek(ch: str) -> bool:
    return "\u0370" <= ch <= "\u03ff"


def _fold_homoglyphs(text: str) -> tuple[str, bool]:
    """Fold lookalike letters inside words that mix scripts, or in a mostly-Latin text.

    A word written wholly in Cyrillic or Greek inside Cyrillic or Greek text is left alone, so
    genuine Russian, Ukrainian or Greek is never mangled. A mostly-Cyrillic word with a few Latin
    lookalikes is folded to Cyrillic instead.
    """
    # letters counted by runs (fewer strings made than one per letter)
    latin_total = sum(map(len, _LATIN_RUN_RE.findall(text)))
    if not latin_total:
        return text, False
    other_total = sum(map(len, _CYR_GREEK_RUN_RE.findall(text)))
    mostly_latin = latin_total > 2 * other_total
    changed = False
    out: list[str] = []
    last = 0
    for m in (_WORD_WITH_NON_ASCII_RE if mostly_latin else _WORD_WITH_LATIN_RE).finditer(text):
        w = m.group()
        n_other = 0
        n_lat = 0
        for ch in w:
            if "a" <= ch <= "z" or "A" <= ch <= "Z":
                n_lat += 1
            elif _is_cyr(ch) or _is_greek(ch) or ch in _TO_LATIN:
                n_other += 1
        if not n_other:
            continue
        if n_lat == 0 and not mostly_latin:
            continue
        if n_lat == 0:
            # a whole word of lookalikes in Latin text: fold only if every letter has a lookalike
            if not all(ch in _TO_LATIN for ch in w if ch.isalpha()):
                continue
            new = w.translate(_TO_LATIN_TABLE)
        elif n_lat >= n_other or mostly_latin:
            new = w.translate(_TO_LATIN_TABLE)
        else:
            new = w.translate(_TO_CYRILLIC_TABLE)
        if new != w:
            out.append(text[last:m.start()])
            out.append(new)
            last = m.end()
            changed = True
    if not changed:
        return text, False
    out.append(text[last:])
    return "".join(out), True


# --------------------------------------------------------------------------- links are kept intact
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++"
    r"|(?<![\w.-])(?:[\w-]++\.)++(?:com|net|org|io|ai|app|me|co|cc|xyz|site|online|pro|ru|su|ly|gg|to|info|biz|club|top|vip|live|fun|link|store|shop|tech|de|fr|es|it|nl|pl|br|in|id|jp|kr|cn|tr|ua|uk|us|tv|ws|bot)\b(?:/[^\s<>\"']*)?"
)

_URL_HINT_RE = re.compile(r"\.[a-z]|@|://")

# --------------------------------------------------------------------------- vocabulary of targets
# Stems that obfuscation usually hides. Used to decide whether a dash / dot / asterisk / digit is
# hiding a letter of one of them (so "t-shirt" or "covid19" stay as they are).
_TARGETS = (
    "undress", "nudify", "nudif", "nudes", "nude", "naked", "deepnude", "deepnud", "nsfw", "porn",
    "sex", "sexy", "strip", "topless", "xray", "clothes", "cloth", "clothing", "remover", "remove",
    "erase", "bikini", "lingerie", "telegram", "bot", "free", "credits", "coins", "tokens",
    "nudity", "naughty", "undressing", "undresser", "nudifier", "nudification", "dress",
    "desnud", "desnuda", "desnudar", "desvest", "nua", "nuas", "nu", "nue", "nues", "nudo", "nuda",
    "nackt", "ausziehen", "auszieh", "spogli", "spogliare", "svestire", "naakt", "uitkleden",
    "nago", "naga", "rozbier", "telanjang", "bugil", "ciplak", "soy", "deshabill", "dezbrac",
    "entkleid", "ontkleed", "ropa", "roupa", "vetements", "kleidung", "kleren", "vestiti",
    "ubrania", "baju", "kiyafet", "photo", "foto", "pic", "pics", "girl", "girls", "any",
    "tette", "seins", "tits", "boobs", "onlyfans", "deepfake", "fake", "fakes", "x-ray",
    "раздеть", "раздень", "разде", "голая", "голые", "голую", "наготу", "нюд", "порно",
    "роздягн", "оголен", "голі", "одежд", "одяг",
)
_TARGET_SET = frozenset(_TARGETS)
_TARGET_BY_LEN: dict[int, list[str]] = {}
for _t in _TARGETS:
    _TARGET_BY_LEN.setdefault(len(_t), []).append(_t)


def _is_target(word: str) -> bool:
    if word in _TARGET_SET:
        return True
    # prefix match for inflected forms ("undressing", "nudified"); stems of 4+ letters only
    for n in (7, 6, 5, 4):
        if len(word) > n and word[:n] in _TARGET_SET:
            return True
    return False


# --------------------------------------------------------------------------- obfuscation passes
_SEP = r"[.\-_*·•|/+~]"
_DOTTED_RE = re.compile(r"(?<![\w.])([^\W\d_])(?:" + _SEP + r"[^\W\d_]){2,}(?![\w])")
_DOTTED_SPLIT_RE = re.compile(_SEP)
# three one-character words in a row ("n u d"); written to start at the blank after the first
# one (`re` jumps from blank to blank), which a look-behind checks is a lone character
_SPACED_CANDIDATE_RE = re.compile(r"[ \t](?<=(?<!\w)\w[ \t])[ \t]*\w[ \t]+\w(?!\w)")
_SPLIT_WS_RE = re.compile(r"(\s+)")
_INNER_RE = re.compile(r"(?<![\w*])([^\W\d_]+(?:[*\-.'’_]+[^\W\d_]+)+\*?|[^\W\d_]+\*+(?![\w*]))")
_LEET_RE = re.compile(r"(?<![\w@$!|])[\w@$!|]*[0-9@$!|][\w@$!|]*")
_LEET_TABLE = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l", "8": "b"})
_LEET_TABLE_L = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l", "8": "b"})
_REPEAT_RE = re.compile(r"([^\W\d_wx\u3000-\u9fff\uac00-\ud7af\u3130-\u318f\u0600-\u06ff\u0900-\u097f])\1{2,}")
_WS_RE = re.compile(r"\s+")
_LEET_PRE_RE = re.compile(r"[0-9@$!|]")
_REPEAT_PRE_RE = re.compile(r"(.)\1\1")
_LETTER_RE = re.compile(r"[^\W\d_]")
_TRAILING_DIGITS_RE = re.compile(r"^[^\W\d_]+\d+$|^\d+[^\W\d_]{1,3}$")
# Cheap necessary conditions (a pattern that starts with a character class is scanned fast by `re`):
# if the pre-check finds nothing, the full pattern cannot match either.
_DOTTED_PRE = re.compile(r"[.\-_*·•|/+~][^\W\d_][.\-_*·•|/+~]")   # sep, letter, sep
_SPACED_PRE = re.compile(r"[ \t]\w[ \t]")                         # a one-letter word between blanks
_INNER_PRE = re.compile(r"[*\-.'’_][^\W\d_]|\*")                  # punctuation then a letter, or "*"
# a leet character touching a letter; written to start with the leet class so that `re` skips to
# the rare leet characters instead of trying a branch at every letter (3.7 -> 0.4 µs a post)
_LEET_ADJ_PRE = re.compile(r"[0-9@$!|](?:(?<=[^\W\d].)|(?=[^\W\d]))")


def _split_pairs() -> list[tuple[str, str]]:
    """Target words cut in two by one blank: ("un", "dress"), ("nu", "dify"), ..."""
    pairs = set()
    for t in ("undress", "nudify", "naked", "nudes", "deepnude", "nudity", "clothes"):
        if len(t) >= 5 and t.isalpha():
            for k in range(1, min(4, len(t) - 1) + 1):
                if len(t) - k <= 6:
                    pairs.add((t[:k], t[k:]))
    return sorted(pairs, key=lambda p: (-len(p[0]) - len(p[1]), p[0] + " " + p[1]))


_PAIRS = _split_pairs()
_PAIR_RE = re.compile("|".join(re.escape(a + " " + b) for a, b in _PAIRS))
_PAIR_FIRST = frozenset(a for a, _b in _PAIRS)
_PAIR_SECOND = frozenset(b for _a, b in _PAIRS)


def _pair_sub(m: re.Match) -> str:
    s, a, b = m.string, m.start(), m.end()
    if (a and s[a - 1].isalnum()) or (b < len(s) and s[b].isalnum()):
        return m.group()
    return m.group().replace(" ", "")


def _join_spaced(text: str) -> tuple[str, bool]:
    """Join runs of 3+ single letters separated by blanks ("n u d i f y"), and 2-3 short tokens
    whose concatenation is a target word ("un dress", "nu dify")."""
    parts = _SPLIT_WS_RE.split(text)
    # parts alternates word, space, word, space...
    words = parts[0::2]
    spaces = parts[1::2]
    n = len(words)
    changed = False
    out: list[str] = []
    i = 0
    while i < n:
        w = words[i]
        if len(w) == 1 and w.isalpha():
            j = i
            while j + 1 < n and len(spaces[j]) <= 3:
                nxt = words[j + 1]
                if len(nxt) == 1 and nxt.isalpha():
                    j += 1
                    continue
                if 2 <= len(nxt) <= 3 and nxt[0].isalpha() and not nxt[1:].strip(".,!?:;)»\"'") :
                    j += 1  # last letter followed by punctuation: "s."
                break
            if j - i + 1 >= 3:
                out.append("".join(words[i:j + 1]))
                if j < n - 1:
                    out.append(" ")
                i = j + 1
                changed = True
                continue
        out.append(w)
        if i < n - 1:
            out.append(spaces[i])
        i += 1
    if not changed:
        return text, False
    return "".join(out), True


def _fill_asterisks(word: str) -> str:
    """'n*ked' -> 'naked' when one target word fits the pattern; otherwise drop the asterisks."""
    core = word.strip("*")
    n = len(core)
    cands = _TARGET_BY_LEN.get(n, [])
    for cand in cands:
        ok = True
        for a, b in zip(core, cand):
            if a != "*" and a != b:
                ok = False
                break
        if ok:
            return cand
    return core.replace("*", "")


def _inner_sub(m: re.Match) -> str:
    w = m.group(1)
    if "*" in w:
        return _fill_asterisks(w)
    joined = _DOTTED_SPLIT_RE.sub("", w).replace("'", "").replace("’", "")
    if joined != w and _is_target(joined):
        return joined
    return w


def _leet_sub(m: re.Match) -> str:
    w = m.group()
    letters = len(_LETTER_RE.findall(w))
    if letters < 2:
        return w
    if w[0] == "@" or w[-1] in "!|":  # handles, exclamations
        head = w[0] if w[0] == "@" else ""
        core = w[1:] if head else w
        core = core.rstrip("!|")
        tail = w[len(head) + len(core):]
        if not core or core == w:
            return w
        return head + _leet_sub_core(core) + tail
    return _leet_sub_core(w)


_LEET_TABLE_CYR = str.maketrans({"0": "о", "1": "і", "3": "з", "4": "ч", "6": "б", "@": "а", "$": "с"})
_HAS_CYR_RE = re.compile("[\u0400-\u04ff]")


def _leet_sub_core(w: str) -> str:
    if _HAS_CYR_RE.search(w):
        return w.translate(_LEET_TABLE_CYR)
    new = w.translate(_LEET_TABLE)
    if new == w:
        return w
    if _TRAILING_DIGITS_RE.match(w):  # mp4, covid19, 4k, 3d, gpt4, NUDE50: leet only if it spells a target
        if new in _TARGET_SET:
            return new
        alt = w.translate(_LEET_TABLE_L)
        return alt if alt in _TARGET_SET else w
    if not _is_target(new):
        alt = w.translate(_LEET_TABLE_L)
        if _is_target(alt):
            return alt
    # need a letter on each side of at least one substituted char, or a target word
    return new


def _deobfuscate(seg: str, tricks: set[str]) -> str:
    if _DOTTED_PRE.search(seg) and _DOTTED_RE.search(seg):
        new = _DOTTED_RE.sub(lambda m: _DOTTED_SPLIT_RE.sub("", m.group()), seg)
        if new != seg:
            tricks.add("inner punctuation")
            seg = new
    if _SPACED_PRE.search(seg) and _SPACED_CANDIDATE_RE.search(seg):
        new, ch = _join_spaced(seg)
        if ch:
            tricks.add("spaced letters")
            seg = new
    if _PAIR_RE.search(seg):
        new = _PAIR_RE.sub(_pair_sub, seg)
        if new != seg:
            tricks.add("spaced letters")
            seg = new
    if _INNER_PRE.search(seg):
        new = _INNER_RE.sub(_inner_sub, seg)
        if new != seg:
            tricks.add("inner punctuation")
            seg = new
    if _LEET_ADJ_PRE.search(seg) and _LEET_RE.search(seg):
        new = _LEET_RE.sub(_leet_sub, seg)
        if new != seg:
            # digits that only moved between tokens do not count as leetspeak
            tricks.add("leetspeak")
            seg = new
    if _REPEAT_PRE_RE.search(seg) and _REPEAT_RE.search(seg):
        seg = _REPEAT_RE.sub(r"\1", seg)
        tricks.add("repeated letters")
    return seg


# --------------------------------------------------------------------------- accent folding
def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)) + list(range(0x370, 0x400)):
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)
        stripped = "".join(c for c in base if not unicodedata.combining(c))
        if stripped and stripped != ch and len(stripped) == 1:
            table[cp] = stripped
    table.update({ord(k): v for k, v in {
        "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h",
        "ё": "е", "ґ": "г", "ـ": "", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
        "ؤ": "و", "ئ": "ي",
    }.items()})
    for cp in range(0x064B, 0x0660):  # Arabic harakat
        table[cp] = ""
    table[0x0670] = ""
    return table


_FOLD_TABLE = _build_fold_table()
_FOLD_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FOLD_TABLE)) + "]")


def _fold_char(m: re.Match) -> str:
    return _FOLD_TABLE[ord(m.group())]
_PUNCT_RE = re.compile(r"[^\w$€£¥₽₹₩₺%+?!@#/:.\s]|_")
_MARKS = "\u0300-\u036f\u0900-\u097f\u0980-\u0dff\u0e00-\u0e7f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\u064b-\u065f\u0670"
_MATCH_CLEAN_RE = re.compile("[^\\w$€£¥₽₹₩₺%+?!@#" + _MARKS + "]+")


def fold_accents(text: str) -> str:
    """Strip Latin / Greek accents and Arabic diacritics; Devanagari, Hangul, kana are untouched."""
    if not _FOLD_RE.search(text):
        return text
    return _FOLD_RE.sub(_fold_char, text)


# --------------------------------------------------------------------------- word by word, cached
# Most of the de-obfuscation works inside one blank-free word, and the same words come back in post
# after post, so a segment whose whitespace-crossing passes (spaced letters, split words) have
# nothing to do is de-obfuscated word by word through a cache. The result is the same as
# `_deobfuscate` on the whole segment: no pattern of the word passes contains a blank and their
# look-arounds see a blank and a string end alike. Words of letters joined by dots or dashes
# ("n.u.d.e") take the whole-segment path, since joining them can create a spaced-letter run.
_WORD_CACHE: dict[str, str] = {}             # word -> de-obfuscated word
_WORD_TRICKS: dict[str, tuple[str, ...]] = {}  # word -> tricks undone in it (only when some were)
# cached words that can hold the first / second half of a split target word ("un" / "dress"): its
# letters and digits at the word's end / start are such a half. A split word needs both.
_PAIR_ENDS: set[str] = set()
_PAIR_STARTS: set[str] = set()
_ONE_LETTER: set[str] = set()                # cached one-character words (the middle of "n u d")
_MATCH_CACHE: dict[str, str] = {}             # de-obfuscated word -> its matching channel
_CACHE_MAX = 100_000        # entries per cache (then it starts afresh)
_CACHE_WORD_MAX = 48        # longer words are not cached (hostile input cannot fill memory)
_ALNUM_START = re.compile(r"[^\W_]*")
_ALNUM_END = re.compile(r"[^\W_]*\Z")


_WORD_CACHES = (_WORD_CACHE, _WORD_TRICKS, _PAIR_ENDS, _PAIR_STARTS, _ONE_LETTER)
_EMPTIED = [0]  # how many times the word caches were emptied (a reader in another thread checks)


# Writers (filling, emptying) take this lock, so that a word is never in the cache without its
# flags; readers take none and check _EMPTIED instead.
_WRITE_LOCK = threading.Lock()


def _empty_word_caches() -> None:
    with _WRITE_LOCK:
        for cache in _WORD_CACHES:
            cache.clear()
        _EMPTIED[0] += 1  # after: a reader that started before the caches were all empty sees it


def clear_caches() -> None:
    """Empty the word caches (they refill as texts come; a benchmark calls this to measure a
    stream of unseen texts)."""
    _empty_word_caches()
    _MATCH_CACHE.clear()


def _cache_words(words: list[str]) -> None:
    """De-obfuscate new words into the cache. Words over the size limit and words of letters
    joined by dots or dashes are left out (their segments take the whole-segment path). A word's
    flags and tricks are stored before the word itself, so a reader in another thread that finds
    the word also finds them."""
    with _WRITE_LOCK:
        _cache_words_locked([w for w in words if len(w) <= _CACHE_WORD_MAX])


def _cache_words_locked(words: list[str]) -> None:
    for w in words:
        if w.isalnum():  # the word is its own run of letters and digits at both ends
            start = end = w
        else:
            start, end = _ALNUM_START.match(w).group(), _ALNUM_END.search(w).group()
        if end in _PAIR_FIRST:
            _PAIR_ENDS.add(w)
        if start in _PAIR_SECOND:
            _PAIR_STARTS.add(w)
        if len(w) == 1:
            _ONE_LETTER.add(w)
    # A pass can only change a word its pre-check matches in. No pre-check matches a blank, so
    # its matches in the joined words are its matches in each word: the words they fall in go
    # through the passes, the others are cached unchanged.
    joined = " ".join(words)
    starts: list[int] = []
    for pre in (_DOTTED_PRE, _INNER_PRE, _LEET_ADJ_PRE, _REPEAT_PRE_RE):
        starts.extend(m.start() for m in pre.finditer(joined))
    if starts:
        offsets = list(accumulate(len(w) + 1 for w in words))  # offsets[i]: just past word i
        for i in sorted({bisect_right(offsets, p) for p in starts}):
            w = words[i]
            if not (_DOTTED_PRE.search(w) and _DOTTED_RE.search(w)):
                tricks: set[str] = set()
                out = _deobfuscate(w, tricks)
                if tricks:
                    _WORD_TRICKS[w] = tuple(tricks)
                _WORD_CACHE[w] = out
            words[i] = ""
    _WORD_CACHE.update((w, w) for w in words if w)


def _deobfuscate_words(seg: str, tricks: set[str]) -> list[str]:
    """`_deobfuscate(seg, tricks).split()`, word by word when that gives the same result: every
    word cached, no one-letter word that could be inside spaced letters and no target word split
    in two ("un dress")."""
    if len(_WORD_CACHE) >= _CACHE_MAX:  # here, not while a segment is half looked up
        _empty_word_caches()
    emptied = _EMPTIED[0]
    words = seg.split()
    outs = list(map(_WORD_CACHE.get, words))
    if None in outs:
        _cache_words([w for w, o in zip(words, outs) if o is None])
        outs = list(map(_WORD_CACHE.get, words))
    if (None in outs
            or (not _ONE_LETTER.isdisjoint(words) and _SPACED_PRE.search(seg) and _SPACED_CANDIDATE_RE.search(seg))
            or (not _PAIR_STARTS.isdisjoint(words) and not _PAIR_ENDS.isdisjoint(words) and _PAIR_RE.search(seg))):
        return _deobfuscate(seg, tricks).split()
    if _EMPTIED[0] != emptied:  # another thread emptied the caches while the gates read them
        return _deobfuscate(seg, tricks).split()
    if outs != words:  # only a changed word has had tricks undone, and a changed word always has
        get = _WORD_TRICKS.get
        for w, o in zip(words, outs):
            if o != w:
                found = get(w)
                if found is None:  # another thread emptied the caches meanwhile: undo it again
                    _deobfuscate(w, tricks)
                else:
                    tricks.update(found)
    return outs


def _deobfuscate_segment(seg: str, tricks: set[str]) -> str:
    """`_deobfuscate(seg, tricks)` up to the amount of blank between words."""
    joined = " ".join(_deobfuscate_words(seg, tricks))
    if seg[:1].isspace():
        joined = " " + joined
    if seg[-1:].isspace():
        joined += " "
    return joined


def _match_words(words: list[str]) -> str:
    """The matching channel (accents folded, punctuation runs turned into blanks) of the text
    made of `words`: the words' own channels joined with blanks."""
    ms = list(map(_MATCH_CACHE.get, words))
    if None in ms:
        ms = [_match_word(w) if m is None else m for w, m in zip(words, ms)]
    if "" in ms:
        ms = [m for m in ms if m]
    return " ".join(ms)


def _match_word(word: str) -> str:
    if word.isascii() and word.isalnum():  # nothing to fold, nothing to clean
        m = word
    else:
        m = _MATCH_CLEAN_RE.sub(" ", fold_accents(word) if not word.isascii() else word).strip()
    if len(word) <= _CACHE_WORD_MAX:
        if len(_MATCH_CACHE) >= _CACHE_MAX:
            _MATCH_CACHE.clear()
        _MATCH_CACHE[word] = m
    return m


# --------------------------------------------------------------------------- main entry point
def normalize(text: str) -> Normalized:
    """Undo the evasion tricks in `text`. Linear time; safe on any str."""
    if not isinstance(text, str):
        text = str(text)
    tricks: set[str] = set()
    bait = sexual = wink = fancy = False
    if not text.isascii() and _SPECIAL_RE.search(text) is None:
        text = unicodedata.normalize("NFKC", text)
    elif not text.isascii():
        if _FULLWIDTH_LETTER_RE.search(text):
            tricks.add("fullwidth")
        if _FANCY_RE.search(text):
            tricks.add("homoglyphs")
            fancy = True
            text = text.translate(_PRE_TABLE)
        text = unicodedata.normalize("NFKC", text)
        if _EMOJI_RE.search(text):
            chars = set(text)  # every emoji character of the text is inside a match of _EMOJI_RE
            bait = not chars.isdisjoint(_BAIT)
            sexual = not chars.isdisjoint(_SEXUAL)
            wink = not chars.isdisjoint(_WINK)
            tricks.add("emoji")
            text = _EMOJI_RE.sub(" ", text)
        if _ZERO_WIDTH_RE.search(text):
            tricks.add("zero-width")
            text = _ZERO_WIDTH_RE.sub("", text)
        text = text.replace("\ufe0f", "").replace("\ufe0e", "")
    if not text.isprintable() and _CONTROL_RE.search(text):  # control characters are not printable
        text = _CONTROL_RE.sub(" ", text)
    if not text.isascii() and _CYR_GREEK_RE.search(text):
        text, ch = _fold_homoglyphs(text)
        if ch:
            tricks.add("homoglyphs")
    text = text.lower()
    # split around links (kept verbatim), de-obfuscate the rest
    links = list(_URL_RE.finditer(text)) if _URL_HINT_RE.search(text) else None
    if links:
        pieces: list[str] = []
        last = 0
        for m in links:
            pieces.append(_deobfuscate_segment(text[last:m.start()], tricks))
            pieces.append(m.group())
            last = m.end()
        pieces.append(_deobfuscate_segment(text[last:], tricks))
        words = "".join(pieces).split()  # same whitespace set as \s
    else:
        words = _deobfuscate_words(text, tricks)
    text = " ".join(words)
    match = _match_words(words)
    order = tuple(t for t in TRICKS if t in tricks) if tricks else ()
    # same as Normalized(...), without the frozen dataclass' per-field __init__ cost
    out = _new(Normalized)
    out.__dict__.update(text=text, tricks=order, match=match, emoji_bait=bait, emoji_sexual=sexual,
                        emoji_wink=wink, has_fancy=fancy)
    return out


_new = object.__new__
