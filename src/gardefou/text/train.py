"""Training: corpus loading, evasion augmentation, grouped cross-validation, Platt calibration,
threshold choice, category classifier, metrics tables, and saving the model (npz + JSON).

    gardefou text train [--corpus data/text] [--out src/gardefou/text/model]

Reproducible: fixed seeds, deterministic hashing, and a sorted corpus.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import scipy.sparse as sp

from gardefou.text.features import DENSE_NAMES, FeatureConfig, featurize
from gardefou.text.model import CAT_BITS, CATEGORIES, KIND_TO_CATEGORY, TextModel, combine, combiner_features

__all__ = ["Example", "load_corpus", "obfuscate", "augment", "train", "keyword_baseline", "prf", "to_matrix", "SEED"]

SEED = 20240611
POSITIVE_KINDS = ("ad", "referral", "telegram", "review", "listicle", "request", "search_query", "laundered")
NEGATIVE_KINDS = ("news", "research", "policy", "victim_support", "moderation", "opinion", "everyday", "product", "art")
NB_MIX = 0.75  # naive-Bayes feature scaling (see nb_scale): grouped-CV F1 0.869 -> 0.889 (0.5: 0.882, 1.0: 0.890)
NB_ALPHA = 0.1  # smoothing of the naive-Bayes heads (CV: 0.1 > 0.3 > 1 > 3)
OFF_TOPIC_KINDS = ("everyday", "product", "art")  # negatives that are not about undressing people at all


def topic_labels(examples) -> np.ndarray:
    """1 where the text is about undressing real people (flagged kinds and news, policy, support,
    moderation, opinion, research), 0 for everyday uses, products and art."""
    return np.array([0 if e.kind in OFF_TOPIC_KINDS else (1 if e.kind in NEGATIVE_KINDS else e.label) for e in examples])


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    lang: str
    kind: str
    source: str = ""


def _read_jsonl(path: Path, warn: Callable[[str], None]) -> list[Example]:
    out: list[Example] = []
    with path.open("rb") as fh:
        for no, raw in enumerate(fh, 1):
            line = raw.decode("utf-8", errors="replace").strip()
            if not line:
                continue
            try:
                o = json.loads(line)
                text, label = o["text"], int(o["label"])
                if not isinstance(text, str) or label not in (0, 1):
                    raise ValueError("bad text/label")
            except Exception as exc:  # malformed line: skip with a warning
                warn(f"{path}:{no}: skipped malformed line ({exc.__class__.__name__}: {exc})")
                continue
            out.append(Example(text, label, str(o.get("lang") or path.stem), str(o.get("kind") or "unknown"), path.name))
    return out


def load_corpus(root: Path, split: str = "train", warn: Callable[[str], None] | None = None) -> list[Example]:
    """split "train": corpus/*.jsonl + extra/*.jsonl; "heldout": heldout/*.jsonl. Deduplicated;
    a training text that also appears in the held-out split (case-insensitive) is left out of
    training, so the held-out figures stay honest."""
    warn = warn or (lambda m: print("warning: " + m, file=sys.stderr))
    root = Path(root)
    dirs = ["corpus", "extra"] if split == "train" else ["heldout"]
    seen: set[str] = set()
    if split == "train":
        seen = {e.text.strip().lower() for e in load_corpus(root, "heldout", warn=lambda m: None)}
    out: list[Example] = []
    for d in dirs:
        for path in sorted((root / d).glob("*.jsonl")):
            for ex in _read_jsonl(path, warn):
                key = ex.text.strip().lower()
                if key in seen:
                    continue
                seen.add(key)
                out.append(ex)
    return out


# --------------------------------------------------------------------------- augmentation
_CYR_LOOK = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "s": "ѕ", "k": "к", "m": "м", "t": "т", "h": "һ"}
_GREEK_LOOK = {"a": "α", "o": "ο", "i": "ι", "k": "κ", "v": "ν", "e": "ε", "t": "τ", "p": "ρ", "u": "υ", "x": "χ"}
_LAT_LOOK = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i"}
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_LEET_SYM = {"a": "@", "s": "$", "i": "!"}
_WORD_RE = re.compile(r"\w{4,}")
_ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
_EMOJI = ["👉", "🔥", "🔞", "➤", "💦", "😈", "⬇️", "✅", "👀", "🍑", "➡️"]


def _mathbold(ch: str) -> str:
    if "a" <= ch <= "z":
        return chr(0x1D41A + ord(ch) - 97)
    if "A" <= ch <= "Z":
        return chr(0x1D400 + ord(ch) - 65)
    return ch


def _fullwidth(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


def _perturb_word(w: str, trick: str, rng: random.Random) -> str:
    if trick == "homoglyph":
        table = _LAT_LOOK if any("\u0400" <= c <= "\u04ff" for c in w) else (_CYR_LOOK if rng.random() < 0.75 else _GREEK_LOOK)
        chars = list(w)
        idx = [i for i, c in enumerate(chars) if c.lower() in table]
        for i in rng.sample(idx, k=min(len(idx), rng.randint(1, 2))):
            chars[i] = table[chars[i].lower()]
        return "".join(chars)
    if trick == "leet":
        chars = list(w)
        idx = [i for i, c in enumerate(chars) if c.lower() in _LEET]
        for i in rng.sample(idx, k=min(len(idx), rng.randint(1, 2))):
            c = chars[i].lower()
            chars[i] = _LEET_SYM[c] if c in _LEET_SYM and i > 0 and rng.random() < 0.3 else _LEET[c]
        return "".join(chars)
    if trick == "spaced":
        return " ".join(w)
    if trick == "dots":
        return rng.choice([".", "-", "_", "·"]).join(w)
    if trick == "zw":
        i = rng.randint(1, len(w) - 1)
        return w[:i] + rng.choice(_ZW) + w[i:]
    if trick == "asterisk":
        idx = [i for i, c in enumerate(w) if c.lower() in "aeiouy" and 0 < i]
        if not idx:
            return w
        i = rng.choice(idx)
        return w[:i] + "*" + w[i + 1:]
    if trick == "dash":
        i = rng.randint(1, len(w) - 1)
        return w[:i] + rng.choice(["-", ".", "'"]) + w[i:]
    if trick == "repeat":
        idx = [i for i, c in enumerate(w) if c.isalpha()]
        if not idx:
            return w
        i = rng.choice(idx)
        return w[:i] + w[i] * rng.randint(3, 5) + w[i + 1:]
    if trick == "mathbold":
        return "".join(_mathbold(c) for c in w)
    if trick == "fullwidth":
        return "".join(_fullwidth(c) for c in w)
    if trick == "case":
        return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in w)
    return w


_TRICKS = ("homoglyph", "leet", "spaced", "dots", "zw", "asterisk", "dash", "repeat", "mathbold", "fullwidth", "case")


def obfuscate(text: str, rng: random.Random, n_tricks: int | None = None) -> str:
    """An obfuscated copy of `text`, the way evaders write it (used for positives AND negatives)."""
    tricks = rng.sample(_TRICKS, k=n_tricks or rng.randint(1, 3))
    words = list(_WORD_RE.finditer(text))
    if not words:
        return text + " " + rng.choice(_EMOJI)
    chosen = rng.sample(words, k=min(len(words), max(1, int(len(words) * rng.uniform(0.15, 0.5)))))
    chosen.sort(key=lambda m: m.start())
    out, last = [], 0
    for m in chosen:
        trick = rng.choice(tricks)
        out.append(text[last:m.start()])
        out.append(_perturb_word(m.group(), trick, rng))
        last = m.end()
    out.append(text[last:])
    s = "".join(out)
    if rng.random() < 0.3:
        e = rng.choice(_EMOJI)
        s = (e + " " + s) if rng.random() < 0.5 else (s + " " + e)
    return s


def augment(examples: list[Example], copies: int, seed: int = SEED) -> tuple[list[Example], np.ndarray]:
    """Originals followed by `copies` obfuscated copies each; returns (examples, group ids)."""
    rng = random.Random(seed)
    out = list(examples)
    groups = list(range(len(examples)))
    for c in range(copies):
        for i, ex in enumerate(examples):
            out.append(Example(obfuscate(ex.text, rng), ex.label, ex.lang, ex.kind, "augmented"))
            groups.append(i)
    return out, np.asarray(groups)


# --------------------------------------------------------------------------- matrices
def to_matrix(batch, bits: int, col_mask: int | None = None) -> sp.csr_matrix:
    cols = batch.cols if col_mask is None else (batch.cols & col_mask)
    width = (1 << bits) if col_mask is None else (col_mask + 1)
    H = sp.csr_matrix((batch.vals, (batch.rows, cols)), shape=(batch.n, width), dtype=np.float64)
    H.sum_duplicates()
    return sp.hstack([H, sp.csr_matrix(batch.dense)], format="csr")


def _fit_lr(X, y, C: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=5000, random_state=seed, class_weight="balanced")
    clf.fit(X, y)
    return clf


def _cat_lr(C: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    class _OvR(OneVsRestClassifier):
        @property
        def coef_(self):
            return np.vstack([e.coef_ for e in self.estimators_])

        @property
        def intercept_(self):
            return np.concatenate([e.intercept_ for e in self.estimators_])

    return _OvR(LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=5000, random_state=SEED))


def _platt(dec: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    lr.fit(dec.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


# --------------------------------------------------------------------------- metrics
def prf(y: np.ndarray, pred: np.ndarray) -> dict:
    y = np.asarray(y).astype(bool)
    pred = np.asarray(pred).astype(bool)
    tp = int((y & pred).sum()); fp = int((~y & pred).sum()); fn = int((y & ~pred).sum()); tn = int((~y & ~pred).sum())
    p = tp / (tp + fp) if tp + fp else (1.0 if tp + fn == 0 else 0.0)
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if (tp + fn) and (p + r) else float("nan")
    fpr = fp / (fp + tn) if fp + tn else float("nan")
    return {"n": int(y.size), "pos": int(y.sum()), "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": p, "recall": r, "f1": f, "fpr": fpr}


def choose_threshold(y: np.ndarray, p: np.ndarray, max_fpr: float = 0.01) -> float:
    best = (-1.0, 0.5)
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        m = prf(y, p >= t)
        if m["fpr"] <= max_fpr and m["f1"] == m["f1"]:
            score = m["f1"] - 0.001 * abs(t - 0.5)
            if score > best[0]:
                best = (score, float(t))
    return best[1]


KEYWORD_RE = re.compile(r"nudif|undress|deep\s?nude|\bnudes?\b|\bnaked\b|clothes?\s?remover|cloth\s?off", re.I)


def keyword_baseline(texts: Iterable[str]) -> np.ndarray:
    """The English keyword blocklist platforms use today (for comparison only)."""
    return np.array([bool(KEYWORD_RE.search(t)) for t in texts])


def breakdown(examples: list[Example], y: np.ndarray, pred: np.ndarray) -> dict:
    out: dict = {"all": prf(y, pred), "lang": {}, "kind": {}}
    by_lang, by_kind = defaultdict(list), defaultdict(list)
    for i, ex in enumerate(examples):
        by_lang[ex.lang].append(i)
        by_kind[ex.kind].append(i)
    for k, idx in sorted(by_lang.items()):
        out["lang"][k] = prf(y[idx], pred[idx])
    for k, idx in sorted(by_kind.items()):
        out["kind"][k] = prf(y[idx], pred[idx])
    return out


# --------------------------------------------------------------------------- training
def _features(texts, cfg):
    return featurize(texts, cfg)


def _presence(X, D: int):
    """The hashed columns as 0/1 (does the text hold the n-gram?)."""
    B = X[:, :D].tocsr(copy=True)
    B.data = np.ones_like(B.data)
    return B


def _log_count_ratio(B, pos_rows: np.ndarray, neg_rows: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed naive-Bayes log-count ratio log(p_j / q_j) of every column between two sets of
    rows (boolean masks), and how many of those rows hold each column."""
    pos = np.asarray(B[np.nonzero(pos_rows)[0]].sum(axis=0)).ravel()
    neg = np.asarray(B[np.nonzero(neg_rows)[0]].sum(axis=0)).ravel()
    r = np.log(((pos + alpha) / (pos + alpha).sum()) / ((neg + alpha) / (neg + alpha).sum()))
    return r, pos + neg


def nb_scale(X, y: np.ndarray, D: int, mix: float, alpha: float = 1.0) -> np.ndarray:
    """Per-column scale for the hashed n-gram columns, from naive-Bayes log-count ratios
    (Wang & Manning 2012, "NBSVM"): s = (1 - mix) + mix * |log(p_j / q_j)|, where p_j and q_j
    are the smoothed shares of positive / negative texts holding feature j. Columns that tell
    the classes apart get a larger scale, so the regulariser holds them back less; dense columns
    keep scale 1. Fitting on X * s and then folding s into the weights (w_j * s_j) gives a model
    that scores raw features, so inference is unchanged. scikit-learn has no NB-scaled linear
    model, hence these few lines."""
    if not mix:
        return np.ones(X.shape[1])
    r, _n = _log_count_ratio(_presence(X, D), y == 1, y == 0, alpha)
    return np.concatenate([(1.0 - mix) + mix * np.abs(r), np.ones(X.shape[1] - D)])


def nb_ratios(X, y: np.ndarray, topic: np.ndarray, D: int, alpha: float = NB_ALPHA) -> np.ndarray:
    """(3, D) naive-Bayes log-count ratios of the hashed columns, the weights of the three NB
    heads: flagged vs not (all texts), on topic vs off topic (all texts), flagged vs not among
    on-topic texts. A column no text of the question holds gets 0 (no evidence either way)."""
    B = _presence(X, D)
    on = topic == 1
    out = np.zeros((3, D))
    for row, (pos_rows, neg_rows) in enumerate(((y == 1, y == 0), (on, ~on), ((y == 1) & on, (y == 0) & on))):
        r, seen = _log_count_ratio(B, pos_rows, neg_rows, alpha)
        out[row] = np.where(seen > 0, r, 0.0)
    return out


def _scaled(X, s: np.ndarray):
    return X @ sp.diags(s) if not np.all(s == 1.0) else X


def _fit_heads(X, y, topic, C: float):
    """The main model, the topic head (all rows) and the stance head (on-topic rows only)."""
    on = np.nonzero(topic == 1)[0]
    return _fit_lr(X, y, C, SEED), _fit_lr(X, topic, C, SEED), _fit_lr(X[on], y[on], C, SEED)


def _combiner(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(Z, y)
    return np.concatenate([lr.coef_.ravel(), lr.intercept_])


def train(corpus: Path, out: Path | None, *, copies: int = 2, C: float = 30.0, folds: int = 5, nb_mix: float = NB_MIX,
          cfg: FeatureConfig | None = None, max_fpr: float = 0.018, limit: int | None = None,
          log: Callable[[str], None] = print, metrics_path: Path | None = None, heldout: bool = True) -> tuple[TextModel, dict]:
    """Train, cross-validate, calibrate and (if `out`) save the model. Returns (model, report)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    t0 = time.perf_counter()
    cfg = cfg or FeatureConfig()
    examples = load_corpus(corpus, "train")
    if limit:
        rng = random.Random(SEED)
        examples = rng.sample(examples, k=min(limit, len(examples)))
    if not examples:
        raise SystemExit(f"no training data under {corpus}")
    heldout = load_corpus(corpus, "heldout") if heldout else []
    log(f"corpus: {len(examples)} training texts, {len(heldout)} held-out texts")
    data, groups = augment(examples, copies)
    y = np.array([e.label for e in data])
    batch = _features([e.text for e in data], cfg)
    X = to_matrix(batch, cfg.bits)
    n_orig = len(examples)
    log(f"features: {X.shape[0]} rows x {X.shape[1]} columns, nnz={X.nnz} ({time.perf_counter() - t0:.1f}s)")

    # ---- grouped CV: augmented copies of one text never straddle folds
    topic = topic_labels(data)
    skf = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
    D = 1 << cfg.bits
    main_oof = np.zeros(len(data))
    heads_oof = np.zeros((len(data), 5))
    for k, (tr, te) in enumerate(skf.split(np.zeros(len(data)), y, groups)):
        s_fold = nb_scale(X[tr], y[tr], D, nb_mix)  # from the training folds only
        Xtr, Xte = _scaled(X[tr], s_fold), _scaled(X[te], s_fold)
        m_main, m_topic, m_stance = _fit_heads(Xtr, y[tr], topic[tr], C)
        main_oof[te] = m_main.decision_function(Xte)
        heads_oof[te, 0] = m_topic.decision_function(Xte)
        heads_oof[te, 1] = m_stance.decision_function(Xte)
        heads_oof[te, 2:] = X[te][:, :D] @ nb_ratios(X[tr], y[tr], topic[tr], D).T
    Z = combiner_features(main_oof, heads_oof)
    comb = _combiner(Z, y)
    oof = combine(comb, main_oof, heads_oof)
    a, b = _platt(oof, y)
    p_oof = _sigmoid(a * oof + b)
    thr = choose_threshold(y, p_oof, max_fpr=max_fpr)
    log(f"cross-validation done ({time.perf_counter() - t0:.1f}s); threshold={thr:.2f}")

    # ---- final model on everything
    scale = nb_scale(X, y, D, nb_mix)
    clf, m_topic, m_stance = _fit_heads(_scaled(X, scale), y, topic, C)
    coef = clf.coef_.ravel() * scale  # folded: the saved model scores unscaled features
    hcoef = np.vstack([np.vstack([m_topic.coef_.ravel(), m_stance.coef_.ravel()]) * scale,
                       np.hstack([nb_ratios(X, y, topic, D), np.zeros((3, X.shape[1] - D))])])
    w_hashed = coef[:D].astype(np.float32)
    w_dense = coef[D:].astype(np.float64)

    # ---- category classifier (positives only, folded hash space)
    pos_idx = np.nonzero(y == 1)[0]
    cat_y = np.array([CATEGORIES.index(KIND_TO_CATEGORY.get(data[i].kind, "advertising")) for i in pos_idx])
    Xc = to_matrix(batch, cfg.bits, col_mask=(1 << CAT_BITS) - 1)[pos_idx]
    cat_acc = float("nan")
    present = sorted(set(cat_y.tolist()))
    Wc = np.zeros((len(CATEGORIES), (1 << CAT_BITS) + len(DENSE_NAMES)))
    bc = np.full(len(CATEGORIES), -10.0)
    if len(present) >= 2:
        cat_oof = np.zeros(len(pos_idx), dtype=int)
        gpos = groups[pos_idx]
        try:
            skc = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
            for tr, te in skc.split(np.zeros(len(pos_idx)), cat_y, gpos):
                m = _cat_lr(C).fit(Xc[tr], cat_y[tr])
                cat_oof[te] = m.classes_[m.decision_function(Xc[te]).argmax(axis=1)]
            orig_mask = pos_idx < n_orig
            cat_acc = float((cat_oof[orig_mask] == cat_y[orig_mask]).mean())
        except ValueError:
            pass
        m = _cat_lr(C).fit(Xc, cat_y)
        for row, cls in enumerate(m.classes_):
            Wc[cls] = m.coef_[row] if len(m.classes_) > 2 else (m.coef_[0] if row == 1 else -m.coef_[0])
            bc[cls] = m.intercept_[row] if len(m.classes_) > 2 else (m.intercept_[0] if row == 1 else -m.intercept_[0])
    corpus_digest = hashlib.sha256("\n".join(f"{e.label}\t{e.lang}\t{e.kind}\t{e.text}" for e in examples).encode()).hexdigest()
    model = TextModel(
        config=cfg, w_hashed=w_hashed, w_dense=w_dense, intercept=float(clf.intercept_[0]),
        calib_a=a, calib_b=b, threshold=thr,
        cat_hashed=Wc[:, : 1 << CAT_BITS].astype(np.float32), cat_dense=Wc[:, 1 << CAT_BITS:],
        cat_intercept=bc, head_hashed=hcoef[:, :D].astype(np.float32), head_dense=hcoef[:, D:],
        head_intercept=np.array([m_topic.intercept_[0], m_stance.intercept_[0], 0.0, 0.0, 0.0]), combiner=comb, meta={
            "trained_on": len(examples), "augmented_copies": copies, "C": C, "folds": folds, "seed": SEED, "nb_mix": nb_mix, "nb_alpha": NB_ALPHA,
            "corpus_sha256": corpus_digest, "max_fpr": max_fpr,
        },
    )

    # ---- reports
    orig = np.arange(len(data)) < n_orig
    pred_oof = p_oof >= thr
    report = {
        "threshold": thr,
        "calibration": {"a": a, "b": b},
        "cv": breakdown(examples, y[orig], pred_oof[orig]),
        "cv_obfuscated": prf(y[~orig], pred_oof[~orig]),
        "category_accuracy_cv": cat_acc,
        "sizes": _sizes(examples),
        "heldout_sizes": _sizes(heldout) if heldout else {"total": 0, "lang": {}, "kind": {}, "lang_label": {}},
    }
    if heldout:
        from gardefou.text.api import classify_batch

        hv = classify_batch([e.text for e in heldout], model=model)
        hy = np.array([e.label for e in heldout])
        hp = np.array([v.flagged for v in hv])
        report["heldout"] = breakdown(heldout, hy, hp)
        report["heldout_keyword"] = breakdown(heldout, hy, keyword_baseline(e.text for e in heldout))
        rng = random.Random(SEED + 1)
        obf = [obfuscate(e.text, rng) for e in heldout]
        ov = classify_batch(obf, model=model)
        report["heldout_obfuscated"] = prf(hy, np.array([v.flagged for v in ov]))
        report["heldout_obfuscated_keyword"] = prf(hy, keyword_baseline(obf))
        hcat = [(KIND_TO_CATEGORY.get(e.kind), v.category) for e, v in zip(heldout, hv) if e.label == 1 and v.flagged]
        report["heldout_category_accuracy"] = (sum(a_ == b_ for a_, b_ in hcat) / len(hcat)) if hcat else float("nan")
    report["cv_keyword"] = breakdown(examples, y[orig], keyword_baseline(e.text for e in examples))
    if out:
        model.save(Path(out))
        log(f"model saved to {out}")
    if metrics_path:
        Path(metrics_path).write_text(metrics_markdown(report, model), encoding="utf-8")
        log(f"metrics written to {metrics_path}")
        card = Path(metrics_path).with_name("text-model.md")
        if card.exists():
            _update_card(card, report, model)
    log(summary_text(report))
    log(f"total {time.perf_counter() - t0:.1f}s")
    return model, report


def _sizes(examples: list[Example]) -> dict:
    lang = Counter(e.lang for e in examples)
    kind = Counter(e.kind for e in examples)
    lab = Counter((e.lang, e.label) for e in examples)
    return {"total": len(examples), "lang": dict(sorted(lang.items())), "kind": dict(sorted(kind.items())),
            "lang_label": {f"{k[0]}:{k[1]}": v for k, v in sorted(lab.items())}}


def _f(x: float) -> str:
    return "–" if x != x else f"{x:.3f}"


def summary_text(report: dict) -> str:
    lines = []
    for key in ("cv", "heldout", "heldout_keyword"):
        if key in report:
            m = report[key]["all"]
            lines.append(f"{key:16s} P={_f(m['precision'])} R={_f(m['recall'])} F1={_f(m['f1'])} FPR={_f(m['fpr'])} (n={m['n']})")
    if "cv_obfuscated" in report:
        m = report["cv_obfuscated"]
        lines.append(f"{'cv_obfuscated':16s} P={_f(m['precision'])} R={_f(m['recall'])} F1={_f(m['f1'])} FPR={_f(m['fpr'])} (n={m['n']})")
    if "heldout_obfuscated" in report:
        m = report["heldout_obfuscated"]
        lines.append(f"{'heldout_obfusc.':16s} P={_f(m['precision'])} R={_f(m['recall'])} F1={_f(m['f1'])} FPR={_f(m['fpr'])} (n={m['n']})")
    lines.append(f"category accuracy (CV, positives): {_f(report.get('category_accuracy_cv', float('nan')))}")
    return "\n".join(lines)


def _line(name: str, m: dict) -> str:
    return f"| {name} | {m['n']} | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | {_f(m['fpr'])} |"


def results_summary(report: dict, model: TextModel) -> str:
    L = [f"Threshold **{report['threshold']:.2f}** (calibrated probability; best F1 with FPR <= "
         f"{model.meta.get('max_fpr', 0.018):.1%} on grouped cross-validation). Training texts: "
         f"{report['sizes']['total']}; held-out texts: {report['heldout_sizes']['total']}.", "",
         "| evaluation | n | precision | recall | F1 | FPR |", "|---|---:|---:|---:|---:|---:|",
         _line("cross-validation (original texts)", report["cv"]["all"]),
         _line("cross-validation (obfuscated copies)", report["cv_obfuscated"])]
    if "heldout" in report:
        L += [_line("**held-out split**", report["heldout"]["all"]),
              _line("held-out, re-obfuscated", report["heldout_obfuscated"]),
              _line("keyword baseline, held-out", report["heldout_keyword"]["all"]),
              _line("keyword baseline, held-out re-obfuscated", report["heldout_obfuscated_keyword"])]
    L += ["", f"Category accuracy on flagged positives: CV {_f(report.get('category_accuracy_cv', float('nan')))}, "
          f"held-out {_f(report.get('heldout_category_accuracy', float('nan')))}."]
    ho = report.get("heldout")
    for key, title in (("lang", "language"), ("kind", "kind")):
        L += ["", f"Per {title}: cross-validation F1 / FPR and held-out F1 / FPR (recall for positive-only kinds, "
              "FPR for negative-only kinds; full tables in text-model-metrics.md).", "",
              f"| {title} | CV n | CV F1 (recall) | CV FPR | held-out n | held-out F1 (recall) | held-out FPR |",
              "|---|---:|---:|---:|---:|---:|---:|"]
        for k, m in report["cv"][key].items():
            h = ho[key].get(k) if ho else None
            q = lambda x: x["recall"] if x["fpr"] != x["fpr"] else x["f1"]  # noqa: E731 - recall when no negatives
            cv_q = q(m)
            h_q = q(h) if h else float("nan")
            L.append(f"| {k} | {m['n']} | {_f(cv_q)} | {_f(m['fpr'])} | {h['n'] if h else 0} | {_f(h_q)} | {_f(h['fpr']) if h else '–'} |")
    return "\n".join(L)


def _update_card(card: Path, report: dict, model: TextModel) -> None:
    text = card.read_text(encoding="utf-8")
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if start not in text or end not in text:
        return
    a, b = text.index(start) + len(start), text.index(end)
    card.write_text(text[:a] + "\n" + results_summary(report, model) + "\n" + text[b:], encoding="utf-8")


def _table(title: str, rows: dict, kinds_neg: bool = False) -> list[str]:
    out = [f"| {title} | n | pos | precision | recall | F1 | FPR |", "|---|---:|---:|---:|---:|---:|---:|"]
    for k, m in rows.items():
        out.append(f"| {k} | {m['n']} | {m['pos']} | {_f(m['precision']) if m['pos'] or m['fp'] else '–'} | {_f(m['recall'])} | {_f(m['f1'])} | {_f(m['fpr'])} |")
    return out


def metrics_markdown(report: dict, model: TextModel) -> str:
    L = ["# gardefou text model: metrics", "",
         "Generated by `gardefou text train` (do not edit by hand).", "",
         f"Threshold: **{report['threshold']:.2f}** (calibrated probability; chosen on grouped cross-validation "
         f"for the best F1 with FPR <= {model.meta.get('max_fpr', 0.01):.1%}).", ""]
    s = report["sizes"]
    L += ["## Data", "", f"Training texts: {s['total']} (+{model.meta.get('augmented_copies')} obfuscated copies of each); "
          f"held-out texts: {report['heldout_sizes']['total']}.", "",
          "| lang | train pos | train neg | held-out |", "|---|---:|---:|---:|"]
    for lang in sorted(s["lang"]):
        L.append(f"| {lang} | {s['lang_label'].get(f'{lang}:1', 0)} | {s['lang_label'].get(f'{lang}:0', 0)} | {report['heldout_sizes']['lang'].get(lang, 0)} |")
    L += ["", "| kind | train | held-out |", "|---|---:|---:|"]
    for kind in sorted(set(s["kind"]) | set(report["heldout_sizes"]["kind"])):
        L.append(f"| {kind} | {s['kind'].get(kind, 0)} | {report['heldout_sizes']['kind'].get(kind, 0)} |")
    for key, title in (("cv", "Grouped 5-fold cross-validation (original texts)"), ("heldout", "Held-out split (never trained on)")):
        if key not in report:
            continue
        r = report[key]
        m = r["all"]
        L += ["", f"## {title}", "",
              f"Overall: precision {_f(m['precision'])}, recall {_f(m['recall'])}, F1 {_f(m['f1'])}, FPR {_f(m['fpr'])} (n={m['n']}).", ""]
        L += _table("lang", r["lang"]) + [""] + _table("kind", r["kind"])
    L += ["", "## Evasion robustness", ""]
    if "cv_obfuscated" in report:
        m = report["cv_obfuscated"]
        L.append(f"- CV, obfuscated copies: precision {_f(m['precision'])}, recall {_f(m['recall'])}, F1 {_f(m['f1'])}, FPR {_f(m['fpr'])} (n={m['n']}).")
    if "heldout_obfuscated" in report:
        m = report["heldout_obfuscated"]; k = report["heldout_obfuscated_keyword"]
        L.append(f"- Held-out texts re-obfuscated (homoglyphs, leet, spacing, zero-width, asterisks…): model F1 {_f(m['f1'])}, FPR {_f(m['fpr'])}; keyword baseline F1 {_f(k['f1'])}, FPR {_f(k['fpr'])}.")
    L += ["", "## Keyword baseline (English blocklist: nudify, undress, deepnude, nude(s), naked, clothes remover)", ""]
    for key, title in (("cv_keyword", "training corpus"), ("heldout_keyword", "held-out split")):
        if key in report:
            m = report[key]["all"]
            L.append(f"- {title}: precision {_f(m['precision'])}, recall {_f(m['recall'])}, F1 {_f(m['f1'])}, FPR {_f(m['fpr'])}.")
    if "heldout_keyword" in report:
        L += ["", "Per language on the held-out split (model F1 / keyword F1; model FPR / keyword FPR):", "",
              "| lang | model F1 | keyword F1 | model FPR | keyword FPR |", "|---|---:|---:|---:|---:|"]
        for lang, m in report["heldout"]["lang"].items():
            k = report["heldout_keyword"]["lang"][lang]
            L.append(f"| {lang} | {_f(m['f1'])} | {_f(k['f1'])} | {_f(m['fpr'])} | {_f(k['fpr'])} |")
    L += ["", f"Category (kind family) accuracy on flagged positives: CV {_f(report.get('category_accuracy_cv', float('nan')))}, "
          f"held-out {_f(report.get('heldout_category_accuracy', float('nan')))}.", ""]
    return "\n".join(L)
