"""`gardefou demo` (what `make run` runs before serving): every edited copy matches its original."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gardefou.cli.demo import _drawn_images
from gardefou.hashing import DIHEDRAL_ORDER, hash_photo
from gardefou.store import EntryInput, Store
from gardefou.store.index_sync import SyncedIndex
from gardefou.store.matcher import BankMatcher
from tests.cli.test_banks_cli import cli_app


def test_demo_table_on_the_reference_photos(data_dir: Path, refdata: Path, monkeypatch):
    monkeypatch.setenv("GARDEFOU_TESTDATA", str(refdata.parent))
    monkeypatch.setenv("COLUMNS", "200")
    res = CliRunner().invoke(cli_app(), ["demo", "--no-serve", "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    rows = [line for line in res.stdout.splitlines() if ".jpg" in line]
    assert len(rows) == 18  # 11 bridge-mods edits + 7 rotated/flipped copies
    assert all("aaa-orig.jpg" in row and "no match" not in row for row in rows), res.stdout


def test_drawn_pictures_match_their_edited_copies_and_not_each_other(tmp_path: Path):
    originals, variants = _drawn_images(tmp_path)
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    store.create_bank("demo")
    hashes = [hash_photo(p) for p in originals]
    assert min(h.quality for h in hashes) >= 80
    ids = store.add_entries("demo", [EntryInput(pdq=h.pdq, metadata={"source": p.name}) for h, p in zip(hashes, originals)])
    matcher = BankMatcher(store, SyncedIndex(store))
    for original, h in zip(originals, hashes):
        assert [m.metadata["source"] for m in matcher.match(h.pdq)] == [original.name]
    for variant in variants:
        v = hash_photo(variant, dihedral=True)
        found = matcher.match(v.pdq, dihedral=v.pdq_dihedral, dihedral_names=DIHEDRAL_ORDER)
        assert [m.entry_id for m in found] == [ids[0]], variant.name
    store.close()
