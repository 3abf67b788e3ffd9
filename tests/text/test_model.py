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
    assert doc["format"] == "gardefou-text-linear/1"
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
