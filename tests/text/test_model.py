"""Model file: safe format (no pickle), fast load, small; training is reproducible."""

import json
import time
from pathlib import Path

import numpy as np

from gardefou.text.model import DEFAULT_MODEL_DIR, TextModel

REPO = Path(__file__).resolve().parents[2]


def test_model_files_are_npz_and_json_without_pickle():
    files = sorted(p.name for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file())
    assert files == ["model.json", "weights.npz"]
    doc = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())
    assert doc["format"] == "gardefou-text-linear/2"
    with np.load(DEFAULT_MODEL_DIR / "weights.npz", allow_pickle=False) as z:
        for name in z.files:
            assert z[name].dtype != object
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir())
    assert size < 8 * 1024 * 1024


def test_model_loads_fast():
    t0 = time.perf_counter()
    m = TextModel.load(DEFAULT_MODEL_DIR)
    from gardefou.text.features import lexicon

    lexicon.cache_clear()
    lexicon()
    assert time.perf_counter() - t0 < 1.0
    assert 0.0 < m.threshold < 1.0


def test_training_is_reproducible(tmp_path):
    from gardefou.text.train import train

    a, b = tmp_path / "a", tmp_path / "b"
    quiet = lambda m: None  # noqa: E731
    train(REPO / "data" / "text", a, copies=1, folds=2, limit=300, log=quiet, heldout=False)
    train(REPO / "data" / "text", b, copies=1, folds=2, limit=300, log=quiet, heldout=False)
    assert (a / "model.json").read_text() == (b / "model.json").read_text()
    with np.load(a / "weights.npz") as za, np.load(b / "weights.npz") as zb:
        for k in za.files:
            assert np.array_equal(za[k], zb[k])
    m = TextModel.load(a)
    from gardefou.text.api import classify_batch

    assert len(classify_batch(["undress any photo free", "nude lipstick"], model=m)) == 2


def test_shipped_model_metadata_describes_training():
    doc = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())
    meta = doc["meta"]
    assert meta["seed"] and meta["trained_on"] > 1000 and meta["corpus_sha256"]


def test_decision_combines_main_topic_and_stance_heads():
    from gardefou.text.features import featurize
    from gardefou.text.model import combine, load_model

    m = load_model()
    assert m.combiner is not None and m.head_hashed.shape == (2, 1 << m.config.bits)
    texts = [
        "Undress any girl from one photo, 3 free credits, link in bio",          # on topic, promoting
        "Court fines the operator of an undressing app that targeted students",  # on topic, reporting
        "/start Hi! I am TranslateBot. Send me a text, 20 free translations a day, premium 150 stars",
    ]
    b = featurize(texts, m.config)
    heads = m.head_decisions(b)
    assert np.allclose(m.decision(b), combine(m.combiner, m.main_decision(b), heads), atol=1e-4)
    topic, stance = heads[:, 0], heads[:, 1]
    assert topic[0] > 0 and topic[1] > 0 and topic[2] < 0     # the bot pitch is off topic
    assert stance[0] > 0 and stance[1] < 0                     # the news item does not promote


def test_single_head_model_files_still_load(tmp_path):
    from gardefou.text.features import featurize
    from gardefou.text.model import load_model

    m = load_model()
    single = TextModel(config=m.config, w_hashed=m.w_hashed, w_dense=m.w_dense, intercept=m.intercept,
                       calib_a=m.calib_a, calib_b=m.calib_b, threshold=m.threshold, cat_hashed=m.cat_hashed,
                       cat_dense=m.cat_dense, cat_intercept=m.cat_intercept, meta=m.meta)
    single.save(tmp_path)
    assert json.loads((tmp_path / "model.json").read_text())["format"] == "gardefou-text-linear/1"
    again = TextModel.load(tmp_path)
    b = featurize(["undress any photo free"], m.config)
    assert again.combiner is None
    assert np.allclose(again.decision(b), m.main_decision(b), atol=1e-3)


def test_held_out_texts_are_never_trained_on(tmp_path):
    from gardefou.text.train import load_corpus

    (tmp_path / "corpus").mkdir()
    (tmp_path / "heldout").mkdir()
    row = lambda t, y: json.dumps({"text": t, "label": y, "lang": "en", "kind": "ad" if y else "news"})  # noqa: E731
    (tmp_path / "corpus" / "en.jsonl").write_text("\n".join([row("Undress any photo, 3 free credits", 1), row("A court fined the app", 0)]))
    (tmp_path / "heldout" / "en.jsonl").write_text(row("undress ANY photo, 3 free credits ", 1))
    train = load_corpus(tmp_path, "train")
    assert [e.text for e in train] == ["A court fined the app"]
    assert len(load_corpus(tmp_path, "heldout")) == 1
