"""Each evasion trick is undone and reported; genuine non-Latin text is left alone."""

import time

import pytest

from gardefou.text import normalize


@pytest.mark.parametrize(
    "raw, expected, trick",
    [
        ("n u d i f y any girl", "nudify any girl", "spaced letters"),
        ("un dress her now", "undress her now", "spaced letters"),
        ("n.u.d.e pics", "nude pics", "inner punctuation"),
        ("n*ked pics", "naked pics", "inner punctuation"),
        ("un-dress her", "undress her", "inner punctuation"),
        ("nud1fy app", "nudify app", "leetspeak"),
        ("undr3ss any ph0to", "undress any photo", "leetspeak"),
        ("n@ked $ex", "naked sex", "leetspeak"),
        ("nuuuuude", "nude", "repeated letters"),
        ("ｎｕｄｉｆｙ", "nudify", "fullwidth"),
        ("𝐧𝐮𝐝𝐢𝐟𝐲 𝐚𝐩𝐩", "nudify app", "homoglyphs"),
        ("ʀᴇᴍᴏᴠᴇ ᴄʟᴏᴛʜᴇꜱ", "remove clothes", "homoglyphs"),
        ("undrеss bot", "undress bot", "homoglyphs"),          # Cyrillic е
        ("ΝUDΕ pics", "nude pics", "homoglyphs"),               # Greek capitals
        ("ᑌndress AI", "undress ai", "homoglyphs"),             # Canadian syllabics
        ("nud\u200bify", "nudify", "zero-width"),
        ("un\u2060dress\ufeff", "undress", "zero-width"),
        ("👉 undress bot 🔞", "undress bot", "emoji"),
    ],
)
def test_tricks(raw, expected, trick):
    n = normalize(raw)
    assert n.text == expected
    assert trick in n.tricks


def test_emoji_bait_flag():
    assert normalize("free credits 👉 link").emoji_bait
    assert normalize("🔞 bot").emoji_bait
    assert not normalize("happy birthday 🎂").emoji_bait


def test_plain_text_has_no_tricks():
    for t in ["The lawsuit names 16 websites.", "T-shirt sizes S, M and L, 4k video, covid19, mp4", "e-mail me at a@b.com",
              "C'est l'appli qu'il faut", "Ask @user_bot", "Visit https://example.com/a-b.c?x=1"]:
        assert normalize(t).tricks == (), t


def test_urls_kept_intact():
    n = normalize("go to nud1fy.app/?ref=ABC now")
    assert "nud1fy.app/?ref=abc" in n.text


@pytest.mark.parametrize(
    "raw",
    [
        "Раздень любую девушку по фото",              # Russian
        "Сними одежду с любого фото за 5 секунд",
        "Роздягни будь-яку дівчину за фото, це їжак", # Ukrainian with і ї є
        "Η Ελλάδα είναι ωραία χώρα",                   # Greek
        "Приложение AI для фото",                      # Russian with a genuine Latin word
    ],
)
def test_genuine_cyrillic_greek_not_mangled(raw):
    n = normalize(raw)
    assert n.text == raw.lower()
    assert "homoglyphs" not in n.tricks


def test_mixed_cyrillic_word_folded_to_cyrillic():
    # Latin lookalikes inside a Russian word are folded to Cyrillic, not the other way round
    assert normalize("pаздень любую").text == "раздень любую"


def test_hindi_and_cjk_untouched():
    for t in ["कपड़े हटाने वाला ऐप", "一键脱衣 免费", "옷 벗기는 앱", "服を消すアプリ", "ازالة الملابس"]:
        n = normalize(t)
        assert n.tricks == ()
    assert normalize("कपड़े हटाने").match == "कपड़े हटाने"


def test_accents_folded_in_match_channel_only():
    n = normalize("Déshabiller N'IMPORTE quelle fille")
    assert n.text.startswith("déshabiller")
    assert n.match.startswith("deshabiller")


def test_linear_time_on_adversarial_inputs():
    for bad in ["a " * 200_000, "a." * 200_000, "a" * 400_000, "n*" * 200_000, "1a" * 200_000, "-a" * 200_000,
                "\u200b" * 200_000, "👉" * 100_000, "ab cd " * 70_000,
                # one huge word in one script beside a lookalike candidate of the other
                "a " + "я" * 200_000, "я " + "b" * 200_000, "bot " + "слово" * 40_000]:
        t0 = time.perf_counter()
        normalize(bad)
        assert time.perf_counter() - t0 < 3.0, bad[:10]


def test_non_string_input():
    assert normalize("").text == ""


def _whole_text_reference(raw: str):
    """normalize() without the per-word cache: every segment through `_deobfuscate` at once."""
    import sys

    import unicodedata

    nm = sys.modules["gardefou.text.normalize"]
    tricks: set[str] = set()
    text = raw
    pieces, last = [], 0
    if not text.isascii() and nm._SPECIAL_RE.search(text) is None:
        text = unicodedata.normalize("NFKC", text)
    elif not text.isascii():
        if nm._FANCY_RE.search(text):
            text = text.translate(nm._PRE_TABLE)
        text = unicodedata.normalize("NFKC", text)
        text = nm._EMOJI_RE.sub(" ", text)
        text = nm._ZERO_WIDTH_RE.sub("", text).replace("\ufe0f", "").replace("\ufe0e", "")
    text = nm._CONTROL_RE.sub(" ", text)
    if not text.isascii() and nm._CYR_GREEK_RE.search(text):
        text, _ = nm._fold_homoglyphs(text)
    text = text.lower()
    for m in (nm._URL_RE.finditer(text) if nm._URL_HINT_RE.search(text) else ()):
        pieces.append(nm._deobfuscate(text[last:m.start()], tricks))
        pieces.append(m.group())
        last = m.end()
    pieces.append(nm._deobfuscate(text[last:], tricks))
    text = " ".join("".join(pieces).split())
    match = nm._MATCH_CLEAN_RE.sub(" ", nm.fold_accents(text)).strip()
    return text, match, tricks


def test_word_cache_gives_the_whole_text_result(monkeypatch):
    """The cached word-by-word path returns exactly what de-obfuscating whole segments returns,
    also while its caches are being emptied (a tiny limit forces that here)."""
    import random
    import sys

    nm = sys.modules["gardefou.text.normalize"]
    monkeypatch.setattr(nm, "_CACHE_MAX", 7)
    rng = random.Random(3)
    alphabet = list("abcdenudsxyz AEI 0134@$!|.-_*'’·/+~ \t\n\u200bＮｕ𝐧ᴜе🔞👉éçü裸ابتнуде\x01") + [
        "un dress", "n u d e", "t.me/x_bot", "https://a.com/x?ref=1", "nud3", "n.u.d.e", "naaaked",
        "n*ked", "don't", "e-mail", "ph0to", "undr3ss", "xhttps://b.io/ a b c",
    ]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))) for _ in range(3000)]
    texts += ["n u d i f y any girl", "see x.com/a b c d", "un dress her", "d0n't stop", "ok " * 30]
    for raw in texts:
        got = normalize(raw)
        text, match, tricks = _whole_text_reference(raw)
        assert (got.text, got.match) == (text, match), raw
        assert {"inner punctuation", "spaced letters", "leetspeak", "repeated letters"} & set(got.tricks) == (
            {"inner punctuation", "spaced letters", "leetspeak", "repeated letters"} & tricks
        ), raw


def test_emoji_flags():
    n = normalize("try it 😉 👉 link")
    assert n.emoji_wink and n.emoji_bait and not n.emoji_sexual
    assert not normalize("try it :) link").emoji_wink


def test_word_caches_under_threads_give_the_same_results(monkeypatch):
    """Threads normalising at once while the (tiny) caches keep being emptied still get exactly
    the single-thread results."""
    import random
    import sys

    from .conftest import run_in_threads

    nm = sys.modules["gardefou.text.normalize"]
    rng = random.Random(8)
    pieces = ["n u d e", "un dress", "nud3", "don't", "naaaked", "t.me/x_bot", "photo", "any", "girl",
              "her", "a", "b", "c", "n.u.d.e", "free", "ok", "раздеть", "фото", "👉", "x"]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(600)]
    expected = [(n.text, n.tricks, n.match) for n in map(normalize, texts)]
    monkeypatch.setattr(nm, "_CACHE_MAX", 20)
    failures: list[str] = []

    def work(seed: int) -> None:
        order = list(range(len(texts)))
        random.Random(seed).shuffle(order)
        for i in order:
            n = normalize(texts[i])
            if (n.text, n.tricks, n.match) != expected[i]:
                failures.append(texts[i])

    run_in_threads(work, 4)
    assert not failures, failures[:3]
