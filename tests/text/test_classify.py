"""Verdicts, reasons, hard-negative families, evasion robustness."""

import json

import pytest

from gardefou.text import TextVerdict, classify, classify_batch

POSITIVES = [
    "Undress any girl in 5 seconds with AI 👉 first photo free, no sign up",
    "Best nudify app 2025: upload her pic and see her naked. Try free: t.me/undress_her_bot",
    "Get 20 free credits on the #1 clothes remover AI with my referral link undressapp.ai/?ref=mike22",
    "can someone make a nude of my classmate? I'll pay $20, DM me",
    "I tested 7 undress AI sites: here are the 3 that actually work (prices inside)",
]

HARD_NEGATIVES = {
    "news": "San Francisco's city attorney sued 16 nudify websites that let users create non-consensual nude images of women and girls.",
    "research": "Researchers found that referral links to undressing apps grew by 2,400% on social media, according to the study.",
    "policy": "Our advertising policy prohibits ads for services that digitally undress people or create non-consensual intimate imagery.",
    "victim_support": "If someone made a fake nude of you, you are not alone: report it, save the evidence and contact a helpline for support.",
    "moderation": "Mod note: removed 12 spam comments promoting a clothes remover app; all accounts banned and the domain added to the blocklist.",
    "opinion": "These 'undress' apps are disgusting and should be banned. Every fake nude is a real victim.",
    "everyday": "This nude lipstick is my everyday shade, it goes with everything.",
    "everyday_bath": "Undress the baby and gently lower her into the warm bath water.",
    "everyday_eye": "Jupiter is visible to the naked eye tonight just after sunset.",
    "everyday_paint": "Use a chemical stripper to strip the old paint from the door before sanding.",
    "everyday_drawing": "Life drawing class on Thursday: nude model, bring charcoal and paper.",
    "product_bg": "Remove the background from any photo in one click. Free background remover for product shots.",
    "product_tryon": "Virtual try-on: see how this dress looks on you before you buy. Upload a selfie to start.",
    "product_lingerie": "New lingerie collection: lace bras and bodysuits in sizes XS to 3XL, free shipping over $50.",
    "art_song": "'Naked' by Avril Lavigne is still one of my favourite songs from the 2000s.",
    "art_classic": "Botticelli's Birth of Venus shows the nude goddess arriving on a shell.",
}


@pytest.mark.parametrize("text", POSITIVES)
def test_positives_flagged(text):
    v = classify(text)
    assert v.flagged, (v.score, v.reasons)
    assert v.category is not None
    assert 0.0 <= v.score <= 1.0


@pytest.mark.parametrize("family", sorted(HARD_NEGATIVES))
def test_hard_negative_families(family):
    v = classify(HARD_NEGATIVES[family])
    assert not v.flagged, (family, v.score, v.reasons)
    assert v.category is None


def test_verdict_shape_and_to_dict():
    v = classify("Undress any girl in 5 seconds 👉 t.me/undress_her_bot free credits")
    assert isinstance(v, TextVerdict)
    d = v.to_dict()
    for key in ("flagged", "score", "category", "reasons", "lang", "normalized"):
        assert key in d
    json.dumps(d, ensure_ascii=False)
    with pytest.raises(Exception):
        v.flagged = False  # frozen


def test_reasons_content():
    v = classify("𝐔𝐧𝐝𝐫𝐞𝐬𝐬 any girl 👉 t.me/undress_her_bot — 10 free credits, code NUDE50 at nudify.app/?ref=NUDE50")
    text = " | ".join(v.reasons)
    assert v.flagged
    assert "homoglyphs" in text and "emoji" in text          # tricks undone
    assert "undressing term" in text                         # lexicon cue
    assert "Telegram" in text                                # bot handle
    assert "referral" in text                                # referral code
    assert "language: en" in text
    assert v.lang == "en"
    assert any(r.startswith("term:") for r in v.reasons)     # weighted terms
    assert "undress" in v.normalized


def test_reasons_for_negative_mention_counter_cues():
    v = classify(HARD_NEGATIVES["news"])
    assert any("news/policy/support cue" in r or r.startswith("weighs against") for r in v.reasons)


@pytest.mark.parametrize("text", POSITIVES + list(HARD_NEGATIVES.values()))
def test_evasion_does_not_shift_verdict(text):
    import random

    from gardefou.text.train import obfuscate

    rng = random.Random(7)
    v = classify(text)
    if 0.2 < v.score < 0.98:
        pytest.skip("borderline text: evasion may move it across the threshold")
    for _ in range(3):
        o = obfuscate(text, rng)
        assert classify(o).flagged == v.flagged, o


def test_batch_matches_single_and_keeps_order():
    texts = POSITIVES[:2] + [HARD_NEGATIVES["news"], "", "   "] + POSITIVES[2:]
    batch = classify_batch(texts)
    assert len(batch) == len(texts)
    for t, v in zip(texts, batch):
        assert v.flagged == classify(t).flagged
        assert abs(v.score - classify(t).score) < 1e-9


def test_empty_and_whitespace():
    for t in ["", "   ", "\n"]:
        v = classify(t)
        assert not v.flagged and v.score < 0.05 and v.category is None


def test_threshold_override():
    t = POSITIVES[0]
    assert classify(t, threshold=1.0).flagged is False or classify(t).score >= 1.0
    assert classify(HARD_NEGATIVES["news"], threshold=0.0).flagged


def test_long_text_truncated_with_note():
    v = classify("nude lipstick " * 100_000)
    assert any("truncated" in r for r in v.reasons)


def test_non_str_input():
    assert isinstance(classify(None), TextVerdict)
    assert isinstance(classify(b"undress \xff any photo"), TextVerdict)


SHORT_EVERYDAY = [
    "nice picture", "okie dokie", "pic", "new pfp, thoughts?", "yeppp sure", "hey there", "ok boomer", "great shot!",
    "send me the pic of the receipt", "photo", "love this pic 😍", "link in bio for the recipe",
    "where was this taken?", "merci beaucoup !!", "qué foto tan bonita", "tolles Foto", "bellissima foto",
    "foto linda demais", "mooie foto", "ładne zdjęcie", "классное фото", "гарне фото", "güzel fotoğraf",
    "صورة حلوة", "बहुत अच्छी फोटो", "fotonya bagus", "いい写真", "사진 잘 나왔네", "照片真好看",
]


def test_short_everyday_texts_are_not_flagged():
    """Short chatter was flagged by earlier models (short texts in the corpus were mostly search
    queries); none of these phrases is in the training data."""
    from gardefou.text import classify_batch

    flagged = [t for t, v in zip(SHORT_EVERYDAY, classify_batch(SHORT_EVERYDAY)) if v.flagged]
    assert len(flagged) <= 1, flagged


def test_batch_leaves_the_garbage_collector_as_it_was():
    """classify_batch pauses the cycle collector while it works and restores the caller's state,
    also when the caller had turned it off, and when a call fails half-way."""
    import gc

    from gardefou.text import classify_batch

    assert gc.isenabled()
    classify_batch(["undress any photo 👉 t.me/x_bot", "nice picture"])
    assert gc.isenabled()
    gc.disable()
    try:
        classify_batch(["nude lipstick"])
        assert not gc.isenabled()
    finally:
        gc.enable()
    from types import SimpleNamespace

    broken = SimpleNamespace(threshold=0.5, config=None)  # fails inside the pause, in featurize
    with pytest.raises(AttributeError):
        classify_batch(["ok"], model=broken)
    assert gc.isenabled()


def test_threads_classifying_at_once_get_the_single_thread_verdicts():
    """A fresh model (its lazily built matrices not built yet) used from four threads at once, as
    the service does, gives every thread the verdicts of one thread alone."""
    from gardefou.text.model import DEFAULT_MODEL_DIR, TextModel

    from .conftest import run_in_threads

    texts = ["Undress any photo, 3 free credits 👉 t.me/x_bot", "nice picture", "n u d e pics of her",
             "Court fines nudify app", "nude lipstick shades", "un dress her now", "ok"] * 20
    expected = [v.to_dict() for v in classify_batch(texts)]
    model = TextModel.load(DEFAULT_MODEL_DIR)
    got: list = [None] * 4

    def work(k: int) -> None:
        got[k] = [v.to_dict() for v in classify_batch(texts, model=model)]

    run_in_threads(work, 4)
    assert all(g == expected for g in got)
