"""Public API: `classify(text)` and `classify_batch(texts)` -> TextVerdict."""

from __future__ import annotations

import ctypes
import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

import numpy as np

from gardefou.text.features import LEX_CATEGORIES, featurize
from gardefou.text.linkfeatures import link_reasons
from gardefou.text.model import TextModel, load_model

__all__ = ["TextVerdict", "classify", "classify_batch", "MAX_CHARS"]

MAX_CHARS = 20000
_CAT_LABEL = {
    "undress": "undressing term", "nude": "nudity term", "tool": "tool/app term",
    "promo": "promotion term", "target": "targets a person/any photo", "upload": "photo upload cue",
    "request": "request cue", "counter": "news/policy/support cue", "benign": "everyday-use cue",
    "laundered": "laundering euphemism", "review": "review/ranking cue",
    "garment": "clothing term", "vanish": "remove/erase/see-through cue",
}
_STRUCT_REASON = {
    "struct:referral": "referral/affiliate code", "struct:telegram": "Telegram bot/channel handle",
    "struct:price": "price or currency", "struct:number_free": "free credits/coins/tokens offer",
    "struct:shortener": "URL shortener", "struct:obfuscated_domain": "obfuscated domain (e.g. name[.]app)",
    "emoji:bait": "emoji link bait (👉 ➤ 🔞 …)",
}


@dataclass(frozen=True)
class TextVerdict:
    """Verdict for one text: `score` is a calibrated probability that the text promotes, sells,
    refers to or solicits undressing of real people; `category` the predicted kind (when flagged)."""

    flagged: bool
    score: float
    category: str | None
    reasons: list[str] = field(default_factory=list, hash=False)
    lang: str | None = None
    normalized: str = ""
    tricks: tuple[str, ...] = ()
    links: list[dict] = field(default_factory=list, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "flagged": self.flagged,
            "score": round(self.score, 4),
            "category": self.category,
            "reasons": list(self.reasons),
            "lang": self.lang,
            "normalized": self.normalized,
            "tricks": list(self.tricks),
            "links": [dict(x) for x in self.links],
        }


def _safe_text(t: Any) -> tuple[str, bool]:
    if t is None:
        t = ""
    elif not isinstance(t, str):
        t = bytes(t).decode("utf-8", errors="replace") if isinstance(t, (bytes, bytearray)) else str(t)
    if len(t) > MAX_CHARS:
        return t[:MAX_CHARS], True
    return t, False


def _stopwords() -> frozenset[str]:
    from gardefou.text.lang import _STOP

    words = {w for ws in _STOP.values() for w in ws}
    words |= {"me", "com", "www", "https", "http", "t", "s", "de", "la", "и", "в", "на", "с", "не", "что", "это", "і", "у", "з"}
    return frozenset(words)


_STOPWORDS = _stopwords()
_new = object.__new__


def _top_terms(model: TextModel, batch, flagged: np.ndarray, k: int = 3) -> list[list[str]]:
    """Per row, the word/phrase features that weighed most (towards the verdict)."""
    out: list[list[str]] = [[] for _ in range(batch.n)]
    if batch.word_rows.size == 0:
        return out
    contrib = model.w_hashed[batch.word_cols] * batch.word_vals
    sign = np.where(flagged[batch.word_rows], 1.0, -1.0)
    c = contrib * sign
    keep = np.nonzero(c > 0.02)[0]          # only features that pushed towards the verdict
    if keep.size == 0:
        return out
    rows = batch.word_rows[keep]
    # by row, then by weight (largest first): one sort on a combined key is cheaper than
    # np.lexsort. Rows are whole numbers and 0.02 < c, capped at 512 here, so row * 1024 - c keeps
    # both orders (within a chunk of 1,024 rows, weights closer than 1e-9 keep their input order,
    # as ties do)
    srt = np.argsort(rows * 1024.0 - np.minimum(c[keep], 512.0), kind="stable")
    order = keep[srt]
    # only the first few candidates of each row can be shown (k, plus slack for skipped words)
    rs = rows[srt]
    first = np.searchsorted(rs, rs, side="left")
    order = order[(np.arange(rs.size) - first) < k + 3]
    joined = batch.joined
    lab = ["term" if f else "weighs against" for f in flagged.tolist()]
    prev = -1
    got: list[str] = []
    seen: list[str] = []
    for r, v, s0, e0 in zip(batch.word_rows[order].tolist(), contrib[order].tolist(),
                            batch.word_start[order].tolist(), batch.word_end[order].tolist()):
        if r != prev:  # candidates come row by row
            prev, got, seen = r, out[r], []
        if len(got) >= k:
            continue
        term = joined[s0:e0]
        if term in seen or len(term) < 2 or term in _STOPWORDS:
            continue
        seen.append(term)
        got.append(f'{lab[r]}: "{term}" ({v:+.2f})')
    return out


@lru_cache(maxsize=1)
def _keep_freed_memory_in_the_heap() -> None:
    """Classifying a chunk allocates and frees a few tens of MB of numpy temporaries. By default
    glibc serves blocks over 128 KB with fresh pages from the kernel and gives them back on
    free, so every chunk pays for zeroing and faulting those pages in again (feature hashing
    measured twice as slow). glibc raises these limits by itself after freeing one large block;
    this sets them at once: blocks up to 32 MB come from the heap, which is trimmed only above
    64 MB free. Process-wide and harmless elsewhere; skipped where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


_CHUNK = 1024  # texts per vectorised pass (measured: 256 and 2048 are slower on typical posts)
_GC_LOCK = threading.Lock()
_GC_STATE = {"depth": 0, "was_enabled": False}


@contextmanager
def _gc_paused():
    """Pause Python's cycle collector while texts are classified. Classifying allocates many
    short-lived lists, dicts and objects, none in a reference cycle (reference counting frees
    them); each burst of allocations would otherwise start collections that walk every long-lived
    object of the host process (about 8 % of the time in `bench_text`). Nested and concurrent
    calls share one pause; the collector is re-enabled when the last one ends."""
    with _GC_LOCK:
        if _GC_STATE["depth"] == 0:
            _GC_STATE["was_enabled"] = gc.isenabled()
            gc.disable()
        _GC_STATE["depth"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_STATE["depth"] -= 1
            if _GC_STATE["depth"] == 0 and _GC_STATE["was_enabled"]:
                gc.enable()


def classify_batch(texts: Iterable[Any], threshold: float | None = None, model: TextModel | None = None) -> list[TextVerdict]:
    """Classify many texts at once (vectorised). Order is preserved."""
    model = model or load_model()
    thr = model.threshold if threshold is None else float(threshold)
    prepared = [_safe_text(t) for t in texts]
    _keep_freed_memory_in_the_heap()
    with _gc_paused():
        if len(prepared) <= _CHUNK:
            return _classify_chunk(prepared, thr, model)
        out: list[TextVerdict] = []
        for i in range(0, len(prepared), _CHUNK):
            out.extend(_classify_chunk(prepared[i:i + _CHUNK], thr, model))
        return out


def _classify_chunk(prepared: list[tuple[str, bool]], thr: float, model: TextModel) -> list[TextVerdict]:
    raw = [p[0] for p in prepared]
    if not raw:
        return []
    batch = featurize(raw, model.config)
    dec, cat_scores = model.scores(batch)
    prob = model.probability(dec)
    empty = np.array([not nm.match.strip() for nm in batch.norms])
    if empty.any():
        prob = np.where(empty, 0.0, prob)
    flagged = prob >= thr
    frows = np.nonzero(flagged)[0]
    cats: dict[int, str] = {}
    if frows.size:
        best = cat_scores[frows].argmax(axis=1)
        for r, b in zip(frows.tolist(), best.tolist()):
            cats[r] = model.categories[b]
    terms = _top_terms(model, batch, flagged)
    wd = model.w_dense
    verdicts: list[TextVerdict] = []
    from gardefou.text.features import DENSE_NAMES

    # a lexicon category is shown when it pushed towards the verdict (undressing and laundering
    # terms are always shown on a flagged text): per category, for an unflagged / flagged text
    lex_pos = [bool(wd[ci] + wd[len(LEX_CATEGORIES) + ci] > 0) for ci in range(len(LEX_CATEGORIES))]
    show_lex = (tuple(not p for p in lex_pos),
                tuple(p or c in ("undress", "laundered") for p, c in zip(lex_pos, LEX_CATEGORIES)))
    lex_label = [_CAT_LABEL[c] for c in LEX_CATEGORIES]
    # structure cues that pushed towards the verdict, found for the whole chunk at once
    struct_idx = [(j, _STRUCT_REASON[n]) for j, n in enumerate(DENSE_NAMES) if n in _STRUCT_REASON]
    struct_reasons: dict[int, list[str]] = {}
    if struct_idx:
        cols = [j for j, _ in struct_idx]
        hit = (batch.dense[:, cols] > 0) & ((wd[cols] > 0)[None, :] == flagged[:, None])
        for r, c in zip(*(a.tolist() for a in np.nonzero(hit))):
            struct_reasons.setdefault(r, []).append(struct_idx[c][1])
    flagged_l = flagged.tolist()
    empty_l = empty.tolist()
    prob_l = prob.tolist()
    for i in range(batch.n):
        nm = batch.norms[i]
        f = flagged_l[i]
        reasons = terms[i]
        if empty_l[i] or prepared[i][1]:
            head = ["empty text (nothing to classify)"] if empty_l[i] else []
            if prepared[i][1]:
                head.append(f"text truncated to the first {MAX_CHARS} characters for the model")
            reasons = head + reasons
        lx = batch.lex[i]
        if lx:
            show = show_lex[f]
            shown: list[str] = []
            for term, cats_ in lx:
                if term in shown:
                    continue
                for ci in cats_:
                    if show[ci]:
                        reasons.append(f'{lex_label[ci]}: "{term}"')
                        shown.append(term)
                        break
                if len(shown) == 4:
                    break
        if i in struct_reasons:
            reasons.extend(struct_reasons[i])
        if batch.links[i]:
            reasons.extend(link_reasons(batch.links[i]))
        if nm.tricks:
            reasons.append("evasion undone: " + ", ".join(nm.tricks))
        lang = batch.langs[i]
        if lang:
            reasons.append(f"language: {lang}")
        v = _new(TextVerdict)  # same as TextVerdict(...), without the frozen per-field __init__ cost
        v.__dict__.update(
            flagged=f, score=prob_l[i], category=cats.get(i) if f else None, reasons=reasons,
            lang=lang, normalized=nm.text, tricks=nm.tricks, links=batch.links[i],
        )
        verdicts.append(v)
    return verdicts


def classify(text: Any, threshold: float | None = None) -> TextVerdict:
    """Classify one text (post, ad, comment, bio, bot description, listing or search query)."""
    return classify_batch([text], threshold=threshold)[0]
