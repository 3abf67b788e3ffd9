"""PDQ matching benchmark: gardefou.matching.HashIndex vs FAISS in the same process.

Run: ``.venv/bin/python -m bench bench_matching`` (default sizes 1M and 10M), or choose sizes with
``GARDEFOU_BENCH_MATCHING_SIZES=1000000`` (comma separated; ``1M``/``10M`` also accepted) or as
extra arguments (``python -m bench bench_matching 1M``). ``GARDEFOU_BENCH_MATCHING_MULTIHASH=0``
skips the FAISS multi-hash baseline (it needs ~0.7 GB and ~10 s to build per million hashes).

For each size and distribution (uniform random; clustered = many near-duplicates of a few
thousand originals) it plants queries at distances 0..31 from database rows (plus random
queries), then reports:

* recall: the planted row is found for every planted query, and the full result sets equal
  FAISS ``IndexBinaryFlat`` (exact brute force) range search -- asserted to be 1.0;
* median single-query latency, queries/s for batches of 1000, build time, index memory,
  save / load time (memory-mapped), all as ratios against ``faiss.IndexBinaryFlat`` and
  ``faiss.IndexBinaryMultiHash`` (8 tables x 32 bits, 3 flips: exact at radius 31).

FAISS range search radius is exclusive (``d < radius``), so ``max_distance=31`` is radius 32.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
import time
from typing import Any

import numpy as np

from gardefou.matching import HashIndex

MAX_D = 31
N_QUERIES = 1000  # batch size and query pool
N_SINGLE = 300  # single-query latency samples (ours)
N_SINGLE_FAISS = 30  # single-query samples for the slow baselines
N_ORIGINALS = 4000  # clustered: originals
CLUSTER_MAX_FLIP = 16  # clustered: near-duplicates differ from their original by 0..16 bits


def _sizes() -> list[int]:
    raw = [a for a in sys.argv[1:] if a[:1].isdigit()]
    if not raw:
        raw = os.environ.get("GARDEFOU_BENCH_MATCHING_SIZES", "1000000,10000000").split(",")
    out = []
    for s in raw:
        s = s.strip().upper()
        if s:
            mult = {"K": 1_000, "M": 1_000_000}.get(s[-1], 1)
            out.append(int(float(s.rstrip("KM")) * mult))
    return out


def _rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _trim() -> None:
    """Collect garbage and give freed heap back to the OS so RSS deltas mean something."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _xor_random_bits(h: np.ndarray, nflip: np.ndarray, rng: np.random.Generator) -> None:
    """Flip up to nflip[i] random bits of row i in place (positions may repeat: cheap at 10M)."""
    for j in range(int(nflip.max(initial=0))):
        rows = np.flatnonzero(nflip > j)
        pos = rng.integers(0, 256, rows.size)
        h[rows, pos >> 3] ^= (np.uint8(1) << (pos & 7).astype(np.uint8)).astype(np.uint8)


def make_data(n: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "uniform":
        return rng.integers(0, 256, (n, 32), dtype=np.uint8)
    orig = rng.integers(0, 256, (N_ORIGINALS, 32), dtype=np.uint8)
    h = orig[rng.integers(0, N_ORIGINALS, n)]
    _xor_random_bits(h, rng.integers(0, CLUSTER_MAX_FLIP + 1, n), rng)
    return h


def make_queries(h: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """N_QUERIES queries: 80% planted at exact distances 0..31 from a row (returned), 20% random."""
    n_planted = N_QUERIES * 4 // 5
    rows = rng.integers(0, h.shape[0], n_planted)
    bits = np.unpackbits(h[rows], axis=1)
    dist = np.arange(n_planted) % (MAX_D + 1)
    for i, k in enumerate(dist):
        bits[i, rng.choice(256, size=int(k), replace=False)] ^= 1
    planted = np.packbits(bits, axis=1)
    rand = rng.integers(0, 256, (N_QUERIES - n_planted, 32), dtype=np.uint8)
    return np.concatenate([planted, rand]), rows


def _faiss_sets(lims: np.ndarray, labels: np.ndarray) -> list[set[int]]:
    return [set(labels[lims[i] : lims[i + 1]].tolist()) for i in range(len(lims) - 1)]


def _median_ms(fn, queries: np.ndarray) -> float:
    lat = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        lat.append(time.perf_counter() - t)
    return float(np.median(lat) * 1e3)


def _single_thread_ms(fn, queries: np.ndarray) -> float:
    """Median single-query latency of a FAISS index with one OpenMP thread, like ours (on a shared,
    busy machine OpenMP's spinning threads make single FAISS queries far slower and very noisy)."""
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return _median_ms(fn, queries)
    finally:
        faiss.omp_set_num_threads(threads)


def bench_one(n: int, kind: str, with_multihash: bool) -> dict[str, Any]:
    import faiss

    rng = np.random.default_rng(n + (1 if kind == "clustered" else 0))
    t = time.perf_counter()
    h = make_data(n, kind, rng)
    qs, planted_rows = make_queries(h, rng)
    ids = np.arange(n, dtype=np.int64)
    print(f"\n-- {n:,} hashes, {kind} (data {time.perf_counter() - t:.1f} s)", flush=True)
    res: dict[str, Any] = {"n": n, "kind": kind}

    # ---- ours
    _trim()
    rss0 = _rss_mb()
    t = time.perf_counter()
    idx = HashIndex()
    idx.add(ids, h)
    res["build_ours"] = time.perf_counter() - t
    res["mem_ours"] = idx.stats()["nbytes"] / 2**20
    res["rss_ours"] = _rss_mb() - rss0
    idx.search_batch(qs[:10])  # warm-up (numba cache load)
    res["lat_ours"] = _median_ms(lambda q: idx.search(q, MAX_D), qs[:N_SINGLE])
    t = time.perf_counter()
    ours = idx.search_batch(qs, MAX_D)
    res["qps_ours"] = len(qs) / (time.perf_counter() - t)
    matches = sum(len(r) for r in ours)
    res["matches_per_query"] = matches / len(qs)
    # planted recall: the planted row itself is always found
    found = sum(int(any(m.id == r for m in ours[i])) for i, r in enumerate(planted_rows.tolist()))
    res["planted_recall"] = found / len(planted_rows)
    # save / load
    tmp = tempfile.mkdtemp(prefix="gardefou-bench-")
    try:
        t = time.perf_counter()
        idx.save(tmp)
        res["save_ours"] = time.perf_counter() - t
        del idx
        gc.collect()
        t = time.perf_counter()
        loaded = HashIndex.load(tmp, mmap=True)
        res["load_ours"] = time.perf_counter() - t
        t = time.perf_counter()
        first = loaded.search_batch(qs, MAX_D)  # first queries after load page the tables in
        res["first_batch_after_load"] = time.perf_counter() - t
        assert [[(m.id, m.distance) for m in r] for r in first] == [[(m.id, m.distance) for m in r] for r in ours]
        res["lat_loaded"] = _median_ms(lambda q: loaded.search(q, MAX_D), qs[:N_SINGLE])
        del loaded, first
        gc.collect()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- faiss IndexBinaryFlat (exact brute force): the reference result
    t = time.perf_counter()
    flat = faiss.IndexBinaryFlat(256)
    flat.add(h)
    res["build_flat"] = time.perf_counter() - t
    res["mem_flat"] = h.nbytes / 2**20
    flat.range_search(qs[:2], MAX_D + 1)  # warm-up
    res["lat_flat"] = _single_thread_ms(lambda q: flat.range_search(q[None, :], MAX_D + 1), qs[:N_SINGLE_FAISS])
    t = time.perf_counter()
    lims, dists, labels = flat.range_search(qs, MAX_D + 1)
    res["qps_flat"] = len(qs) / (time.perf_counter() - t)
    truth = _faiss_sets(lims, labels)
    got = [{m.id for m in r} for r in ours]
    true_pairs = sum(len(s) for s in truth)
    hit_pairs = sum(len(s & g) for s, g in zip(truth, got))
    res["recall"] = hit_pairs / max(1, true_pairs)
    res["exact_same_sets"] = got == truth
    del flat, lims, dists, labels
    _trim()

    # ---- faiss IndexBinaryMultiHash
    if with_multihash:
        rss0 = _rss_mb()
        t = time.perf_counter()
        mh = faiss.IndexBinaryMultiHash(256, 8, 32)
        mh.nflip = 3  # 8 tables x (3 + 1) > 31: exact at radius 31
        mh.add(h)
        res["build_mh"] = time.perf_counter() - t
        res["rss_mh"] = _rss_mb() - rss0
        mh.range_search(qs[:2], MAX_D + 1)  # warm-up
        res["lat_mh"] = _single_thread_ms(lambda q: mh.range_search(q[None, :], MAX_D + 1), qs[:N_SINGLE_FAISS])
        t = time.perf_counter()
        lims, dists, labels = mh.range_search(qs, MAX_D + 1)
        res["qps_mh"] = len(qs) / (time.perf_counter() - t)
        res["mh_same_sets"] = _faiss_sets(lims, labels) == truth
        del mh, lims, dists, labels
    del h
    _trim()
    return res


def report(r: dict[str, Any]) -> None:
    print(f"   recall vs brute force: {r['recall']:.4f} (identical result sets: {r['exact_same_sets']}); "
          f"planted rows found: {r['planted_recall']:.4f}; matches/query: {r['matches_per_query']:.1f}")
    print(f"   gardefou: median single query {r['lat_ours']:.3f} ms, batch-1000 {r['qps_ours']:,.0f} q/s, "
          f"build {r['build_ours']:.2f} s, index {r['mem_ours']:,.0f} MiB (RSS +{r['rss_ours']:,.0f} MiB)")
    print(f"             save {r['save_ours']:.2f} s, load (mmap) {r['load_ours'] * 1e3:.1f} ms, first batch after load "
          f"{r['first_batch_after_load']:.2f} s, median single query after load {r['lat_loaded']:.3f} ms")
    print(f"   faiss IndexBinaryFlat:      median single {r['lat_flat']:.3f} ms, batch {r['qps_flat']:,.0f} q/s, "
          f"build {r['build_flat']:.2f} s, {r['mem_flat']:,.0f} MiB"
          f"  -> gardefou is {r['lat_flat'] / r['lat_ours']:.1f}x faster single, "
          f"{r['qps_ours'] / r['qps_flat']:.1f}x batch")
    if "lat_mh" in r:
        print(f"   faiss IndexBinaryMultiHash: median single {r['lat_mh']:.3f} ms, batch {r['qps_mh']:,.0f} q/s, "
              f"build {r['build_mh']:.2f} s, RSS +{r['rss_mh']:,.0f} MiB (same sets as flat: {r['mh_same_sets']})"
              f"  -> gardefou is {r['lat_mh'] / r['lat_ours']:.1f}x faster single, "
              f"{r['qps_ours'] / r['qps_mh']:.1f}x batch, {r['build_mh'] / r['build_ours']:.1f}x faster build")
    if r["n"] >= 10_000_000 and r["kind"] == "uniform":
        ok = r["lat_ours"] <= 0.5 and r["mem_ours"] * 2**20 <= 1.2e9 and r["load_ours"] <= 5
        print(f"   goal at 10M uniform (<= 0.5 ms, <= 1.2 GB, load <= 5 s): {'met' if ok else 'NOT met'}")


def main() -> None:
    with_mh = os.environ.get("GARDEFOU_BENCH_MATCHING_MULTIHASH", "1") != "0"
    import faiss

    print(f"threads: faiss {faiss.omp_get_max_threads()} for batches, 1 for single queries; cpu {os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.1f}; max_distance {MAX_D}; "
          f"{N_QUERIES} queries (80% planted at 0..31 bits from a row, 20% random)")
    for n in _sizes():
        for kind in ("uniform", "clustered"):
            r = bench_one(n, kind, with_mh)
            report(r)
            assert r["recall"] == 1.0 and r["planted_recall"] == 1.0 and r["exact_same_sets"], "recall must be 1.0"


if __name__ == "__main__":
    main()
