"""Helpers for the matching tests: random hashes with planted neighbours, numpy brute force."""

from __future__ import annotations

import numpy as np
from gardefou.matching.pdq import hamming_distances


def flip_bits(h: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Copy of packed hash ``h`` with exactly k distinct bits flipped."""
    bits = np.unpackbits(h)
    idx = rng.choice(256, size=k, replace=False)
    bits[idx] ^= 1
    return np.packbits(bits)


def brute(ids: np.ndarray, hashes: np.ndarray, q: np.ndarray, max_d: int) -> list[tuple[int, int]]:
    """(id, distance) of every row within max_d, nearest first, ties by id."""
    if len(ids) == 0:
        return []
    d = hamming_distances(q, hashes)
    sel = np.flatnonzero(d <= max_d)
    return sorted(((int(ids[i]), int(d[i])) for i in sel), key=lambda t: (t[1], t[0]))


def as_pairs(matches) -> list[tuple[int, int]]:
    return [(m.id, m.distance) for m in matches]


def clustered(rng: np.random.Generator, n_orig: int, per: int, max_flip: int) -> np.ndarray:
    """n_orig random originals, each with `per` near-duplicates at 0..max_flip bits."""
    orig = rng.integers(0, 256, (n_orig, 32), dtype=np.uint8)
    bits = np.unpackbits(np.repeat(orig, per, axis=0), axis=1)
    nflip = rng.integers(0, max_flip + 1, bits.shape[0])
    for k in range(1, max_flip + 1):
        rows = np.flatnonzero(nflip == k)
        if rows.size:
            cols = np.argsort(rng.random((rows.size, 256)), axis=1)[:, :k]
            bits[rows[:, None], cols] ^= 1
    return np.packbits(bits, axis=1)
