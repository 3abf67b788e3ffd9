"""Numba kernels for the PDQ index (build, multi-index-hashing search, brute-force scan).

Why numba: the hot loops here (probe enumeration, gathering bucket rows, popcount verification)
are tight integer loops over arrays with data-dependent control flow, which numpy cannot
vectorise without materialising huge temporaries. ``@njit`` compiles them to native code (LLVM,
with the hardware ``popcnt`` instruction), ``cache=True`` keeps the machine code on disk so only the
first import ever compiles, and ``nogil=True`` releases the GIL so several Python threads can search
the same index at once. This is the common way scientific Python gets C speed without a C
extension to build and ship.

Hash layout: an (n, 32) uint8 array viewed as (n, 4) uint64 ("words"). Substring ``t`` of a
table set with ``nbits`` bits per substring is the bit range ``[t*nbits, (t+1)*nbits)`` of the
256-bit number ``words[0] | words[1] << 64 | ...``. Any partition of the bits into disjoint
substrings works for the pigeonhole argument, and build and query use the same function.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _ctpop64(typingctx, x):  # pragma: no cover - compiled
    """LLVM's ctpop: a single ``popcnt`` instruction on any x86-64 / ARM64 CPU that has one."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.ctpop.i64")
        return builder.call(fn, [args[0]])

    return sig, codegen


_U1 = np.uint64(1)


@njit(cache=True, inline="always")
def _dist(words, i, q0, q1, q2, q3):
    return np.int64(
        _ctpop64(words[i, 0] ^ q0) + _ctpop64(words[i, 1] ^ q1) + _ctpop64(words[i, 2] ^ q2) + _ctpop64(words[i, 3] ^ q3)
    )


@njit(cache=True, inline="always")
def _extract(words, i, start, nbits):
    """Bits [start, start+nbits) of row i (nbits <= 32) as an int64."""
    w = start >> 6
    off = start & 63
    v = words[i, w] >> np.uint64(off)
    if off + nbits > 64:
        v |= words[i, w + 1] << np.uint64(64 - off)
    return np.int64(v & ((_U1 << np.uint64(nbits)) - _U1))


@njit(cache=True, inline="always")
def _is_dead(dead, row):
    if dead.shape[0] == 0:
        return False
    return (dead[row >> 3] >> (row & 7)) & 1 == 1


@njit(cache=True, inline="always")
def _push(out_r, out_d, cnt, row, d):
    if cnt == out_r.shape[0]:
        nr = np.empty(out_r.shape[0] * 2, np.int64)
        nd = np.empty(out_r.shape[0] * 2, np.int32)
        nr[:cnt] = out_r[:cnt]
        nd[:cnt] = out_d[:cnt]
        out_r = nr
        out_d = nd
    out_r[cnt] = row
    out_d[cnt] = d
    return out_r, out_d, cnt + 1


# ----------------------------------------------------------------------------------------- build
@njit(cache=True, nogil=True)
def build_table(words, start, nbits, offsets, rows):
    """Counting sort of rows by their substring key: ``offsets`` (2**nbits + 1, zeroed) gets the
    bucket starts, ``rows`` (n,) the row numbers, ascending within each bucket."""
    n = words.shape[0]
    keys = np.empty(n, np.uint32)
    for i in range(n):
        k = _extract(words, i, start, nbits)
        keys[i] = k
        offsets[k + 1] += 1
    size = offsets.shape[0] - 1
    for k in range(size):
        offsets[k + 1] += offsets[k]
    pos = offsets[:size].copy()
    for i in range(n):
        k = keys[i]
        rows[pos[k]] = i
        pos[k] += 1


# ---------------------------------------------------------------------------------------- search
@njit(cache=True, inline="always")
def _n_within(nbits, r):
    """Number of nbits-bit keys within Hamming radius r of a key."""
    total = 0
    c = 1
    for k in range(r + 1):
        total += c
        c = c * (nbits - k) // (k + 1)
    return total


@njit(cache=True, nogil=True)
def mih_query(words, offsets, rows, dead, q, nbits, radii, max_d, out_r, out_d, cnt):
    """Multi-index hashing search of one query ``q`` ((4,) uint64) in one segment.

    Table ``t`` is probed at every key within Hamming radius ``radii[t]`` (-1: table skipped) of the
    query's substring ``t``; the radii satisfy ``sum(radii + 1) > max_d``, so by pigeonhole every row
    within ``max_d`` has some substring within its table's radius and is found. Three stages with
    independent memory accesses inside each (probe the offsets, gather bucket rows, verify), so
    the CPU overlaps the cache misses instead of chasing one pointer chain at a time.

    A row found in table t is reported only if no earlier table would have found it too (its
    substring s < t is farther than radii[s]) -- exact de-duplication without a hash set.
    """
    m = offsets.shape[0]
    q0 = q[0]
    q1 = q[1]
    q2 = q[2]
    q3 = q[3]
    qw = q.reshape(1, 4)
    # stage 1: probe ranges
    nprobe = 0
    for t in range(m):
        if radii[t] >= 0:
            nprobe += _n_within(nbits, radii[t])
    lo = np.empty(nprobe, np.int64)
    hi = np.empty(nprobe, np.int64)
    tstart = np.zeros(m + 1, np.int64)
    p = 0
    limit = np.int64(1) << nbits
    for t in range(m):
        r = radii[t]
        tstart[t] = p
        if r < 0:
            continue
        key = _extract(qw, 0, t * nbits, nbits)
        off_t = offsets[t]
        lo[p] = off_t[key]
        hi[p] = off_t[key + 1]
        p += 1
        for k in range(1, r + 1):
            mask = (np.int64(1) << k) - 1
            while mask < limit:
                kk = key ^ mask
                lo[p] = off_t[kk]
                hi[p] = off_t[kk + 1]
                p += 1
                c = mask & -mask
                rr = mask + c
                mask = (((rr ^ mask) >> 2) // c) | rr
    tstart[m] = p
    # stage 2: gather candidate rows
    ncand = 0
    for i in range(nprobe):
        ncand += hi[i] - lo[i]
    cand = np.empty(ncand, np.int64)
    cstart = np.zeros(m + 1, np.int64)
    c = 0
    for t in range(m):
        cstart[t] = c
        rows_t = rows[t]
        for i in range(tstart[t], tstart[t + 1]):
            for j in range(lo[i], hi[i]):
                cand[c] = rows_t[j]
                c += 1
    cstart[m] = c
    # stage 3: verify
    for t in range(m):
        for i in range(cstart[t], cstart[t + 1]):
            row = cand[i]
            d = _dist(words, row, q0, q1, q2, q3)
            if d > max_d:
                continue
            dup = False
            for s in range(t):
                rs = radii[s]
                if rs >= 0:
                    x = _extract(words, row, s * nbits, nbits) ^ _extract(qw, 0, s * nbits, nbits)
                    if np.int64(_ctpop64(np.uint64(x))) <= rs:
                        dup = True
                        break
            if dup or _is_dead(dead, row):
                continue
            out_r, out_d, cnt = _push(out_r, out_d, cnt, row, d)
    return out_r, out_d, cnt


@njit(cache=True, nogil=True)
def brute_query(words, n, dead, q, max_d, out_r, out_d, cnt):
    """Scan rows [0, n) of ``words``; rows within ``max_d`` of ``q`` and not dead are appended."""
    q0 = q[0]
    q1 = q[1]
    q2 = q[2]
    q3 = q[3]
    for i in range(n):
        d = _dist(words, i, q0, q1, q2, q3)
        if d <= max_d and not _is_dead(dead, i):
            out_r, out_d, cnt = _push(out_r, out_d, cnt, i, d)
    return out_r, out_d, cnt


@njit(cache=True, nogil=True)
def mih_search(words, offsets, rows, dead, q, nbits, radii, max_d):
    out_r = np.empty(16, np.int64)
    out_d = np.empty(16, np.int32)
    out_r, out_d, cnt = mih_query(words, offsets, rows, dead, q, nbits, radii, max_d, out_r, out_d, 0)
    return out_r[:cnt], out_d[:cnt]


@njit(cache=True, nogil=True)
def brute_search(words, n, dead, q, max_d):
    out_r = np.empty(16, np.int64)
    out_d = np.empty(16, np.int32)
    out_r, out_d, cnt = brute_query(words, n, dead, q, max_d, out_r, out_d, 0)
    return out_r[:cnt], out_d[:cnt]


@njit(cache=True, nogil=True)
def mih_search_batch(words, offsets, rows, dead, qs, nbits, radii, max_d):
    """Many queries: returns (rows, dists, qstart) with query i's results in [qstart[i], qstart[i+1])."""
    nq = qs.shape[0]
    out_r = np.empty(max(16, nq), np.int64)
    out_d = np.empty(max(16, nq), np.int32)
    qstart = np.zeros(nq + 1, np.int64)
    cnt = 0
    for i in range(nq):
        qstart[i] = cnt
        out_r, out_d, cnt = mih_query(words, offsets, rows, dead, qs[i], nbits, radii, max_d, out_r, out_d, cnt)
    qstart[nq] = cnt
    return out_r[:cnt], out_d[:cnt], qstart


@njit(cache=True, nogil=True)
def brute_search_batch(words, n, dead, qs, max_d):
    """Brute force for many queries, blocked so a block of rows stays in cache for all queries."""
    nq = qs.shape[0]
    # per-query growing buffers would need a list of arrays; do one pass per block of rows and
    # append (query, row, dist) triples, then sort by query.
    out_q = np.empty(max(16, nq), np.int64)
    out_r = np.empty(max(16, nq), np.int64)
    out_d = np.empty(max(16, nq), np.int32)
    cnt = 0
    block = 4096
    for b0 in range(0, n, block):
        b1 = min(n, b0 + block)
        for j in range(nq):
            q0 = qs[j, 0]
            q1 = qs[j, 1]
            q2 = qs[j, 2]
            q3 = qs[j, 3]
            for i in range(b0, b1):
                d = _dist(words, i, q0, q1, q2, q3)
                if d <= max_d and not _is_dead(dead, i):
                    if cnt == out_r.shape[0]:
                        nq_ = np.empty(cnt * 2, np.int64)
                        nq_[:cnt] = out_q[:cnt]
                        out_q = nq_
                    out_q[cnt] = j
                    out_r, out_d, cnt = _push(out_r, out_d, cnt, i, d)
    order = np.argsort(out_q[:cnt], kind="mergesort")
    rr = out_r[:cnt][order]
    dd = out_d[:cnt][order]
    qstart = np.zeros(nq + 1, np.int64)
    for k in range(cnt):
        qstart[out_q[k] + 1] += 1
    for j in range(nq):
        qstart[j + 1] += qstart[j]
    return rr, dd, qstart
