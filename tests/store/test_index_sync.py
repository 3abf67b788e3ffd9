"""The on-disk PDQ index follows the database's change log, across processes and restarts."""

from __future__ import annotations

import random

from gardefou.store import EntryInput, Store
from gardefou.store.index_sync import SyncedIndex
from gardefou.store.matcher import BankMatcher
from tests.service.conftest import flip, rand_pdq


def test_two_indexes_on_one_database_see_each_others_changes(db_url, tmp_path):
    rng = random.Random(7)
    store_a, store_b = Store(db_url), Store(db_url)
    store_a.create_bank("b")
    index_a, index_b = SyncedIndex(store_a, tmp_path / "a"), SyncedIndex(store_b, tmp_path / "b")
    hashes = [rand_pdq(rng) for _ in range(50)]
    ids = store_a.add_entries("b", [EntryInput(pdq=h) for h in hashes])
    assert index_a.sync() == 50 and index_b.sync() == 50
    assert [m.id for m in index_b.search(flip(hashes[3], 12, rng), 31)] == [ids[3]]
    store_b.remove_entries("b", [ids[3]])
    index_a.sync()
    assert index_a.search(hashes[3], 31) == []
    store_a.close(), store_b.close()


def test_saved_index_is_caught_up_on_load_and_rebuilt_for_another_database(tmp_path):
    rng = random.Random(8)
    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = Store(url)
    store.create_bank("b")
    first = store.add_entries("b", [EntryInput(pdq=rand_pdq(rng)) for _ in range(20)])
    index = SyncedIndex(store, tmp_path / "idx")
    index.save()
    later_hash = rand_pdq(rng)
    later = store.add_entries("b", [EntryInput(pdq=later_hash)])
    store.remove_entries("b", first[:5])
    reloaded = SyncedIndex(store, tmp_path / "idx")
    assert len(reloaded) == 16 and reloaded.search(later_hash, 0)[0].id == later[0]
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    assert len(SyncedIndex(other, tmp_path / "idx")) == 0  # never trust an index made for another database
    store.close(), other.close()


def test_matcher_thresholds_kinds_md5_and_stale_hits(tmp_path):
    rng = random.Random(9)
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    store.create_bank("loose")
    store.create_bank("strict", max_distance=5)
    store.create_bank("ok", kind="allow")
    base = rand_pdq(rng)
    [loose] = store.add_entries("loose", [EntryInput(pdq=base, metadata={"n": 1})])
    [strict] = store.add_entries("strict", [EntryInput(pdq=base)])
    [md5_only] = store.add_entries("ok", [EntryInput(md5="c" * 32)])
    matcher = BankMatcher(store, SyncedIndex(store))
    query = flip(base, 20, rng)
    found = matcher.match(query, "c" * 32)
    assert [(m.bank, m.entry_id, m.distance, m.signal, m.bank_kind) for m in found] == [
        ("ok", md5_only, 0, "md5", "allow"), ("loose", loose, 20, "pdq", "block")]
    assert [m.bank for m in matcher.match(query, max_distance=20)] == ["loose", "strict"]
    assert matcher.match(query, quality=30) == []  # low-quality query hashes are not matched by default
    assert len(matcher.match(query, quality=30, min_quality=0)) == 1
    assert matcher.match(query, banks=["strict"]) == []
    # Removed by someone else and not yet synced: the database join still drops it.
    other = Store(store.url)
    other.remove_entries("loose", [loose])
    assert matcher.match(query) == []
    store.close(), other.close()
