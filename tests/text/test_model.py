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
    assert doc["format"] == "gardefou-text-linear/3"
    with np.load(DEFAULT_MODEL_DIR / "weights.npz", allow_pickle=False) as z:
        for name in z.files:
            assert z[name].dtype != object
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir())
    assert size < 10 * 1024 * 1024


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
    assert m.combiner is not None and m.head_hashed.shape == (5, 1 << m.config.bits)
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
    nb_main, nb_topic = heads[:, 2], heads[:, 3]
    assert nb_main[0] > nb_main[1] and nb_main[0] > nb_main[2]  # naive-Bayes heads read the same way
    assert nb_topic[2] < nb_topic[0] and nb_topic[2] < nb_topic[1]


def test_two_head_model_files_still_load(tmp_path):
    from gardefou.text.features import featurize
    from gardefou.text.model import combine, load_model

    m = load_model()
    b = featurize(["undress any photo free", "court fines nudify app"], m.config)
    full = m.head_decisions(b)
    old = TextModel(config=m.config, w_hashed=m.w_hashed, w_dense=m.w_dense, intercept=m.intercept,
                    calib_a=m.calib_a, calib_b=m.calib_b, threshold=m.threshold, cat_hashed=m.cat_hashed,
                    cat_dense=m.cat_dense, cat_intercept=m.cat_intercept, meta=m.meta,
                    head_hashed=m.head_hashed[:2], head_dense=m.head_dense[:2], head_intercept=m.head_intercept[:2],
                    combiner=np.array([0.4, 0.1, 0.2, 0.5, -0.3]))
    old.save(tmp_path)
    assert json.loads((tmp_path / "model.json").read_text())["format"] == "gardefou-text-linear/2"
    again = TextModel.load(tmp_path)
    assert again.head_hashed.shape[0] == 2
    assert np.allclose(again.decision(b), combine(old.combiner, m.main_decision(b), full[:, :2]), atol=1e-2)


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


def test_naive_bayes_scaling_favours_telling_columns_and_folds_into_the_weights():
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from gardefou.text.train import _scaled, nb_scale

    D = 4  # hashed columns 0..3, then one dense column
    # column 0 only in positives, column 1 in both classes alike, column 2 only in negatives
    rows = [[1, 1, 0, 0, 0.5], [1, 1, 0, 0, 0.2], [1, 0, 0, 0, 0.1], [0, 1, 1, 0, 0.3], [0, 1, 1, 0, 0.9], [0, 0, 1, 0, 0.4]]
    X = sp.csr_matrix(np.array(rows, dtype=float))
    y = np.array([1, 1, 1, 0, 0, 0])
    s = nb_scale(X, y, D, mix=0.75)
    assert s[0] > s[1] and s[2] > s[1] and s[4] == 1.0
    assert np.allclose(nb_scale(X, y, D, mix=0.0), 1.0)
    # a model fitted on scaled features, with the scale folded into its weights, scores the
    # raw features exactly as the scaled model scores scaled ones
    lr = LogisticRegression(C=10).fit(_scaled(X, s), y)
    folded = X @ (lr.coef_.ravel() * s) + lr.intercept_[0]
    assert np.allclose(folded, lr.decision_function(_scaled(X, s)))


def test_shipped_model_was_trained_with_naive_bayes_scaling():
    meta = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())["meta"]
    assert meta["nb_mix"] > 0


def test_joint_scores_equal_the_separate_products():
    """`scores()` (one sparse product for the heads and the categories) gives the main head of
    `main_decision()` (a separate gather and bincount), the combined decision of the heads, and
    the category scores of `category_scores()` (a separate float64 product), for the shipped
    format and the single-head one."""
    from gardefou.text.features import featurize
    from gardefou.text.model import combine, load_model

    m = load_model()
    texts = ["undress any photo free 👉 t.me/x_bot", "court fines nudify app", "nude lipstick", "", "ref code AB12CD"]
    b = featurize(texts, m.config)
    single = TextModel(config=m.config, w_hashed=m.w_hashed, w_dense=m.w_dense, intercept=m.intercept,
                       calib_a=m.calib_a, calib_b=m.calib_b, threshold=m.threshold, cat_hashed=m.cat_hashed,
                       cat_dense=m.cat_dense, cat_intercept=m.cat_intercept, meta=m.meta)
    for model in (m, single):
        dec, cats = model.scores(b)
        heads = model._products(b)[0]
        assert np.allclose(heads[:, 0], model.main_decision(b), atol=1e-3)
        expected = heads[:, 0] if model.combiner is None else combine(model.combiner, heads[:, 0], heads[:, 1:])
        assert np.array_equal(dec, expected)
        rows = np.arange(len(texts))
        assert np.allclose(cats, model.category_scores(b, rows), atol=1e-4)
        assert (cats.argmax(axis=1) == model.category_scores(b, rows).argmax(axis=1)).all()
