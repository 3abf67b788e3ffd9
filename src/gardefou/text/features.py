"""Feature extraction: hashed character and word n-grams (vectorised with numpy, no vocabulary),
lexicon categories and structure cues (links, referral codes, bot handles, prices, emoji bait).

The hashed part is returned as COO triplets so that inference can score with a gather +
bincount (no sparse-matrix construction) while training builds a CSR matrix from the same
triplets. Everything is deterministic (no Python `hash`), so a model file is portable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress
from pathlib import Path
from typing import Any, Sequence

import ahocorasick
import numpy as np

from gardefou.text.lang import guess_lang
from gardefou.text.normalize import Normalized, normalize
from gardefou.text.normalize import clear_caches as _clear_word_caches

__all__ = [
    "FeatureConfig", "Batch", "featurize", "lexicon", "DENSE_NAMES", "LEX_CATEGORIES",
]

LEX_CATEGORIES = ("undress", "nude", "tool", "promo", "target", "upload", "request", "counter", "benign", "laundered", "review", "garment", "vanish")
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_P = np.uint64(0x100000001B3)            # FNV prime as polynomial base
_MIX = np.uint64(0x9E3779B97F4A7C15)     # Fibonacci hashing multiplier
_SALT_CHAR = np.uint64(0x27D4EB2F165667C5)
_SALT_WORD = np.uint64(0x165667B19E3779F9)
_SALT_BIGRAM = np.uint64(0xC2B2AE3D27D4EB4F)
_MAXPOW = 128


@dataclass(frozen=True)
class FeatureConfig:
    bits: int = 20
    char_min: int = 2
    char_max: int = 5
    char_weight: float = 1.5
    word_weight: float = 1.0
    bigram_weight: float = 0.7
    dense_weight: float = 1.0
    concept_weight: float = 0.0  # lexicon-category n-grams (tried; no gain on held-out)
    max_chars: int = 20000

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict) -> "FeatureConfig":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


# --------------------------------------------------------------------------- lexicon matcher
_LEX_PATH = Path(__file__).with_name("lexicons") / "lexicon.json"
_SUBSTRING_SCRIPT = re.compile("[\u0600-\u06ff\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")


def _trie_regex(terms: dict[str, bool]) -> str:
    """Regex for a set of terms as a trie (fast in `re`); value True = stem (open right end)."""
    trie: dict = {}
    for term, stem in terms.items():
        node = trie
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = node.get("", False) or stem  # end marker: stem flag
        node.setdefault("#", []).append(stem)

    def build(node: dict) -> str:
        alts = []
        for ch in sorted(k for k in node if k not in ("", "#")):
            alts.append(re.escape(ch) + build(node[ch]))
        end = None
        if "" in node:
            end = "" if any(node["#"]) else r"(?!\w)"
        if end is not None:
            alts.append(end)
        if not alts:
            return ""
        if len(alts) == 1:
            return alts[0] if end is None or alts[0] == end else "(?:" + alts[0] + ")"
        return "(?:" + "|".join(alts) + ")"

    return build(trie)


@dataclass(frozen=True)
class Lexicon:
    whole: dict          # single-token whole-word term -> cats
    stems: dict          # single-token stem -> cats
    stem_lens: tuple     # distinct stem lengths, longest first
    multi: dict          # first token -> (second token -> candidates, candidates for any other second token)
    sub_terms: Any       # Aho-Corasick automaton of the substring terms (CJK, Hangul, Arabic, Devanagari) or None
    sub_cats: dict       # substring term -> categories
    short_langs: dict    # short Latin-script key (<= 4 letters) -> languages it was listed for


_TOKEN_STRIP = "$€£¥₽₹₩₺%?!@#"
_LATIN_TERM = re.compile(r"[a-z0-9' ]+")
_ARABIC_RE = re.compile("[\u0600-\u06ff]")
_TOKEN_CACHE: dict[str, tuple | int] = {}  # raw token -> _token_entry(token)
_SUB_HINT = re.compile("[\u0600-\u06ff\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = json.loads(_LEX_PATH.read_text(encoding="utf-8"))
    # per-language additions: lexicons/more/LANG.json = {category: [terms]}
    for extra in sorted(_LEX_PATH.parent.joinpath("more").glob("*.json")):
        for cat, terms in json.loads(extra.read_text(encoding="utf-8")).items():
            if cat in LEX_CATEGORIES:
                by_lang = raw.setdefault(cat, {})
                by_lang[extra.stem] = list(by_lang.get(extra.stem, [])) + [t for t in terms if isinstance(t, str)]
    whole: dict[str, set[int]] = {}
    stems: dict[str, set[int]] = {}
    multi: dict[str, list] = {}
    sub: dict[str, set[int]] = {}
    short_langs: dict[str, set[str]] = {}
    for ci, cat in enumerate(LEX_CATEGORIES):
        for lang, terms in raw.get(cat, {}).items():
            for term in terms:
                stem = term.endswith("*")
                t = normalize(term.rstrip("*")).match.strip()
                if not t:
                    continue
                if len(t) <= 4 and _LATIN_TERM.fullmatch(t):
                    short_langs.setdefault(t, set()).add(lang)
                if _SUBSTRING_SCRIPT.search(t):
                    if len(t) >= 2 and not (len(t) < 3 and _ARABIC_RE.search(t)) or t == "裸":
                        sub.setdefault(t, set()).add(ci)
                    continue
                toks = [x.strip(_TOKEN_STRIP) or x for x in t.split(" ")]
                if len(toks) == 1:
                    (stems if stem else whole).setdefault(toks[0], set()).add(ci)
                else:
                    multi.setdefault(toks[0], []).append((tuple(toks[1:]), stem, " ".join(toks), ci))
    # merge multi entries with the same term
    mm: dict[str, list] = {}
    for first, entries in multi.items():
        by_term: dict[tuple, set[int]] = {}
        for rest, stem, term, ci in entries:
            by_term.setdefault((rest, stem, term), set()).add(ci)
        ordered = sorted(((r, st, (te, tuple(sorted(c)))) for (r, st, te), c in by_term.items()), key=lambda e: -len(e[0]))
        mm[first] = _index_by_second(ordered)
    sub_cats = {k: tuple(sorted(v)) for k, v in sub.items()}
    sub_terms = ahocorasick.Automaton()
    for term, cats in sub_cats.items():
        if len(term) >= 2:
            sub_terms.add_word(term, (len(term), (term, cats)))
    if len(sub_terms):
        sub_terms.make_automaton()
    return Lexicon(
        {k: tuple(sorted(v)) for k, v in whole.items()},
        {k: tuple(sorted(v)) for k, v in stems.items()},
        tuple(sorted({len(k) for k in stems}, reverse=True)),
        mm, sub_terms if len(sub_terms) else None, sub_cats,
        {k: frozenset(v) for k, v in short_langs.items()},
    )


def _index_by_second(ordered: list) -> tuple[dict, list]:
    """Multi-word candidates of one first token, indexed by their second token so that a common
    first word ("foto", "la", "в") only tries the few terms whose second word is the next token.
    A two-word term ending in a stem ("remove cloth*") matches any second token that starts with
    the stem, so it is a candidate for every second token. Each list keeps the longest-first order."""
    def is_loose(e) -> bool:
        return e[1] and len(e[0]) == 1

    loose = [e for e in ordered if is_loose(e)]
    seconds = {e[0][0] for e in ordered if not is_loose(e)}
    return {s: [e for e in ordered if is_loose(e) or e[0][0] == s] for s in seconds}, loose


def clear_caches() -> None:
    """Empty the caches of normalised words and lexicon look-ups (they refill as texts come)."""
    _TOKEN_CACHE.clear()
    _clear_word_caches()


def _token_entry(raw_tok: str, lex: Lexicon):
    """For one raw token: 0 when it starts no lexicon term, otherwise (stripped token, (token,
    categories) or None, multi-word entries or None, languages a short word is limited to)."""
    tok = raw_tok.strip(_TOKEN_STRIP)
    key = tok
    c = lex.whole.get(tok)
    if c is None:
        L = len(tok)
        for k in lex.stem_lens:
            if k <= L:
                c = lex.stems.get(tok[:k])
                if c is not None:
                    key = tok[:k]
                    break
    if c is None and len(tok) >= 7:
        c = _embedded_core(tok)
    ms = lex.multi.get(tok)
    if (c is None or not tok) and not ms:
        return 0
    if c is None:
        return tok, None, ms, None
    return tok, (tok, c) if tok else None, ms, lex.short_langs.get(key)


# Brand names and hashtags glue the core words to others ("deepundress", "gratisnude",
# "nakedlens", "#undressai"): a token that holds one of these stems anywhere counts for the
# stem's categories. Only long, unambiguous Latin stems; "nudel" (noodle) is excluded.
_EMBEDDED_CORE = {"undress": "undress", "nudif": "undress", "deepnud": "undress", "clothoff": "undress",
                  "nude": "nude", "naked": "nude", "nackt": "nude"}
_EMBEDDED_RE = re.compile("|".join(sorted(_EMBEDDED_CORE, key=len, reverse=True)))


def _embedded_core(tok: str) -> tuple[int, ...] | None:
    m = _EMBEDDED_RE.search(tok)
    if m is None or tok.startswith("nudel", m.start()):
        return None
    return (LEX_CATEGORIES.index(_EMBEDDED_CORE[m.group()]),)


def lexicon_matches(match_text: str, lang: str | None = None) -> list[tuple[str, tuple[int, ...]]]:
    """Lexicon terms found in a matching-channel text: [(term, category indices)].

    With `lang` (a confident guess for a Latin-script text), short words listed only for other
    languages are skipped: Indonesian "dia" (she) is not a target cue in Spanish ("día"), nor
    Turkish "at" (send) an upload cue in English, nor Portuguese "pres*" a court cue in "presale".
    """
    lex = lexicon()
    out: list[tuple[str, tuple[int, ...]]] = []
    toks = match_text.split(" ")
    entries = list(map(_TOKEN_CACHE.get, toks))
    if None in entries:
        if len(_TOKEN_CACHE) > 200000:
            _TOKEN_CACHE.clear()
        for i, e in enumerate(entries):
            if e is None:
                rt = toks[i]
                e = entries[i] = _token_entry(rt, lex)
                if len(rt) <= 64:  # long (hostile) tokens are not kept: the cache stays small
                    _TOKEN_CACHE[rt] = e
    n = len(entries)
    strip = _TOKEN_STRIP
    for i in compress(range(n), entries):  # the tokens that start some term
        tok, item, ms, short = entries[i]
        if item is not None and (short is None or lang is None or lang in short or "en" in short):
            out.append(item)
        if ms and i + 1 < n:
            t2 = entries[i + 1]
            by_second, loose = ms
            for rest, stem, found in by_second.get(t2[0] if t2 else toks[i + 1].strip(strip), loose):
                r = len(rest)
                if i + r >= n:
                    continue
                ok = True
                for j in range(r):
                    t2 = entries[i + 1 + j]
                    t2 = t2[0] if t2 else toks[i + 1 + j].strip(strip)
                    want = rest[j]
                    if t2 != want and not (stem and j == r - 1 and t2.startswith(want)):
                        ok = False
                        break
                if ok:
                    out.append(found)
                    break
    if lex.sub_terms is not None and not match_text.isascii() and _SUB_HINT.search(match_text):
        # Scripts written without blanks between words (or with terms inside words): left to
        # right, the longest term starting at a position wins and the next term is looked for
        # after it, so matches do not overlap. The Aho-Corasick automaton finds every
        # occurrence in one pass in C; the choice among them is made here.
        t = match_text
        longest: dict[int, tuple[int, tuple]] = {}
        for end, (size, found) in lex.sub_terms.iter(t):
            start = end - size + 1
            if start not in longest or size > longest[start][0]:
                longest[start] = (size, found)
        pos = 0
        for start in sorted(longest):
            if start >= pos:
                size, found = longest[start]
                out.append(found)
                pos = start + size
        if "裸" in t and "裸" in lex.sub_cats:
            out.append(("裸", lex.sub_cats["裸"]))
    return out


# --------------------------------------------------------------------------- structure cues
_RX = {
    "url": re.compile(r"https?://|www\.|(?<![\w-])[\w-]{2,}+\.(?:com|net|org|io|ai|app|me|co|cc|xyz|site|online|pro|ru|su|ly|gg|to|info|biz|club|top|vip|live|fun|link|store|shop|tech|bot|de|fr|es|it|nl|pl|br|id|jp|kr|cn|tr|ua|in)\b", re.I),
    "obfuscated_domain": re.compile(r"\[\s?\.\s?\]|\(\s?\.\s?\)|\{\s?\.\s?\}|\s(?:dot|\[dot\]|\(dot\)|точка|punto|ponto|nokta|titik)\s(?:com|app|ai|io|me|net|org|ru|xyz|cc|pro|site|bot)\b", re.I),
    "referral": re.compile(r"[?&](?:ref|aff|affiliate|via|invite|promo|code|r|partner|utm_source|utm_campaign|click_id|sub\d?|tag)=|/(?:r|ref|invite|aff|a|go|partner)/\w|\b(?:ref|promo|invite|referral|bonus)\s?(?:code|link)\b|\bcode\s*[:：]?\s*[A-Z0-9]{4,}\b", re.I),
    "telegram": re.compile(r"t\.me/|telegram\.(?:me|dog)|tg://|@\w{3,}bot\b|\b\w{3,}_bot\b", re.I),
    "handle": re.compile(r"(?<![\w.])@\w{3,}"),
    "shortener": re.compile(r"\b(?:bit\.ly|tinyurl\.com|cutt\.ly|t\.co|goo\.gl|is\.gd|rb\.gy|shorturl\.at|ow\.ly|tiny\.cc|linktr\.ee|rebrand\.ly|s\.id|clck\.ru|v\.gd|buff\.ly|lnkd\.in|bit\.do|t\.ly|shorte\.st|beacons\.ai)\b", re.I),
    "price": re.compile(r"[$€£¥₽₹₩₺]\s?\d|\d\s?(?:[$€£¥₽₹₩₺]|usd|eur|usdt|rub|руб|грн|tl|lira|rp|円|元|원|rs|zł|zl|pln|reais|r\$)(?!\w)|\b(?:usd|eur|rp|r\$|rs\.?)\s?\d|(?<![\d.,])\d++[.,]?\d*+\s?(?:/\s?(?:mo|month|week|mes|mois|monat|мес))", re.I),
    "number_free": re.compile(r"\b\d+\s?(?:free|gratis|бесплатн|безкоштовн|kostenlos|gratuit|ücretsiz|ucretsiz)|(?:free|gratis)\s?\d|(?<!\d)\d++\s?(?:credits|coins|tokens|kredit|crediti|créditos|creditos|кредит|монет|токен|jeton|koin|積分|积分|金币|크레딧|코인|クレジット|コイン)", re.I),
    "percent": re.compile(r"\d\s?%"),
    "question": re.compile(r"[?？؟]"),
    "quote": re.compile(r"[\"“”«»„‘’「」『』]"),
    "year": re.compile(r"\b(?:19|20)\d\d\b"),
    "hashtag": re.compile(r"(?<!\w)#\w"),
}
# Rewrites with the same truth value, for speed. A leading look-ahead on the possible first
# characters makes each failing position cheap; starting by consuming one of them is better still
# (`re` then jumps between those characters), where the pattern allows it.
# Price, free-credit and year patterns rewritten so that each starts by consuming a currency sign
# or a digit: `re` then jumps from one such character to the next instead of trying every
# position (a leading look-ahead does not give that). After the first digit of a number, the
# word before it ("usd 5", "free 3") is checked with fixed-width look-behinds that include that
# digit, and a unit ("5 $", "30 credits") must follow the whole run of digits (a unit never starts
# with a digit). Same truth value as the patterns above (tested on the corpus and fuzzed text).
_CURRENCY = "$€£¥₽₹₩₺"
_WORD_THEN_DIGIT = "|".join(f"(?<={w}\\d)|(?<={w}\\s\\d)" for w in (r"\busd", r"\beur", r"\brp", r"\br\$", r"\brs", r"\brs\."))
_FREE_THEN_DIGIT = "|".join(f"(?<={w}\\d)|(?<={w}\\s\\d)" for w in ("free", "gratis"))
_RX["price"] = re.compile(
    rf"[{_CURRENCY}\d](?:(?<=[{_CURRENCY}])\s?\d|(?<=\d)(?<!\d\d)(?:"
    rf"\d*+\s?(?:[{_CURRENCY}]|usd|eur|usdt|rub|руб|грн|tl|lira|rp|円|元|원|rs|zł|zl|pln|reais|r\$)(?!\w)"
    rf"|{_WORD_THEN_DIGIT}"
    r"|(?<![.,]\d)\d*+[.,]?\d*+\s?(?:/\s?(?:mo|month|week|mes|mois|monat|мес))))", re.I)
_RX["number_free"] = re.compile(
    r"\d(?<!\d\d)(?:(?<=\b\d)\d*+\s?(?:free|gratis|бесплатн|безкоштовн|kostenlos|gratuit|ücretsiz|ucretsiz)"
    rf"|{_FREE_THEN_DIGIT}"
    r"|\d*+\s?(?:credits|coins|tokens|kredit|crediti|créditos|creditos|кредит|монет|токен|jeton|koin|積分|积分|金币|크레딧|코인|クレジット|コイン))", re.I)
_RX["year"] = re.compile(r"[12](?<=\b[12])(?:(?<=1)9|(?<=2)0)\d\d\b")
_RX["referral"] = re.compile(r"(?=[?&/rpibc])(?:" + _RX["referral"].pattern + ")", re.I)
_RX["shortener"] = re.compile(r"(?=[btcgirsolv])(?:" + _RX["shortener"].pattern + ")", re.I)
# The same matches found from the dot / "_bot" / "@" / "#" rather than from every word start: a
# run of 2+ name characters right before ".com" is what the possessive `[\w-]{2,}+\.` asked for,
# three word characters before "_bot" what `\b\w{3,}_bot` asked for.
_RX["url"] = re.compile(r"(?=[hw.])(?:https?://|www\.|(?<=[\w-][\w-])\.(?:" + _RX["url"].pattern.split(r"\.(?:", 1)[1] + ")", re.I)
_RX["telegram"] = re.compile(r"(?=[tg@_])(?:t\.me/|telegram\.(?:me|dog)|tg://|@\w{3,}bot\b|(?<=\w\w\w)_bot\b)", re.I)
_RX["handle"] = re.compile(r"@(?<![\w.]@)\w{3,}")
_RX["hashtag"] = re.compile(r"#(?<!\w#)\w")
# the "question" and "quote" cues are one-character classes: found with the set of their characters
_QUESTION_CHARS = frozenset(_RX["question"].pattern[1:-1])
_QUOTE_CHARS = frozenset(_RX["quote"].pattern[1:-1].replace("\\", ""))
_STRUCT_NAMES = tuple(_RX)
_LINKISH = {"url", "obfuscated_domain", "referral", "telegram", "shortener"}

DENSE_NAMES: tuple[str, ...] = (
    tuple(f"lex:{c}" for c in LEX_CATEGORIES)
    + tuple(f"has:{c}" for c in LEX_CATEGORIES)
    + tuple(f"struct:{s}" for s in _STRUCT_NAMES)
    + ("emoji:bait", "emoji:sexual", "emoji:wink", "len:short", "len:medium", "len:long", "len:log")
    + (
        "x:undress*promo", "x:undress*target", "x:undress*upload", "x:undress*request",
        "x:undress*counter", "x:undress*link", "x:nude*tool", "x:nude*target", "x:nude*promo",
        "x:undress*tool", "x:nude*counter", "x:undress*benign", "x:nude*benign", "x:counter-only",
        "x:undress*question", "x:nude*upload", "x:nude*request", "x:undress*short",
        "x:laundered*tool", "x:laundered*upload", "x:laundered*target", "x:laundered*promo", "x:laundered*wink",
        "x:laundered*benign", "x:counter*upload", "x:counter*promo",
        "x:review*undress", "x:review*nude", "x:review*tool", "x:review*counter",
        "x:garment*vanish", "x:garment*vanish*target", "x:garment*vanish*upload", "x:garment*vanish*benign",
        "x:garment*vanish*tool", "x:garment*vanish*counter", "x:garment*laundered",
    )
    + ("link:provider", "link:lookalike", "link:referral", "link:telegram", "link:shortener", "link:app_store", "link:any")
)
# Pairwise "concept" features: every pair of the language-independent cues below (lexicon
# categories, links, prices, free-credit offers, bot handles, questions, emoji bait, short text).
# They let the linear model learn compositions such as remove-verb x clothing, undressing term x
# person target, review cue x tool, request cue x nudity term, counter-cue x link (a moderator's
# note quoting an ad) that generalise across phrasings and languages.
_PAIR_BASE = tuple(f"has:{c}" for c in LEX_CATEGORIES) + (
    "struct:price", "struct:number_free", "struct:question", "struct:referral", "telegram", "link",
    "emoji:bait", "len:short", "link:provider",
)
_PAIRS = tuple((a, b) for i, a in enumerate(_PAIR_BASE) for b in _PAIR_BASE[i + 1:])
DENSE_NAMES = DENSE_NAMES + tuple(f"p:{a}*{b}" for a, b in _PAIRS)
_DENSE_INDEX = {n: i for i, n in enumerate(DENSE_NAMES)}


def _concept_ids():
    """Stable hashed column ids for lexicon-category bigrams / trigrams ("concept n-grams")."""
    def h(key: str) -> int:
        x = 1469598103934665603
        for ch in key.encode():
            x = ((x ^ ch) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
        return (x * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF) >> 44  # 20 bits
    m = len(LEX_CATEGORIES)
    two = [[h(f"c2:{a}>{b}") for b in range(m)] for a in range(m)]
    three = {}
    for a in range(m):
        for b in range(m):
            for c in range(m):
                three[(a * 16 + b) * 16 + c] = h(f"c3:{a}>{b}>{c}")
    return two, three


_CONCEPT2, _CONCEPT3 = _concept_ids()


@dataclass
class Batch:
    """Features of a batch of texts. Hashed part: COO (rows, cols, vals); dense part: (n, k)."""

    n: int
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    dense: np.ndarray
    norms: list[Normalized]
    lex: list[list[tuple[str, tuple[int, ...]]]]
    links: list[list]
    # word token spans in `joined` for explanations
    joined: str
    word_rows: np.ndarray
    word_cols: np.ndarray
    word_vals: np.ndarray
    word_start: np.ndarray
    word_end: np.ndarray
    langs: list  # guessed language per text (None when there is nothing to go on)


def _pows() -> np.ndarray:
    out = np.empty(_MAXPOW, dtype=np.uint64)
    acc = 1
    for i in range(_MAXPOW):
        out[i] = acc
        acc = (acc * int(_P)) & 0xFFFFFFFFFFFFFFFF
    return out


_POW = _pows()


def _bucket(h: np.ndarray, bits: int) -> np.ndarray:
    return ((h * _MIX) >> np.uint64(64 - bits)).astype(np.int64)


def _hashed(texts: list[str], cfg: FeatureConfig):
    """Vectorised hashed char n-grams and word uni/bigrams over the matching channel."""
    padded = [" " + t + " " for t in texts]
    joined = "\x00".join(padded) + "\x00" * (cfg.char_max + 1)
    n = len(texts)
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    N = cp.shape[0]
    lengths = np.fromiter((len(t) + 1 for t in padded), dtype=np.int64, count=n)
    row_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    row_of = np.concatenate([row_of, np.full(N - row_of.shape[0], n - 1, dtype=np.int64)])[:N]
    c = cp.astype(np.uint64)
    is_sep = cp == 0
    cs = np.concatenate(([0], np.cumsum(is_sep, dtype=np.int64)))
    rows_l, cols_l, vals_l = [], [], []
    # ---- char n-grams: those that do not cross a separator, i.e. len(padded text) - k + 1 of
    # each size k per text, in text order (so their rows and weights are repeats, not gathers)
    char_counts = np.zeros(n, dtype=np.float64)
    parts = []
    per_text = []
    rows_n = np.arange(n, dtype=np.int64)
    h = c * _SALT_CHAR
    for k in range(2, cfg.char_max + 1):
        h = h[:-1] * _P + c[k - 1:]
        if k < cfg.char_min:
            continue
        m = N - k + 1
        valid = (cs[k:k + m] - cs[:m]) == 0
        idx = np.nonzero(valid)[0]
        parts.append(_bucket(h[idx] + np.uint64(k), cfg.bits))
        per_text.append(np.maximum(lengths - k, 0))  # lengths count the separator: len + 2 - k + 1
    if parts:
        char_counts = np.add.reduce(per_text).astype(np.float64)
        inv = cfg.char_weight / np.sqrt(np.maximum(char_counts, 1.0))
        rows_l.append(np.concatenate([np.repeat(rows_n, cnt) for cnt in per_text]))
        cols_l.append(np.concatenate(parts))
        vals_l.append(np.concatenate([np.repeat(inv, cnt) for cnt in per_text]))
    # ---- words (space-separated tokens of the matching channel)
    is_b = (cp == 32) | is_sep
    pos_idx = np.arange(N, dtype=np.int64)
    last_b = np.maximum.accumulate(np.where(is_b, pos_idx, -1))
    wpos = pos_idx - last_b - 1
    inword = ~is_b
    starts_mask = inword & np.concatenate(([True], is_b[:-1]))
    ends_mask = inword & np.concatenate((is_b[1:], [True]))
    word_start = np.nonzero(starts_mask)[0]
    word_end = np.nonzero(ends_mask)[0] + 1
    if word_start.size:
        vals_c = c[inword] * _POW[np.minimum(wpos[inword], _MAXPOW - 1)]
        offs = np.cumsum(inword)[word_start] - 1
        wh = np.add.reduceat(vals_c, offs) + _SALT_WORD
        wrow = row_of[word_start]
        wcount = np.bincount(wrow, minlength=n).astype(np.float64)
        winv = cfg.word_weight / np.sqrt(np.maximum(wcount, 1.0))
        wcol = _bucket(wh, cfg.bits)
        wval = winv[wrow]
        same = wrow[:-1] == wrow[1:]
        bh = wh[:-1][same] * _SALT_BIGRAM + wh[1:][same]
        brow = wrow[:-1][same]
        bcol = _bucket(bh, cfg.bits)
        bval = (cfg.bigram_weight / np.sqrt(np.maximum(wcount, 1.0)))[brow]
        bstart = word_start[:-1][same]
        bend = word_end[1:][same]
        rows_l += [wrow, brow]
        cols_l += [wcol, bcol]
        vals_l += [wval, bval]
        word_rows = np.concatenate([wrow, brow])
        word_cols = np.concatenate([wcol, bcol])
        word_vals = np.concatenate([wval, bval])
        w_start = np.concatenate([word_start, bstart])
        w_end = np.concatenate([word_end, bend])
    else:
        word_rows = word_cols = w_start = w_end = np.zeros(0, dtype=np.int64)
        word_vals = np.zeros(0)
    rows = np.concatenate(rows_l) if rows_l else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(cols_l) if cols_l else np.zeros(0, dtype=np.int64)
    vals = np.concatenate(vals_l) if vals_l else np.zeros(0)
    return rows, cols, vals, joined, word_rows, word_cols, word_vals, w_start, w_end


_LINK_FLAGS = ("provider", "lookalike", "referral", "telegram", "shortener", "app_store", "any")
_PAIR_A = np.array([_PAIR_BASE.index(a) for a, _b in _PAIRS], dtype=np.int64)
_PAIR_B = np.array([_PAIR_BASE.index(b) for _a, b in _PAIRS], dtype=np.int64)
_PAIR_W = 0.5


def _assemble_dense(counts: np.ndarray, struct: np.ndarray, emo: np.ndarray, L: np.ndarray, lflags: np.ndarray) -> np.ndarray:
    """Dense feature matrix (n, len(DENSE_NAMES)) from lexicon counts, structure hits, emoji
    flags, matching-channel lengths and link flags (all vectorised)."""
    n = counts.shape[0]
    has = (counts > 0).astype(np.float64)
    und, nude, tool, promo, target, upload, req, counter, benign, laund, rev, garm, van = has.T
    q = struct[:, _STRUCT_NAMES.index("question")]
    has_link = np.maximum(lflags[:, -1], struct[:, _STRUCT_NAMES.index("url")])
    wink = emo[:, 2]
    short = (L < 60).astype(np.float64)
    gv = garm * van
    inter = np.column_stack([
        und * promo, und * target, und * upload, und * req, und * counter, und * has_link,
        nude * tool, nude * target, nude * promo, und * tool, nude * counter, und * benign,
        nude * benign, counter * (1.0 - und) * (1.0 - nude), und * q, nude * upload, nude * req,
        und * short,
        laund * tool, laund * upload, laund * target, laund * promo, laund * wink, laund * benign,
        counter * upload, counter * promo,
        rev * und, rev * nude, rev * tool, rev * counter,
        gv, gv * target, gv * upload, gv * benign, gv * tool, gv * counter, garm * laund,
    ]) if n else np.zeros((0, 37))
    lens = np.column_stack([short, ((L >= 60) & (L < 400)).astype(np.float64), (L >= 400).astype(np.float64),
                            np.log1p(L) / 8.0]) if n else np.zeros((0, 4))
    base = {f"has:{c}": has[:, i] for i, c in enumerate(LEX_CATEGORIES)}
    for nm_ in ("price", "number_free", "question", "referral"):
        base[f"struct:{nm_}"] = struct[:, _STRUCT_NAMES.index(nm_)]
    base["telegram"] = np.maximum(struct[:, _STRUCT_NAMES.index("telegram")], lflags[:, _LINK_FLAGS.index("telegram")])
    base["link"] = has_link
    base["emoji:bait"] = emo[:, 0]
    base["len:short"] = short
    base["link:provider"] = np.maximum(lflags[:, 0], lflags[:, 1])
    B = np.column_stack([base[k] for k in _PAIR_BASE]) if n else np.zeros((0, len(_PAIR_BASE)))
    pairs = B[:, _PAIR_A] * B[:, _PAIR_B]
    dense = np.hstack([np.log1p(np.minimum(counts, 63)), has, struct, emo, lens, inter, lflags, pairs * _PAIR_W])
    assert dense.shape[1] == len(DENSE_NAMES)
    return dense


def featurize(texts: Sequence[str], cfg: FeatureConfig, links_fn=None) -> Batch:
    """Normalise and featurise `texts`. `links_fn(raw_text) -> (flags dict, links list)`."""
    from gardefou.text.linkfeatures import _hint as _link_hint, link_features

    custom_links = links_fn is not None
    links_fn = links_fn or link_features
    norms = [normalize(t[: cfg.max_chars]) for t in texts]
    matches = [nm.match for nm in norms]
    rows, cols, vals, joined, wr, wc, wv, ws, we = _hashed(matches, cfg)
    n = len(texts)
    lex_all: list = []
    langs: list[str | None] = []
    links_all: list = []
    nc = len(LEX_CATEGORIES)
    rx_link = [(j, rx) for j, (name, rx) in enumerate(_RX.items()) if name in _LINKISH]
    j_handle, j_percent, j_question, j_quote, j_hashtag = (_STRUCT_NAMES.index(x) for x in ("handle", "percent", "question", "quote", "hashtag"))
    rx_handle, rx_percent, rx_hashtag = (_RX[x].search for x in ("handle", "percent", "hashtag"))
    digit_rx = [(_STRUCT_NAMES.index(x), _RX[x].search) for x in ("price", "number_free", "year")]
    assert set(_STRUCT_NAMES) - _LINKISH == {"handle", "percent", "question", "quote", "hashtag", "price", "number_free", "year"}
    c_rows: list[int] = []
    c_cols: list[int] = []
    c_vals: list[float] = []
    cw = cfg.concept_weight
    # per text, Python only finds things (lexicon terms, regex hits, links); the dense matrix is
    # then assembled with numpy.
    st_r: list[int] = []
    st_c: list[int] = []
    lk_r: list[int] = []
    lk_c: list[int] = []
    emo = np.zeros((n, 3))
    lengths = np.fromiter((len(nm.match) for nm in norms), dtype=np.float64, count=n)
    link_names = _LINK_FLAGS
    for ri, (raw, nm) in enumerate(zip(texts, norms)):
        raw = raw[: cfg.max_chars]
        lang, sure = guess_lang(raw)
        langs.append(lang)
        lm = lexicon_matches(nm.match, lang if sure else None)
        lex_all.append(lm)
        if cw and len(lm) > 1:
            seq = [cs_ for _t, cs_ in lm]
            feats = []
            for a_, b_ in zip(seq, seq[1:]):
                for x in a_:
                    for y in b_:
                        feats.append(_CONCEPT2[x][y])
            for a_, b_, c_ in zip(seq, seq[1:], seq[2:]):
                feats.append(_CONCEPT3[(a_[0] * 16 + b_[0]) * 16 + c_[0]])
            v = cw / (len(feats) ** 0.5)
            for f in feats:
                c_rows.append(ri)
                c_cols.append(f)
                c_vals.append(v)
        hint = _link_hint(raw)
        if hint:
            for j, rx in rx_link:
                if rx.search(raw):
                    st_r.append(ri)
                    st_c.append(j)
        # the other structure cues, each behind a cheap necessary condition on the characters of
        # the text (a digit for prices, free-credit offers and years; the character itself for
        # %, ?, quotes, # and @); `\d` is exactly str.isdecimal
        chars = set(raw)
        if "@" in chars and rx_handle(raw):
            st_r.append(ri)
            st_c.append(j_handle)
        if any(map(str.isdecimal, chars)):
            for j, search in digit_rx:
                if search(raw):
                    st_r.append(ri)
                    st_c.append(j)
            if "%" in chars and rx_percent(raw):
                st_r.append(ri)
                st_c.append(j_percent)
        if not _QUESTION_CHARS.isdisjoint(chars):
            st_r.append(ri)
            st_c.append(j_question)
        if not _QUOTE_CHARS.isdisjoint(chars):
            st_r.append(ri)
            st_c.append(j_quote)
        if "#" in chars and rx_hashtag(raw):
            st_r.append(ri)
            st_c.append(j_hashtag)
        if nm.emoji_bait or nm.emoji_sexual:
            emo[ri, 0] = nm.emoji_bait
            emo[ri, 1] = nm.emoji_sexual
        if nm.emoji_wink:
            emo[ri, 2] = 1.0
        if hint or custom_links:
            flags, links = links_fn(raw)
            for li, name in enumerate(link_names):
                if flags.get(name):
                    lk_r.append(ri)
                    lk_c.append(li)
        else:  # no link hint: the link extractor would find nothing
            links = []
        links_all.append(links)
    counts = np.zeros((n, nc))
    # lexicon category counts per text, from the flattened matches with numpy
    items = list(chain.from_iterable(lex_all))
    if items:
        cat_lists = [cs_ for _t, cs_ in items]
        item_rows = np.repeat(np.arange(n), np.fromiter(map(len, lex_all), dtype=np.int64, count=n))
        lex_r = np.repeat(item_rows, np.fromiter(map(len, cat_lists), dtype=np.int64, count=len(cat_lists)))
        lex_c = np.fromiter(chain.from_iterable(cat_lists), dtype=np.int64, count=lex_r.size)
        np.add.at(counts, (lex_r, lex_c), 1.0)
    struct = np.zeros((n, len(_STRUCT_NAMES)))
    if st_r:
        struct[st_r, st_c] = 1.0
    lflags = np.zeros((n, len(link_names)))
    if lk_r:
        lflags[lk_r, lk_c] = 1.0
    dense = _assemble_dense(counts, struct, emo, lengths, lflags)
    if c_rows:
        rows = np.concatenate([rows, np.asarray(c_rows, dtype=np.int64)])
        cols = np.concatenate([cols, np.asarray(c_cols, dtype=np.int64) & ((1 << cfg.bits) - 1)])
        vals = np.concatenate([vals, np.asarray(c_vals, dtype=np.float64)])
    dense *= cfg.dense_weight
    return Batch(n, rows, cols, vals, dense, norms, lex_all, links_all, joined, wr, wc, wv, ws, we, langs)
