"""Host-name helpers: offline public-suffix lookups, Unicode/homoglyph folding, IDNA.

Everything here is pure and offline. The public suffix list is tldextract's bundled snapshot:
no suffix-list URL and no cache directory are given, so tldextract never touches the network
or the disk (tests/links/test_offline.py checks this with sockets disabled).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import idna
import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
_EXTRACT_ICANN = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


def _top_level_labels() -> frozenset[str]:
    suffixes = _EXTRACT_ICANN._get_tld_extractor().tlds(include_psl_private_domains=False)
    tops: set[str] = set()
    for suffix in suffixes:
        top = suffix.rsplit(".", 1)[-1].lstrip("!*")
        if not top:
            continue
        tops.add(top)
        if not top.isascii():
            try:
                tops.add(idna.encode(top).decode("ascii"))
            except idna.IDNAError:
                pass
    return frozenset(tops)


#: Every top-level label of the ICANN section of the public suffix list (ASCII and punycode forms).
TOP_LEVEL = _top_level_labels()

# Look-alike letters from other scripts that readers take for Latin ones (a hand-picked subset of
# Unicode's confusables list, restricted to letters that actually pass for Latin in URLs).
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "А": "a", "в": "b", "В": "b", "е": "e", "Е": "e", "ё": "e", "к": "k", "К": "k",
    "м": "m", "М": "m", "н": "h", "Н": "h", "о": "o", "О": "o", "р": "p", "Р": "p", "с": "c",
    "С": "c", "т": "t", "Т": "t", "у": "y", "У": "y", "Ү": "y", "ү": "y", "х": "x", "Х": "x",
    "і": "i", "І": "i", "ї": "i", "ј": "j", "Ј": "j", "ѕ": "s", "Ѕ": "s", "һ": "h", "Һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "Ԝ": "w", "ӏ": "l", "Ӏ": "l", "ɡ": "g", "ԍ": "g", "п": "n",
    # Greek
    "α": "a", "Α": "a", "β": "b", "Β": "b", "ε": "e", "Ε": "e", "η": "n", "Η": "h", "ι": "i",
    "Ι": "i", "κ": "k", "Κ": "k", "Μ": "m", "ν": "v", "Ν": "n", "ο": "o", "Ο": "o", "ρ": "p",
    "Ρ": "p", "τ": "t", "Τ": "t", "υ": "u", "Υ": "y", "χ": "x", "Χ": "x", "Ζ": "z", "ω": "w",
    # Armenian
    "օ": "o", "Օ": "o", "ս": "u", "Ս": "u", "ց": "g", "հ": "h", "ո": "n", "զ": "q", "ա": "w",
    # Latin look-alikes outside ASCII
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ʏ": "y", "ℓ": "l", "ß": "ss", "ꮃ": "w",
}
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "$": "s", "@": "a"})


def _is_fullwidth(ch: str) -> bool:
    return "\uff01" <= ch <= "\uff5e" or ch in "\u3002\uff61"


def fold_label(label: str) -> tuple[str, set[str]]:
    """Fold one label typed in running text to the host label its writer meant.

    Returns (folded label, obfuscations undone). Zero-width characters and soft hyphens are
    dropped, compatibility forms (full-width, mathematical letters, circled letters) are mapped by
    NFKC, and Latin look-alikes from other scripts are mapped to Latin when the label mixes them
    with Latin letters or digits. A label written wholly in another script is left as an IDN.
    """
    if label.isascii():
        return label.lower(), set()
    notes: set[str] = set()
    stripped = label.translate(_INVISIBLE)
    if stripped != label:
        notes.add("zero-width")
        label = stripped
        if label.isascii():
            return label.lower(), notes
    nfkc = unicodedata.normalize("NFKC", label)
    if nfkc != label:
        notes.add("fullwidth" if any(_is_fullwidth(c) for c in label) else "homoglyph")
        label = nfkc
    if label.isascii():
        return label.lower(), notes
    mapped = label.translate(_CONFUSABLE_TABLE)
    if mapped != label and mapped.isascii():
        has_latin = any(c.isascii() and c.isalnum() for c in label)
        if has_latin:
            notes.add("homoglyph")
            return mapped.lower(), notes
    return label.lower(), notes


def skeleton(label: str) -> str:
    """Latin skeleton of a label for look-alike comparison: homoglyphs, leet, no separators."""
    if label.startswith("xn--"):
        try:
            label = idna.decode(label)
        except (idna.IDNAError, UnicodeError, IndexError):
            pass
    if not label.isascii():
        label = unicodedata.normalize("NFKC", label.translate(_INVISIBLE)).translate(_CONFUSABLE_TABLE)
    label = label.lower().translate(_LEET)
    return "".join(c for c in label if c.isalnum())


def confusable_script_only(label: str) -> bool:
    """True when a non-ASCII label maps wholly onto Latin letters (e.g. Cyrillic 'арр')."""
    mapped = label.translate(_CONFUSABLE_TABLE)
    return mapped != label and mapped.isascii()


@lru_cache(maxsize=65536)
def to_ascii_label(label: str) -> str | None:
    """IDNA-encode one label (punycode); None when it is not a valid host label."""
    if label.isascii():
        if not label or len(label) > 63 or label[0] == "-" or label[-1] == "-":
            return None
        for c in label:
            if not (c.isalnum() or c == "-"):
                return None
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError, IndexError):
                return None
        return label
    try:
        out = idna.encode(label, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, IndexError):
        return None
    return out if len(out) <= 63 else None


def is_top_level(label: str) -> bool:
    """True when `label` (lowercase ASCII or punycode) is a TLD in the public suffix list."""
    return label in TOP_LEVEL


@lru_cache(maxsize=131072)
def registrable(host: str) -> tuple[str | None, str]:
    """(registrable domain, public suffix) of a lowercase ASCII host; private suffixes count.

    `undress.vercel.app` -> ('undress.vercel.app', 'vercel.app') because vercel.app is a private
    public suffix; a host that is itself a suffix gives its ICANN registrable domain instead.
    """
    result = _EXTRACT(host)
    if result.domain and result.suffix:
        return f"{result.domain}.{result.suffix}", result.suffix
    result = _EXTRACT_ICANN(host)
    if result.domain and result.suffix:
        return f"{result.domain}.{result.suffix}", result.suffix
    return None, result.suffix


def is_ipv4(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts)
