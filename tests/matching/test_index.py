import threading
from pathlib import Path

import numpy as np
import pytest

from gardefou.matching import HashIndex, Match, hamming_distance
from gardefou.matching.index import choose_bits

from .helpers import as_pairs, brute, clustered, flip_bits

RADII = [0, 1, 15, 31, 32, 40, 64]


def read_hashes(path: Path) -> list[str]:
    return [line.split()[0].lower() for line in path.read_text().splitlines() if line.strip()]


def test_reference_needles_in_haystack(refdata):
    needles = read_hashes(refdata / "reg-test-input" / "needles.txt")
    hay = read_hashes(refdata / "reg-test-input" / "haystack.txt")
    idx = HashIndex()
    idx.add(range(len(hay)), hay)
    assert len(idx) == len(hay)
    hay_a = np.frombuffer(bytes.fromhex("".join(hay)), np.uint8).reshape(-1, 32)
    ids = np.arange(len(hay))
    pairs = 0
    for n in needles:
        got = as_pairs(idx.search(n, max_distance=31))
        assert got == brute(ids, hay_a, np.frombuffer(bytes.fromhex(n), np.uint8), 31)
        assert got, f"needle {n} not found"
        pairs += len(got)
    assert pairs == 250
    batch = idx.search_batch(needles)
    assert [as_pairs(b) for b in batch] == [as_pairs(idx.search(n)) for n in needles]


def _check(idx, ids, hashes, queries, radii=RADII):
    for max_d in radii:
        for q in queries:
            assert as_pairs(idx.search(q, max_d)) == brute(ids, hashes, q, max_d), max_d
        batch = idx.search_batch(queries, max_d)
        assert [as_pairs(b) for b in batch] == [brute(ids, hashes, q, max_d) for q in queries]


def _planted_queries(rng, hashes, count=24, max_flip=40):
    qs = [flip_bits(hashes[rng.integers(len(hashes))], int(k), rng) for k in np.linspace(0, max_flip, count)]
    qs += list(rng.integers(0, 256, (4, 32), dtype=np.uint8))
    return qs


@pytest.mark.parametrize("n", [50, 5000, 60000])
def test_random_against_brute_force(n):
    rng = np.random.default_rng(n)
    hashes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    ids = rng.choice(10**12, size=n, replace=False)  # ids beyond 32 bits, unsorted
    idx = HashIndex()
    idx.add(ids, hashes)
    _check(idx, ids, hashes, _planted_queries(rng, hashes))


def test_tables_used_and_large_radius_falls_back():
    rng = np.random.default_rng(1)
    n = 40000
    hashes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    idx = HashIndex()
    idx.add(np.arange(n), hashes)
    seg = idx._state.segments[0]
    assert seg.nbits == choose_bits(n) > 0
    assert seg.plan(31) is not None  # multi-index hashing at the default threshold
    assert seg.plan(200) is None  # brute force for huge radii
    qs = _planted_queries(rng, hashes, count=6)
    _check(idx, np.arange(n), hashes, qs, radii=[100, 128, 200, 256])


def test_clustered_data():
    rng = np.random.default_rng(7)
    hashes = clustered(rng, n_orig=40, per=600, max_flip=24)  # big buckets
    hashes = np.concatenate([hashes, np.repeat(hashes[:1], 500, axis=0)])  # exact duplicates
    ids = np.arange(len(hashes)) * 3 + 1
    idx = HashIndex()
    idx.add(ids, hashes)
    qs = _planted_queries(rng, hashes, count=10, max_flip=35)
    _check(idx, ids, hashes, qs, radii=[0, 15, 31, 40])


def test_inputs_and_small_cases():
    idx = HashIndex()
    assert idx.search("0" * 64) == [] and idx.search_batch([]) == [] and len(idx) == 0
    idx.add([5, 3], ["0" * 64, "0" * 63 + "3"])
    assert idx.search(bytes(32), 1) == [Match(5, 0)]
    assert idx.search(np.zeros(256, np.uint8), 2) == [Match(5, 0), Match(3, 2)]
    assert idx.search("0" * 64, 2)[1].to_dict() == {"id": 3, "distance": 2}
    assert idx.search("f" * 64, 256)[0].distance == 254
    assert idx.search("f" * 64, 1000)[0].distance == 254
    assert 5 in idx and 4 not in idx and "x" not in idx
    with pytest.raises(ValueError):
        idx.search("0" * 64, -1)
    with pytest.raises(ValueError):
        idx.add([1, 2], ["0" * 64])
    with pytest.raises(ValueError):
        idx.search("xyz")
    # duplicate ids within one call: the last one wins
    idx.add([9, 9], ["f" * 64, "e" + "f" * 63])
    assert idx.search("f" * 64, 0) == [] and idx.search("e" + "f" * 63, 0) == [Match(9, 0)]
    assert hamming_distance("0" * 64, "0" * 63 + "3") == 2


def _model_check(idx, model, rng, extra_queries=()):
    ids = np.array(sorted(model), dtype=np.int64)
    hashes = np.stack([model[i] for i in ids]) if len(ids) else np.zeros((0, 32), np.uint8)
    assert len(idx) == len(ids)
    qs = list(extra_queries)
    if len(ids):
        qs += [flip_bits(hashes[rng.integers(len(ids))], int(k), rng) for k in (0, 5, 20, 31)]
    for q in qs:
        assert as_pairs(idx.search(q, 31)) == brute(ids, hashes, q, 31)


def test_add_remove_readd_and_compaction():
    rng = np.random.default_rng(3)
    idx = HashIndex()
    idx.DELTA_MAX = 500  # exercise freezing, tiered merges and base merges quickly
    idx.BASE_MERGE_MIN = 3000
    model: dict[int, np.ndarray] = {}
    base = rng.integers(0, 256, (8000, 32), dtype=np.uint8)
    idx.add(np.arange(8000), base)
    model.update({i: base[i] for i in range(8000)})
    removed_hashes = []
    for step in range(40):
        k = int(rng.integers(1, 400))
        new_ids = rng.integers(0, 12000, k)
        new_h = rng.integers(0, 256, (k, 32), dtype=np.uint8)
        for j, i in enumerate(new_ids.tolist()):
            model[i] = new_h[j]  # last wins, re-add replaces
        idx.add(new_ids, new_h)
        gone = rng.choice(sorted(model), size=int(rng.integers(0, 200)), replace=False)
        for i in gone.tolist():
            removed_hashes.append(model.pop(i))
        assert idx.remove(np.concatenate([gone, [10**9]])) == len(gone)
        for i in gone[:5].tolist():
            assert i not in idx
        if step % 8 == 0:
            _model_check(idx, model, rng, extra_queries=removed_hashes[-5:])
    assert len(idx._state.segments) <= 6
    _model_check(idx, model, rng, extra_queries=removed_hashes[-20:])
    idx.compact()
    assert len(idx._state.segments) == 1 and idx._state.dn == 0
    _model_check(idx, model, rng, extra_queries=removed_hashes[-20:])
    assert idx.remove(list(model)) == len(model)
    assert len(idx) == 0 and idx.search(removed_hashes[-1], 256) == []


def test_removal_is_immediate_everywhere():
    rng = np.random.default_rng(4)
    h = rng.integers(0, 256, (70000, 32), dtype=np.uint8)
    idx = HashIndex()
    idx.add(np.arange(70000), h)  # goes straight into a segment
    idx.add([10**6], h[:1])  # delta copy of row 0's hash
    assert as_pairs(idx.search(h[0], 0)) == [(0, 0), (10**6, 0)]
    assert idx.remove([0]) == 1
    assert as_pairs(idx.search(h[0], 0)) == [(10**6, 0)]
    assert idx.remove([0, 10**6]) == 1
    assert idx.search(h[0], 0) == [] and idx.search_batch([h[0]], 0) == [[]]
    idx.add([0], h[:1])  # re-add after removal
    assert as_pairs(idx.search(h[0], 0)) == [(0, 0)]
    idx.add([0], h[1:2])  # replace: the old hash is gone at once
    assert idx.search(h[0], 0) == [] and as_pairs(idx.search(h[1], 0)) == [(0, 0), (1, 0)]


def test_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(5)
    n = 30000
    h = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    idx = HashIndex()
    idx.add(np.arange(n) + 2**40, h)
    idx.add([1, 2], h[:2])  # delta
    idx.remove([2**40 + 5])
    d = tmp_path / "idx"
    idx.save(d)
    qs = [flip_bits(h[i], 10, rng) for i in range(8)] + [h[5]]
    for mmap in (True, False):
        back = HashIndex.load(d, mmap=mmap)
        assert len(back) == len(idx) == n + 1
        for q in qs:
            assert as_pairs(back.search(q)) == as_pairs(idx.search(q))
        assert 2**40 + 5 not in back and 1 in back
    assert (d / "manifest.json").is_file()
    # the loaded (memory-mapped) index is still mutable
    back = HashIndex.load(d)
    back.add([7], [h[9]])
    back.remove([2**40 + 9])
    assert as_pairs(back.search(h[9], 0)) == [(7, 0)]


def test_save_after_small_change_keeps_base_files(tmp_path):
    rng = np.random.default_rng(6)
    n = 50000
    h = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    idx = HashIndex()
    idx.add(np.arange(n), h)
    d = tmp_path / "idx"
    idx.save(d)
    seg_dirs = sorted(p for p in d.iterdir() if p.name.startswith("seg-"))
    assert len(seg_dirs) == 1
    stamp = {p.name: p.stat().st_mtime_ns for p in seg_dirs[0].iterdir()}
    idx = HashIndex.load(d)
    idx.add([n + 1], ["0" * 64])
    idx.remove([3])
    idx.save(d)  # same directory, while memory-mapped
    assert {p.name: p.stat().st_mtime_ns for p in seg_dirs[0].iterdir()} == stamp
    small = [p for p in d.iterdir() if p.is_file() and p.name != "manifest.json"]
    assert small and all(p.stat().st_size < 10_000 for p in small)
    again = HashIndex.load(d)
    assert len(again) == n and 3 not in again and n + 1 in again
    assert as_pairs(again.search("0" * 64, 0)) == [(n + 1, 0)]
    assert again.search(h[3], 0) == []
    idx.remove([n + 1])
    idx.save(d)
    assert not [p for p in d.iterdir() if p.name.startswith("delta-")]  # stale files cleaned up
    assert n + 1 not in HashIndex.load(d)


def test_load_rejects_bad_manifest(tmp_path):
    with pytest.raises(FileNotFoundError):
        HashIndex.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "gardefou-pdq-index", "version": 99}')
    with pytest.raises(ValueError):
        HashIndex.load(tmp_path)


def test_concurrent_search_while_mutating():
    rng = np.random.default_rng(8)
    n = 20000
    h = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    idx = HashIndex()
    idx.DELTA_MAX = 300
    idx.add(np.arange(n), h)
    stable = list(range(0, 1000))  # never touched by the writer
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader(seed: int) -> None:
        r = np.random.default_rng(seed)
        try:
            while not stop.is_set():
                i = int(r.choice(stable))
                res = idx.search(h[i], 31)
                assert (i, 0) in as_pairs(res)
                assert len({m.id for m in res}) == len(res)  # no id twice (replace is atomic)
                batch = idx.search_batch(h[stable[:20]], 0)
                assert [b[0].id for b in batch] == stable[:20]
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=reader, args=(s,)) for s in range(3)]
    for t in threads:
        t.start()
    try:
        for step in range(60):
            ids = rng.integers(1000, n + 5000, 50)
            idx.add(ids, rng.integers(0, 256, (50, 32), dtype=np.uint8))
            idx.remove(rng.integers(1000, n + 5000, 30))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors[0]
