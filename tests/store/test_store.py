"""The store on SQLite and PostgreSQL: banks, entries, change log, providers, migrations."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from gardefou.store import Conflict, EntryInput, NotFound, Store, StoreError

PDQ_A = "f" * 64
PDQ_B = "0" * 63 + "1"


def test_migrations_create_every_table_from_empty(db_url):
    store = Store(db_url)
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"banks", "entries", "changes", "cases", "api_keys", "review_items", "audit_log", "providers", "alembic_version"} <= tables
    Store(db_url).close()  # re-opening an up-to-date database is a no-op
    store.close()


def test_bank_lifecycle(db_url):
    store = Store(db_url)
    bank = store.create_bank("ncii", description="victim hashes", max_distance=20)
    assert (bank.name, bank.kind, bank.max_distance, bank.entry_count) == ("ncii", "block", 20, 0)
    with pytest.raises(Conflict):
        store.create_bank("ncii")
    with pytest.raises(StoreError):
        store.create_bank("bad name!")
    with pytest.raises(StoreError):
        store.create_bank("x", kind="maybe")
    store.create_bank("safe", kind="allow")
    assert [b.name for b in store.list_banks()] == ["ncii", "safe"]
    assert store.update_bank("ncii", max_distance=10).max_distance == 10
    ids = store.add_entries("ncii", [EntryInput(pdq=PDQ_A), EntryInput(md5="a" * 32)])
    assert store.get_bank("ncii").entry_count == 2
    assert store.delete_bank("ncii") == 2
    with pytest.raises(NotFound):
        store.get_bank("ncii")
    # Deleting a bank logs the removal of its PDQ entries so every index drops them.
    assert [(c.entry_id, c.op) for c in store.changes_since(0)] == [(ids[0], "add"), (ids[0], "remove")]
    store.close()


def test_entries_validation_is_all_or_nothing(db_url):
    store = Store(db_url)
    store.create_bank("b")
    with pytest.raises(StoreError, match="64 hexadecimal"):
        store.add_entries("b", [EntryInput(pdq=PDQ_A), EntryInput(pdq="xyz")])
    with pytest.raises(StoreError, match="needs a pdq or an md5"):
        store.add_entries("b", [EntryInput()])
    assert store.get_bank("b").entry_count == 0
    ids = store.add_entries("b", [EntryInput(pdq=PDQ_A.upper(), md5="A" * 32, quality=90, metadata={"case": "x"})])
    entry = store.get_entry("b", ids[0])
    assert (entry.pdq, entry.md5, entry.quality, entry.metadata) == (PDQ_A, "a" * 32, 90, {"case": "x"})
    assert entry.created_at.tzinfo is not None
    store.close()


def test_pagination_and_removal(db_url):
    store = Store(db_url)
    store.create_bank("b")
    ids = store.add_entries("b", [EntryInput(md5=f"{i:032x}") for i in range(25)])
    pages, after = [], 0
    while page := store.list_entries("b", after_id=after, limit=10):
        pages.append([e.id for e in page])
        after = page[-1].id
    assert [len(p) for p in pages] == [10, 10, 5] and sum(pages, []) == ids
    assert store.remove_entries("b", [ids[0], ids[1], 999_999]) == [ids[0], ids[1]]
    with pytest.raises(NotFound):
        store.get_entry("b", ids[0])
    assert store.find_md5(f"{2:032x}")[0].id == ids[2]
    assert store.find_md5(f"{0:032x}") == []
    store.close()


def test_concurrent_writers_lose_nothing(db_url):
    store = Store(db_url)
    store.create_bank("b")
    errors: list[Exception] = []

    def writer(k: int) -> None:
        try:
            for j in range(10):
                store.add_entries("b", [EntryInput(pdq=f"{k:02x}{j:062x}")])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.get_bank("b").entry_count == 40
    seqs = [c.seq for c in store.changes_since(0)]
    assert len(seqs) == 40 and seqs == sorted(seqs)
    store.close()


def test_providers_upsert(db_url):
    store = Store(db_url)
    store.upsert_provider({"name": "ExampleNudify", "domains": ["example-nudify.test"]})
    store.upsert_provider({"name": "ExampleNudify", "domains": ["example-nudify.test", "mirror.test"]})
    assert store.list_providers() == [{"name": "ExampleNudify", "domains": ["example-nudify.test", "mirror.test"]}]
    assert store.remove_provider("ExampleNudify") and store.list_providers() == []
    store.close()
