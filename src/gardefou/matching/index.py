"""Exact PDQ near-neighbour index: multi-index hashing over immutable segments + a small delta.

Layout
------
* **Segments** (immutable; the big one is "the base"): hashes ``(n, 32) uint8`` sorted by id,
  ids (``uint32`` when they fit, else ``int64``), and for multi-index hashing ``m`` tables over
  disjoint ``b``-bit substrings of the hash, each a direct-addressed counting-sort table:
  ``offsets[t]`` (``2**b + 1`` uint32 bucket starts) and ``rows[t]`` (``n`` uint32 row numbers).
  ``b`` is chosen per segment from its size (23 bits x 11 tables at 10M rows). Saved as plain
  ``.npy`` files in their own folder and memory-mapped on load.
* **Delta**: recent adds in append-only buffers, scanned by brute force (it stays small: past
  ``DELTA_MAX`` rows it is frozen into a new segment). Small segments are merged size-tiered, and
  into the base once they hold ``max(65536, 5% of base)`` rows.
* **Tombstones**: per segment (and for the delta) a bitset of dead rows, copied on write.

Search is exact: by pigeonhole, if ``sum(radius_t + 1) > max_distance`` over the tables, every
hash within ``max_distance`` agrees with the query within ``radius_t`` bits on some substring ``t``;
every such bucket is probed and every candidate verified with popcount. When the radii get
large (e.g. ``max_distance`` around 64 and more) the estimated cost exceeds a linear scan and the
segment is brute-forced instead -- the answer is the same set either way.

Concurrency: the whole searchable state is an immutable snapshot object (`_State`); mutations
happen under a lock and publish a new snapshot with one attribute assignment, so a search sees
either all or none of a mutation and never blocks on writers. Appends write past the end that
older snapshots read; tombstone bitsets are copied before changing. Kernels release the GIL.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any

import numpy as np

from . import _kernels as K
from .pdq import HASH_BYTES, PdqLike, to_packed, to_packed_array

FORMAT_NAME = "gardefou-pdq-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DEFAULT_MAX_DISTANCE = 31

# Segment sizing / cost model (units roughly ns on a current x86 core; only ratios matter).
_MIN_TABLE_ROWS = 4096  # smaller segments are just scanned
_MAX_BITS = 23
_MIN_BITS = 10
_C_PROBE = 10.0  # one bucket lookup (random access into the offsets)
_C_CAND = 8.0  # one candidate verification (random access into the hashes)
_C_SCAN = 0.8  # one row of a linear scan

_EMPTY_BITS = np.zeros(0, dtype=np.uint8)
_EMPTY_BITS.flags.writeable = False


@dataclass(frozen=True, slots=True)
class Match:
    """One index entry within the distance threshold of a query."""

    id: int
    distance: int

    def to_dict(self) -> dict[str, int]:
        return {"id": self.id, "distance": self.distance}


def _ro(a: np.ndarray) -> np.ndarray:
    """Read-only view (all kernel inputs are read-only so numba compiles one specialisation)."""
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _radii(m: int, max_d: int) -> np.ndarray:
    """Per-table radii with ``sum(r + 1) == max_d + 1`` (minimal for pigeonhole), -1 = skip table."""
    q, rem = divmod(max_d, m)
    r = np.full(m, q, dtype=np.int64)
    low = m - rem - 1  # tables that can take radius q - 1
    if low > 0:
        r[m - low :] = q - 1
    return r


def _probes(nbits: int, radii: np.ndarray) -> int:
    return sum(sum(comb(nbits, k) for k in range(int(r) + 1)) for r in radii if r >= 0)


def _mih_cost(n: int, nbits: int, radii: np.ndarray) -> float:
    p = _probes(nbits, radii)
    return p * _C_PROBE + n * p / float(1 << nbits) * _C_CAND


def choose_bits(n: int, max_d: int = DEFAULT_MAX_DISTANCE) -> int:
    """Substring width for a segment of n rows (0: no tables, scan it). Keeps ``2**b <= 1.2 n``."""
    if n < _MIN_TABLE_ROWS:
        return 0
    best, best_cost = 0, n * _C_SCAN
    for b in range(_MIN_BITS, _MAX_BITS + 1):
        if (1 << b) > 1.2 * n:
            break
        cost = _mih_cost(n, b, _radii(256 // b, max_d))
        if cost < best_cost:
            best, best_cost = b, cost
    return best


def _threads() -> int:
    return max(1, min(8, os.cpu_count() or 1))


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="gardefou-index")
        return _POOL


def _ids_dtype(ids: np.ndarray) -> np.dtype:
    if ids.size == 0 or (ids.min() >= 0 and ids.max() < 2**32):
        return np.dtype(np.uint32)
    return np.dtype(np.int64)


def _lookup(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``ids`` (int64) in ``sorted_ids`` and a found mask."""
    if sorted_ids.size == 0 or ids.size == 0:
        return np.zeros(ids.size, np.int64), np.zeros(ids.size, bool)
    if sorted_ids.dtype == np.uint32:
        ok = (ids >= 0) & (ids < 2**32)
        probe = np.where(ok, ids, 0).astype(np.uint32)
    else:
        ok = np.ones(ids.size, bool)
        probe = ids
    pos = np.searchsorted(sorted_ids, probe)
    pos = np.minimum(pos, sorted_ids.size - 1)
    found = ok & (sorted_ids[pos] == probe)
    return pos.astype(np.int64), found


def _bit_get(bits: np.ndarray, rows: np.ndarray) -> np.ndarray:
    if bits.size == 0:
        return np.zeros(rows.size, bool)
    return ((bits[rows >> 3] >> (rows & 7).astype(np.uint8)) & 1).astype(bool)


def _bit_set(bits: np.ndarray, nrows: int, rows: np.ndarray) -> np.ndarray:
    """Copy of the bitset (created if empty) with ``rows`` set."""
    out = np.zeros((nrows + 7) // 8, np.uint8)
    if bits.size:
        out[: bits.size] = bits
    np.bitwise_or.at(out, rows >> 3, (np.uint8(1) << (rows & 7).astype(np.uint8)).astype(np.uint8))
    return _ro(out)


def _bits_to_rows(bits: np.ndarray, n: int) -> np.ndarray:
    if bits.size == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.unpackbits(bits, bitorder="little")[:n]).astype(np.int64)


# ------------------------------------------------------------------------------------- segments
class _Segment:
    """Immutable block of rows, sorted by id, with its multi-index-hashing tables."""

    __slots__ = ("name", "hashes", "words", "ids", "n", "nbits", "offsets", "rows", "_plans")

    def __init__(self, name: str, hashes: np.ndarray, ids: np.ndarray, nbits: int,
                 offsets: np.ndarray | None, rows: np.ndarray | None) -> None:
        self.name = name
        self.hashes = hashes
        self.words = _ro(np.asarray(hashes).view(np.uint64).reshape(-1, 4))
        self.ids = ids
        self.n = int(hashes.shape[0])
        self.nbits = nbits
        self.offsets = None if offsets is None else _ro(np.asarray(offsets))
        self.rows = None if rows is None else _ro(np.asarray(rows))
        self._plans: dict[int, np.ndarray | None] = {}

    @property
    def tables(self) -> int:
        return 0 if self.offsets is None else int(self.offsets.shape[0])

    @classmethod
    def build(cls, ids: np.ndarray, hashes: np.ndarray, nbits: int | None = None) -> _Segment:
        """``ids`` int64 unique (any order), ``hashes`` (n, 32) uint8."""
        order = np.argsort(ids, kind="stable") if ids.size and np.any(ids[1:] < ids[:-1]) else None
        if order is not None:
            ids = ids[order]
            hashes = hashes[order]
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        ids = _ro(np.ascontiguousarray(ids.astype(_ids_dtype(ids), copy=False)))
        n = hashes.shape[0]
        b = choose_bits(n) if nbits is None else nbits
        offsets = rows = None
        if b:
            m = 256 // b
            words = _ro(hashes.view(np.uint64).reshape(-1, 4))
            offsets = np.zeros((m, (1 << b) + 1), np.uint32)
            rows = np.empty((m, n), np.uint32)
            jobs = [(t * b, offsets[t], rows[t]) for t in range(m)]

            def run(job: tuple[int, np.ndarray, np.ndarray]) -> None:
                K.build_table(words, job[0], b, job[1], job[2])

            if n >= 100_000 and _threads() > 1:
                list(_pool().map(run, jobs))
            else:
                for job in jobs:
                    run(job)
        return cls("seg-" + uuid.uuid4().hex, _ro(hashes), ids, b, offsets, rows)

    # -- search
    def plan(self, max_d: int) -> np.ndarray | None:
        """Radii per table for this threshold, or None to scan (small segment / large radius)."""
        try:
            return self._plans[max_d]
        except KeyError:
            pass
        radii = None
        if self.nbits:
            r = _radii(self.tables, max_d)
            if _mih_cost(self.n, self.nbits, r) < self.n * _C_SCAN:
                radii = _ro(r)
        self._plans[max_d] = radii
        return radii

    def search(self, q: np.ndarray, max_d: int, dead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        radii = self.plan(max_d)
        if radii is None:
            return K.brute_search(self.words, self.n, dead, q, max_d)
        return K.mih_search(self.words, self.offsets, self.rows, dead, q, self.nbits, radii, max_d)

    def search_batch(self, qs: np.ndarray, max_d: int, dead: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        radii = self.plan(max_d)
        if radii is None:
            return K.brute_search_batch(self.words, self.n, dead, qs, max_d)
        return K.mih_search_batch(self.words, self.offsets, self.rows, dead, qs, self.nbits, radii, max_d)

    def nbytes(self) -> int:
        total = self.hashes.nbytes + self.ids.nbytes
        if self.offsets is not None and self.rows is not None:
            total += self.offsets.nbytes + self.rows.nbytes
        return int(total)

    # -- persistence
    def meta(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.n, "bits": self.nbits, "tables": self.tables,
                "ids_dtype": self.ids.dtype.str}

    def write(self, directory: Path) -> None:
        """Write into ``directory/<name>`` atomically (temp folder + rename); no-op if present."""
        final = directory / self.name
        if final.is_dir():
            return
        tmp = directory / f".tmp-{self.name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        arrays = {"hashes": self.hashes, "ids": self.ids}
        if self.offsets is not None:
            arrays["offsets"] = self.offsets
            arrays["rows"] = self.rows
        for key, arr in arrays.items():
            _save_npy(tmp / f"{key}.npy", np.asarray(arr))
        _fsync_dir(tmp)
        os.replace(tmp, final)

    @classmethod
    def read(cls, directory: Path, meta: dict[str, Any], mmap: bool) -> _Segment:
        d = directory / meta["name"]
        mode = "r" if mmap else None

        def get(key: str) -> np.ndarray:
            return _ro(np.asarray(np.load(d / f"{key}.npy", mmap_mode=mode, allow_pickle=False)))

        hashes, ids = get("hashes"), get("ids")
        n = int(meta["rows"])
        if hashes.shape != (n, HASH_BYTES) or hashes.dtype != np.uint8 or ids.shape != (n,):
            raise ValueError(f"index segment {meta['name']} is damaged (shapes {hashes.shape}, {ids.shape})")
        nbits = int(meta["bits"])
        offsets = rows = None
        if nbits:
            offsets, rows = get("offsets"), get("rows")
            m = int(meta["tables"])
            if offsets.shape != (m, (1 << nbits) + 1) or rows.shape != (m, n):
                raise ValueError(f"index segment {meta['name']} is damaged (table shapes)")
        return cls(meta["name"], hashes, ids, nbits, offsets, rows)


def _save_npy(path: Path, arr: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, arr, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------- state
@dataclass(frozen=True)
class _State:
    segments: tuple[_Segment, ...] = ()
    dead: tuple[np.ndarray, ...] = ()  # per segment: bitset of dead rows (empty: none)
    ndead: tuple[int, ...] = ()
    dwords: np.ndarray = field(default_factory=lambda: _ro(np.zeros((0, 4), np.uint64)))  # delta (capacity rows)
    dids: np.ndarray = field(default_factory=lambda: _ro(np.zeros(0, np.int64)))
    dn: int = 0  # rows of the delta buffer in use
    ddead: np.ndarray = field(default_factory=lambda: _EMPTY_BITS)
    dndead: int = 0
    count: int = 0


class HashIndex:
    """Exact PDQ near-neighbour index with incremental add/remove and memory-mapped persistence.

    >>> idx = HashIndex()
    >>> idx.add([7], ["f" * 64])
    >>> idx.search("f" * 63 + "e", max_distance=31)
    [Match(id=7, distance=1)]
    """

    #: rows kept in the brute-force delta before it is frozen into a segment
    DELTA_MAX = 32768
    #: size-tiered merge: merge the two newest segments when the older is <= this x the newer
    MERGE_RATIO = 4
    #: small segments are merged into the base once they total max(BASE_MERGE_MIN, fraction x base)
    BASE_MERGE_MIN = 65536
    BASE_MERGE_FRACTION = 0.05
    #: a segment with more than this fraction of dead rows is rewritten
    DEAD_FRACTION = 0.25

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()
        self._delta_pos: dict[int, int] = {}  # id -> delta row, live rows only
        # writable delta buffers; published states hold read-only views of them
        self._dbuf: tuple[np.ndarray, np.ndarray] = (np.zeros((0, 4), np.uint64), np.zeros(0, np.int64))

    # ----------------------------------------------------------------------------- inspection
    def __len__(self) -> int:
        return self._state.count

    def __contains__(self, id: object) -> bool:
        try:
            key = int(id)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return False
        with self._lock:  # delta map and state must be read together
            if key in self._delta_pos:
                return True
            return bool(self._locate(self._state, np.array([key], np.int64))[0][0] >= 0)

    def stats(self) -> dict[str, Any]:
        """Sizes and memory of the current state (for logs and benchmarks)."""
        st = self._state
        return {
            "entries": st.count,
            "segments": [dict(s.meta(), dead=d) for s, d in zip(st.segments, st.ndead)],
            "delta_rows": st.dn - st.dndead,
            "nbytes": sum(s.nbytes() for s in st.segments) + st.dwords.nbytes + st.dids.nbytes
            + sum(d.nbytes for d in st.dead),
        }

    # ------------------------------------------------------------------------------- mutation
    def add(self, ids: Iterable[int] | np.ndarray, hashes: object) -> None:
        """Add entries; an id already present is replaced (its old hash never matches again)."""
        ids_a = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids)).reshape(-1)
        if ids_a.size and not np.issubdtype(ids_a.dtype, np.integer):
            raise TypeError(f"ids must be integers, got {ids_a.dtype}")
        ids_a = ids_a.astype(np.int64)
        h = to_packed_array(hashes)
        if h.shape[0] != ids_a.size:
            raise ValueError(f"{ids_a.size} ids but {h.shape[0]} hashes")
        if ids_a.size == 0:
            return
        # duplicate ids within one call: the last one wins
        rev_u, rev_first = np.unique(ids_a[::-1], return_index=True)
        if rev_u.size != ids_a.size:
            keep = np.sort(ids_a.size - 1 - rev_first)
            ids_a, h = ids_a[keep], h[keep]
        with self._lock:
            st, _ = self._remove_locked(self._state, ids_a)
            if ids_a.size >= self.DELTA_MAX:
                st = _State(st.segments, st.dead, st.ndead, st.dwords, st.dids, st.dn, st.ddead, st.dndead,
                            st.count + ids_a.size)
                if h.base is not None or h is hashes:  # never keep a reference to the caller's array
                    h = h.copy()
                st = self._with_segment(st, _Segment.build(ids_a, h))
            else:
                st = self._append_delta(st, ids_a, h)
                if st.dn - st.dndead >= self.DELTA_MAX or st.dn >= 2 * self.DELTA_MAX:
                    st = self._freeze_delta(st)
            self._state = st

    def remove(self, ids: Iterable[int] | np.ndarray) -> int:
        """Remove entries by id; returns how many were present. Takes effect immediately."""
        ids_a = np.unique(np.asarray(ids if isinstance(ids, np.ndarray) else list(ids), dtype=np.int64).reshape(-1))
        if ids_a.size == 0:
            return 0
        with self._lock:
            st, removed = self._remove_locked(self._state, ids_a)
            if removed:
                st = self._compact_dead(st)
                self._state = st
            return removed

    def compact(self) -> None:
        """Merge everything (segments, delta, tombstones) into one base segment."""
        with self._lock:
            st = self._state
            if len(st.segments) <= 1 and st.dn == 0 and not any(st.ndead):
                return
            ids, h = self._live_rows(st, range(len(st.segments)), with_delta=True)
            self._delta_pos = {}
            segs = (_Segment.build(ids, h),) if ids.size else ()
            self._state = _State(segments=segs, dead=tuple(_EMPTY_BITS for _ in segs),
                                 ndead=tuple(0 for _ in segs), count=int(ids.size))

    # -- internals (called with the lock held; return new states, never modify published ones)
    def _locate(self, st: _State, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(segment index or -1, row) for each id among live segment rows."""
        seg_of = np.full(ids.size, -1, np.int64)
        row_of = np.zeros(ids.size, np.int64)
        for i, (seg, dead) in enumerate(zip(st.segments, st.dead)):
            pos, found = _lookup(seg.ids, ids)
            found &= ~_bit_get(dead, pos)
            found &= seg_of < 0
            seg_of[found] = i
            row_of[found] = pos[found]
        return seg_of, row_of

    def _remove_locked(self, st: _State, ids: np.ndarray) -> tuple[_State, int]:
        removed = 0
        dead, ndead = list(st.dead), list(st.ndead)
        if st.segments:
            seg_of, row_of = self._locate(st, ids)
            for i, seg in enumerate(st.segments):
                rows = row_of[seg_of == i]
                if rows.size:
                    dead[i] = _bit_set(dead[i], seg.n, rows)
                    ndead[i] += int(rows.size)
                    removed += int(rows.size)
        drows = []
        if self._delta_pos:
            pop = self._delta_pos.pop
            for key in ids.tolist():
                slot = pop(key, None)
                if slot is not None:
                    drows.append(slot)
        ddead, dndead = st.ddead, st.dndead
        if drows:
            ddead = _bit_set(st.ddead, st.dwords.shape[0], np.array(drows, np.int64))
            dndead += len(drows)
            removed += len(drows)
        if not removed:
            return st, 0
        return _State(st.segments, tuple(dead), tuple(ndead), st.dwords, st.dids, st.dn, ddead, dndead,
                      st.count - removed), removed

    def _append_delta(self, st: _State, ids: np.ndarray, h: np.ndarray) -> _State:
        k = ids.size
        dwords, dids, ddead = st.dwords, st.dids, st.ddead
        if st.dn + k > dwords.shape[0] or dwords.base is not self._dbuf[0]:
            cap = max(1024, 2 * dwords.shape[0], st.dn + k)
            nw = np.zeros((cap, 4), np.uint64)
            ni = np.zeros(cap, np.int64)
            nw[: st.dn] = dwords[: st.dn]
            ni[: st.dn] = dids[: st.dn]
            self._dbuf = (nw, ni)
            dwords, dids = _ro(nw), _ro(ni)
            if ddead.size:
                nd = np.zeros((cap + 7) // 8, np.uint8)
                nd[: ddead.size] = ddead
                ddead = _ro(nd)
        # rows [dn, dn + k) are invisible to every published snapshot (they read [0, dn))
        wbuf, ibuf = self._dbuf
        wbuf[st.dn : st.dn + k] = h.view(np.uint64).reshape(-1, 4)
        ibuf[st.dn : st.dn + k] = ids
        for j, key in enumerate(ids.tolist()):
            self._delta_pos[key] = st.dn + j
        return _State(st.segments, st.dead, st.ndead, dwords, dids, st.dn + k, ddead, st.dndead, st.count + k)

    def _live_rows(self, st: _State, seg_idx: Iterable[int], with_delta: bool) -> tuple[np.ndarray, np.ndarray]:
        ids_parts, h_parts = [], []
        for i in seg_idx:
            seg, dead = st.segments[i], st.dead[i]
            if st.ndead[i]:
                alive = ~np.unpackbits(dead, bitorder="little", count=seg.n).astype(bool)
                ids_parts.append(np.asarray(seg.ids)[alive].astype(np.int64))
                h_parts.append(np.asarray(seg.hashes)[alive])
            else:
                ids_parts.append(np.asarray(seg.ids).astype(np.int64))
                h_parts.append(np.asarray(seg.hashes))
        if with_delta and st.dn:
            alive = np.ones(st.dn, bool)
            if st.ddead.size:
                alive &= ~np.unpackbits(st.ddead, bitorder="little", count=st.dwords.shape[0])[: st.dn].astype(bool)
            ids_parts.append(st.dids[: st.dn][alive])
            h_parts.append(np.ascontiguousarray(st.dwords[: st.dn][alive]).view(np.uint8).reshape(-1, HASH_BYTES))
        if not ids_parts:
            return np.zeros(0, np.int64), np.zeros((0, HASH_BYTES), np.uint8)
        return np.concatenate(ids_parts), np.concatenate(h_parts)

    def _freeze_delta(self, st: _State) -> _State:
        ids, h = self._live_rows(st, (), with_delta=True)
        self._delta_pos = {}
        st = _State(st.segments, st.dead, st.ndead, count=st.count)
        return self._with_segment(st, _Segment.build(ids, h)) if ids.size else st

    def _with_segment(self, st: _State, seg: _Segment) -> _State:
        segs = list(st.segments) + [seg]
        dead = list(st.dead) + [_EMPTY_BITS]
        ndead = list(st.ndead) + [0]
        st = _State(tuple(segs), tuple(dead), tuple(ndead), st.dwords, st.dids, st.dn, st.ddead, st.dndead, st.count)
        return self._merge_policy(st)

    def _merge(self, st: _State, first: int) -> _State:
        """Merge segments[first:] into one."""
        ids, h = self._live_rows(st, range(first, len(st.segments)), with_delta=False)
        keep = slice(0, first)
        segs, dead, ndead = list(st.segments[keep]), list(st.dead[keep]), list(st.ndead[keep])
        if ids.size:
            segs.append(_Segment.build(ids, h))
            dead.append(_EMPTY_BITS)
            ndead.append(0)
        return _State(tuple(segs), tuple(dead), tuple(ndead), st.dwords, st.dids, st.dn, st.ddead, st.dndead, st.count)

    def _merge_policy(self, st: _State) -> _State:
        live = [s.n - d for s, d in zip(st.segments, st.ndead)]
        # everything small into the base once it is big enough to matter
        if len(live) >= 2 and sum(live[1:]) >= max(self.BASE_MERGE_MIN, self.BASE_MERGE_FRACTION * live[0]):
            return self._merge(st, 0)
        # size-tiered among the small ones: keeps their number logarithmic
        while len(live) >= 3 and live[-2] <= self.MERGE_RATIO * live[-1]:
            st = self._merge(st, len(live) - 2)
            live = [s.n - d for s, d in zip(st.segments, st.ndead)]
        return st

    def _compact_dead(self, st: _State) -> _State:
        for i, (seg, nd) in enumerate(zip(st.segments, st.ndead)):
            if nd and nd > self.DEAD_FRACTION * seg.n:
                ids, h = self._live_rows(st, [i], with_delta=False)
                segs, dead, ndead = list(st.segments), list(st.dead), list(st.ndead)
                if ids.size:
                    segs[i], dead[i], ndead[i] = _Segment.build(ids, h), _EMPTY_BITS, 0
                else:
                    del segs[i], dead[i], ndead[i]
                st = _State(tuple(segs), tuple(dead), tuple(ndead), st.dwords, st.dids, st.dn, st.ddead,
                            st.dndead, st.count)
                return self._compact_dead(st)
        return st

    # --------------------------------------------------------------------------------- search
    @staticmethod
    def _max_d(max_distance: int) -> int:
        d = int(max_distance)
        if d < 0:
            raise ValueError(f"max_distance must be >= 0, got {max_distance}")
        return min(d, 256)

    def search(self, pdq: PdqLike, max_distance: int = DEFAULT_MAX_DISTANCE) -> list[Match]:
        """All entries within ``max_distance`` (inclusive) of ``pdq``, nearest first, ties by id."""
        max_d = self._max_d(max_distance)
        q = to_packed(pdq).view(np.uint64).copy()
        q.flags.writeable = False
        st = self._state
        id_parts, d_parts = [], []
        for seg, dead in zip(st.segments, st.dead):
            r, d = seg.search(q, max_d, dead)
            if r.size:
                id_parts.append(seg.ids[r].astype(np.int64))
                d_parts.append(d)
        if st.dn:
            r, d = K.brute_search(st.dwords, st.dn, st.ddead, q, max_d)
            if r.size:
                id_parts.append(st.dids[r])
                d_parts.append(d)
        return _to_matches(id_parts, d_parts)

    def search_batch(self, queries: Sequence[PdqLike] | np.ndarray,
                     max_distance: int = DEFAULT_MAX_DISTANCE) -> list[list[Match]]:
        """:meth:`search` for many queries ((m, 32) uint8 array or a list of hashes), in order."""
        max_d = self._max_d(max_distance)
        qs = to_packed_array(queries)
        nq = qs.shape[0]
        if nq == 0:
            return []
        qw = np.ascontiguousarray(qs).view(np.uint64).reshape(-1, 4).copy()
        st = self._state
        nthreads = _threads()
        chunk = max(64, -(-nq // nthreads))
        spans = [(a, min(nq, a + chunk)) for a in range(0, nq, chunk)]

        def run(span: tuple[int, int]) -> list[list[Match]]:
            part = _ro(qw[span[0] : span[1]])
            results: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
            for seg, dead in zip(st.segments, st.dead):
                r, d, qstart = seg.search_batch(part, max_d, dead)
                results.append((seg.ids[r].astype(np.int64), d, qstart))
            if st.dn:
                r, d, qstart = K.brute_search_batch(st.dwords, st.dn, st.ddead, part, max_d)
                results.append((st.dids[r], d, qstart))
            out = []
            for j in range(part.shape[0]):
                ids_j = [ids[qs_[j] : qs_[j + 1]] for ids, _, qs_ in results if qs_[j + 1] > qs_[j]]
                d_j = [d[qs_[j] : qs_[j + 1]] for _, d, qs_ in results if qs_[j + 1] > qs_[j]]
                out.append(_to_matches(ids_j, d_j))
            return out

        if len(spans) == 1:
            return run(spans[0])
        out: list[list[Match]] = []
        for part_out in _pool().map(run, spans):
            out.extend(part_out)
        return out

    # ---------------------------------------------------------------------------- persistence
    def save(self, directory: str | os.PathLike[str]) -> None:
        """Persist to ``directory`` atomically.

        Segments are immutable folders, written once (an existing one is left untouched), so after
        small changes a save writes only the delta and tombstone files and a new manifest. The
        manifest is replaced last with an atomic rename: a reader sees the old or the new index,
        never a mixture. Files no longer referenced are removed afterwards.
        """
        d = Path(directory)
        with self._save_lock:
            st = self._state
            d.mkdir(parents=True, exist_ok=True)
            token = uuid.uuid4().hex[:12]
            seg_meta = []
            for seg, dead, nd in zip(st.segments, st.dead, st.ndead):
                seg.write(d)
                meta = seg.meta()
                meta["dead"] = None
                if nd:
                    name = f"dead-{seg.name[4:]}-{token}.npy"
                    _save_npy(d / name, _bits_to_rows(dead, seg.n).astype(np.uint32))
                    meta["dead"] = name
                seg_meta.append(meta)
            delta_meta = None
            ids, h = self._live_rows(st, (), with_delta=True)
            if ids.size:
                delta_meta = {"rows": int(ids.size), "ids": f"delta-{token}-ids.npy",
                              "hashes": f"delta-{token}-hashes.npy"}
                _save_npy(d / delta_meta["ids"], ids)
                _save_npy(d / delta_meta["hashes"], h)
            manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "byteorder": "little",
                        "entries": st.count, "segments": seg_meta, "delta": delta_meta}
            tmp = d / f".tmp-manifest-{token}.json"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(manifest, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, d / MANIFEST)
            _fsync_dir(d)
            keep = {MANIFEST} | {m["name"] for m in seg_meta} | {m["dead"] for m in seg_meta if m["dead"]}
            if delta_meta:
                keep |= {delta_meta["ids"], delta_meta["hashes"]}
            for p in d.iterdir():
                if p.name in keep or not p.name.startswith(("seg-", "dead-", "delta-", ".tmp-")):
                    continue
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    try:
                        p.unlink()
                    except OSError:  # pragma: no cover
                        pass

    @classmethod
    def load(cls, directory: str | os.PathLike[str], mmap: bool = True) -> HashIndex:
        """Open an index written by :meth:`save`; with ``mmap`` the segment arrays are memory-mapped
        (opening is immediate; pages are read on first use)."""
        d = Path(directory)
        try:
            manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"no PDQ index at {d} (missing {MANIFEST})") from None
        if manifest.get("format") != FORMAT_NAME:
            raise ValueError(f"{d / MANIFEST} is not a {FORMAT_NAME} manifest")
        if manifest.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported index format version {manifest.get('version')} (this is {FORMAT_VERSION})")
        if manifest.get("byteorder", "little") != "little" or np.little_endian is False:
            raise ValueError("index files are little-endian; this platform is not")
        segs, dead, ndead = [], [], []
        for meta in manifest["segments"]:
            seg = _Segment.read(d, meta, mmap)
            bits, nd = _EMPTY_BITS, 0
            if meta.get("dead"):
                rows = np.load(d / meta["dead"], allow_pickle=False).astype(np.int64)
                if rows.size and (rows.min() < 0 or rows.max() >= seg.n):
                    raise ValueError(f"tombstone file {meta['dead']} is damaged")
                rows = np.unique(rows)
                bits, nd = _bit_set(_EMPTY_BITS, seg.n, rows), int(rows.size)
            segs.append(seg)
            dead.append(bits)
            ndead.append(nd)
        idx = cls()
        count = sum(s.n for s in segs) - sum(ndead)
        idx._state = _State(tuple(segs), tuple(dead), tuple(ndead), count=count)
        dm = manifest.get("delta")
        if dm:
            ids = np.load(d / dm["ids"], allow_pickle=False).astype(np.int64)
            h = np.load(d / dm["hashes"], allow_pickle=False)
            if h.shape != (ids.size, HASH_BYTES) or h.dtype != np.uint8:
                raise ValueError("delta files are damaged")
            idx._state = idx._append_delta(idx._state, ids, np.ascontiguousarray(h))
        return idx


def _to_matches(id_parts: list[np.ndarray], d_parts: list[np.ndarray]) -> list[Match]:
    if not id_parts:
        return []
    if len(id_parts) == 1:
        ids, ds = id_parts[0], d_parts[0]
    else:
        ids, ds = np.concatenate(id_parts), np.concatenate(d_parts)
    if ids.size > 1:
        order = np.lexsort((ids, ds))
        ids, ds = ids[order], ds[order]
    # object.__new__ + slot setters: the same objects as Match(i, d), without the frozen-dataclass
    # __init__ overhead (clustered queries can return thousands of matches)
    out = []
    append = out.append
    for i, d in zip(ids.tolist(), ds.tolist()):
        m = _new(Match)
        _set_id(m, i)
        _set_distance(m, d)
        append(m)
    return out


_new = object.__new__
_set_id = Match.__dict__["id"].__set__
_set_distance = Match.__dict__["distance"].__set__
