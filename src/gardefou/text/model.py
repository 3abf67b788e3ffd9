"""The shipped linear model: stored as `.npz` (numeric arrays only, loaded with allow_pickle=False)
plus a JSON file (feature configuration, calibration, threshold, metadata). No pickle anywhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from gardefou.text.features import DENSE_NAMES, FeatureConfig

__all__ = ["TextModel", "load_model", "DEFAULT_MODEL_DIR", "CATEGORIES"]

DEFAULT_MODEL_DIR = Path(__file__).with_name("model")
CATEGORIES = ("advertising", "referral", "telegram", "review", "request", "search", "laundered")
KIND_TO_CATEGORY = {
    "ad": "advertising", "referral": "referral", "telegram": "telegram", "review": "review",
    "listicle": "review", "request": "request", "search_query": "search", "laundered": "laundered",
}
CAT_BITS = 16


@dataclass
class TextModel:
    config: FeatureConfig
    w_hashed: np.ndarray          # (2**bits,) float32
    w_dense: np.ndarray           # (k,) float32
    intercept: float
    calib_a: float
    calib_b: float
    threshold: float
    cat_hashed: np.ndarray        # (n_cat, 2**CAT_BITS) float32
    cat_dense: np.ndarray         # (n_cat, k)
    cat_intercept: np.ndarray     # (n_cat,)
    categories: tuple[str, ...] = CATEGORIES
    meta: dict = field(default_factory=dict)
    # Optional heads on the same hashed features, combined into the decision by a small
    # logistic combiner fitted out of fold (format 2: the first two; format 3: all five):
    # - "topic" (is the text about undressing real people at all: flagged kinds + news, policy,
    #   support... vs everyday, products, art) and "stance" (trained on on-topic texts only:
    #   promotes / solicits vs reports / opposes), logistic like the main head; their minimum
    #   gives the AND of "on topic" and "promoting" that one linear model cannot express;
    # - naive-Bayes log-count ratios for the same three questions (see train.nb_ratios): a
    #   differently biased reading of the same n-grams that generalises to unseen phrasing.
    head_hashed: np.ndarray | None = None      # (k, 2**bits) float32, k = 2 or 5
    head_dense: np.ndarray | None = None       # (k, n_dense)
    head_intercept: np.ndarray | None = None   # (k,)
    combiner: np.ndarray | None = None         # combiner weights over combiner_features(), then intercept
    _cat_T: np.ndarray | None = field(default=None, repr=False, compare=False)
    _heads_dense: tuple | None = field(default=None, repr=False, compare=False)  # (weights, intercepts)
    _joint_T: np.ndarray | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ scoring
    def main_decision(self, batch) -> np.ndarray:
        s = np.bincount(batch.rows, weights=self.w_hashed[batch.cols] * batch.vals, minlength=batch.n)
        s += batch.dense @ self.w_dense + self.intercept
        return s

    def head_decisions(self, batch) -> np.ndarray:
        """(n, k) head decisions: topic, stance (and naive-Bayes main, topic, stance)."""
        return self._products(batch)[0][:, 1:]

    def _products(self, batch) -> tuple[np.ndarray, np.ndarray]:
        """(main and head decisions (n, 1 + k), category scores (n, n_cat)) from one sparse
        product: the COO features times one (D, 1 + k + n_cat) float32 matrix (scipy's C loop
        over the non-zeros), so each feature's weights are read from memory once. The category
        weights, hashed to CAT_BITS, are repeated over the full width. Without a combiner the
        main decision is `main_decision()`'s."""
        import scipy.sparse as sp

        if self._joint_T is None:
            D = self.w_hashed.shape[0]
            k = 1 + (len(self.head_hashed) if self.combiner is not None else 0)
            joint = np.empty((D, k + len(self.categories)), dtype=np.float32)
            joint[:, 0] = self.w_hashed
            if k > 1:
                joint[:, 1:k] = self.head_hashed.T
            # column j of the category part is cat_hashed[:, j mod 2**CAT_BITS]: the table tiled
            joint[:, k:].reshape(D >> CAT_BITS, 1 << CAT_BITS, -1)[:] = self.cat_hashed.T
            self._joint_T = joint
        X = sp.coo_matrix((batch.vals.astype(np.float32), (batch.rows, batch.cols)), shape=(batch.n, self._joint_T.shape[0]))
        z = np.asarray(X @ self._joint_T, dtype=np.float64)
        k = z.shape[1] - len(self.categories)
        cat_scores = z[:, k:] + batch.dense @ self.cat_dense.T + self.cat_intercept
        if self.combiner is None:
            return self.main_decision(batch)[:, None], cat_scores
        dense_w, dense_b = self._dense_heads()
        heads = z[:, :k] + batch.dense @ dense_w
        heads += dense_b
        return heads, cat_scores

    def _dense_heads(self) -> tuple[np.ndarray, np.ndarray]:
        """Dense weights (n_dense, 1 + k) and intercepts of the main head and the other heads,
        built once (stored as one tuple, so a thread never sees half of it)."""
        if self._heads_dense is None:
            self._heads_dense = (np.vstack([self.w_dense, self.head_dense]).T,
                                 np.concatenate([[self.intercept], self.head_intercept]))
        return self._heads_dense

    def scores(self, batch) -> tuple[np.ndarray, np.ndarray]:
        """(decision, category scores) of every row, from one sparse product."""
        heads, cat_scores = self._products(batch)
        if self.combiner is None:
            return heads[:, 0], cat_scores
        return combine(self.combiner, heads[:, 0], heads[:, 1:]), cat_scores

    def decision(self, batch) -> np.ndarray:
        return self.scores(batch)[0]

    def probability(self, decision: np.ndarray) -> np.ndarray:
        z = self.calib_a * decision + self.calib_b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def category_scores(self, batch, rows: np.ndarray) -> np.ndarray:
        """(len(rows), n_cat) scores for the selected rows only."""
        if rows.size == 0:
            return np.zeros((0, len(self.categories)))
        import scipy.sparse as sp

        sel = np.zeros(batch.n, dtype=bool)
        sel[rows] = True
        keep = np.nonzero(sel[batch.rows])[0]
        remap = np.full(batch.n, -1, dtype=np.int64)
        remap[rows] = np.arange(rows.size)
        X = sp.coo_matrix((batch.vals[keep], (remap[batch.rows[keep]], batch.cols[keep] & ((1 << CAT_BITS) - 1))),
                          shape=(rows.size, 1 << CAT_BITS))  # COO @ dense: no sorting / conversion
        if self._cat_T is None:
            self._cat_T = np.ascontiguousarray(self.cat_hashed.T, dtype=np.float64)
        out = np.asarray(X @ self._cat_T)
        out += batch.dense[rows] @ self.cat_dense.T + self.cat_intercept
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        support = self.w_hashed != 0
        if self.combiner is not None:
            support |= (self.head_hashed != 0).any(axis=0)
        nz = np.nonzero(support)[0].astype(np.int32)
        arrays = {
            "w_idx": nz,
            "w_val": self.w_hashed[nz].astype(np.float32),
            "w_dense": self.w_dense.astype(np.float32),
            "cat_hashed": self.cat_hashed.astype(np.float16),
            "cat_dense": self.cat_dense.astype(np.float32),
            "cat_intercept": self.cat_intercept.astype(np.float32),
        }
        if self.combiner is not None:
            # the heads share the main head's index; float16 keeps the file small (the decision
            # moves by < 1e-3, far below the calibration's resolution)
            arrays["head_val"] = self.head_hashed[:, nz].astype(np.float16)
            arrays["head_dense"] = self.head_dense.astype(np.float32)
            arrays["head_intercept"] = self.head_intercept.astype(np.float64)
            arrays["combiner"] = self.combiner.astype(np.float64)
        np.savez_compressed(directory / "weights.npz", **arrays)
        digest = hashlib.sha256((directory / "weights.npz").read_bytes()).hexdigest()
        doc = {
            "format": _FORMATS[0 if self.combiner is None else len(self.head_hashed)],
            "config": self.config.to_dict(),
            "intercept": float(self.intercept),
            "calibration": {"method": "platt", "a": float(self.calib_a), "b": float(self.calib_b)},
            "threshold": float(self.threshold),
            "dense_names": list(DENSE_NAMES),
            "categories": list(self.categories),
            "cat_bits": CAT_BITS,
            "weights_sha256": digest,
            "meta": self.meta,
        }
        (directory / "model.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "TextModel":
        directory = Path(directory)
        doc = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        if doc.get("format") not in _FORMATS.values():
            raise ValueError(f"unknown model format {doc.get('format')!r}")
        if doc["dense_names"] != list(DENSE_NAMES):
            raise ValueError("model was trained with a different feature set; retrain with `gardefou text train`")
        cfg = FeatureConfig.from_dict(doc["config"])
        with np.load(directory / "weights.npz", allow_pickle=False) as z:
            w = np.zeros(1 << cfg.bits, dtype=np.float32)
            w[z["w_idx"]] = z["w_val"]
            heads: dict = {}
            if "combiner" in z.files:
                hh = np.zeros((z["head_val"].shape[0], 1 << cfg.bits), dtype=np.float32)
                hh[:, z["w_idx"]] = z["head_val"]
                heads = {"head_hashed": hh, "head_dense": z["head_dense"].astype(np.float64),
                         "head_intercept": z["head_intercept"].astype(np.float64),
                         "combiner": z["combiner"].astype(np.float64)}
            return cls(
                config=cfg, w_hashed=w, w_dense=z["w_dense"].astype(np.float64),
                intercept=float(doc["intercept"]), calib_a=float(doc["calibration"]["a"]),
                calib_b=float(doc["calibration"]["b"]), threshold=float(doc["threshold"]),
                cat_hashed=z["cat_hashed"].astype(np.float32), cat_dense=z["cat_dense"].astype(np.float64),
                cat_intercept=z["cat_intercept"].astype(np.float64),
                categories=tuple(doc["categories"]), meta=doc.get("meta", {}), **heads,
            )


_FORMATS = {0: "gardefou-text-linear/1", 2: "gardefou-text-linear/2", 5: "gardefou-text-linear/3"}  # by number of heads


def combiner_features(main: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """The combiner's inputs: main, topic, stance, min(topic, stance); with the naive-Bayes heads
    also NB main, NB topic, NB stance, min(NB topic, NB stance)."""
    cols = [main, heads[:, 0], heads[:, 1], np.minimum(heads[:, 0], heads[:, 1])]
    if heads.shape[1] == 5:
        cols += [heads[:, 2], heads[:, 3], heads[:, 4], np.minimum(heads[:, 3], heads[:, 4])]
    return np.column_stack(cols)


def combine(weights: np.ndarray, main: np.ndarray, heads: np.ndarray) -> np.ndarray:
    return combiner_features(main, heads) @ weights[:-1] + weights[-1]


@lru_cache(maxsize=4)
def load_model(directory: str | None = None) -> TextModel:
    return TextModel.load(Path(directory) if directory else DEFAULT_MODEL_DIR)
