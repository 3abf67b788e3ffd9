"""`gardefou bank ...` (hash banks) and `gardefou match` (match photos or hashes against them)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, Optional

import typer
from typing_extensions import Annotated

from gardefou.cli.common import DataDirOption, DbOption, fail, write_jsonl
from gardefou.config import DEFAULT_MAX_PIXELS, DEFAULT_MIN_QUALITY, resolve_settings
from gardefou.store import EntryInput, StoreError, open_matcher, open_store

bank_app = typer.Typer(help="Create, fill, export and delete hash banks.", no_args_is_help=True)

KindOption = Annotated[str, typer.Option("--kind", help="block: matches are bad content; allow: matches cancel block matches.")]
MaxDistanceOption = Annotated[Optional[int], typer.Option("--max-distance", min=0, max=256, help="PDQ match threshold (inclusive). [default: 31]")]
WorkersOption = Annotated[Optional[int], typer.Option("--workers", min=1, help="Hashing processes. [default: all cores]")]


def register(app: typer.Typer) -> None:
    """Add `bank` and `match` to the top-level app."""
    app.add_typer(bank_app, name="bank")
    app.command("match")(match)


def _store(data_dir: str | None, db: str | None, bank: str | None = None):
    """Resolve settings and open the store; with `bank`, fail cleanly unless that bank exists."""
    settings = resolve_settings(data_dir, db)
    store = open_store(settings)
    if bank is not None:
        try:
            store.get_bank(bank)
        except StoreError as exc:
            raise fail(str(exc))
    return settings, store


@bank_app.command("create")
def bank_create(
    name: str,
    max_distance: MaxDistanceOption = None,
    kind: KindOption = "block",
    description: Annotated[str, typer.Option(help="What the bank holds.")] = "",
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Create a bank."""
    _, store = _store(data_dir, db)
    try:
        bank = store.create_bank(name, description=description, kind=kind, max_distance=max_distance)
    except StoreError as exc:
        raise fail(str(exc))
    write_jsonl([bank.to_dict()])


@bank_app.command("list")
def bank_list(data_dir: DataDirOption = None, db: DbOption = None) -> None:
    """List banks with their entry counts (JSON Lines)."""
    _, store = _store(data_dir, db)
    write_jsonl(b.to_dict() for b in store.list_banks())


def _hash_paths(paths: list[Path], workers: int | None, dihedral: bool = False, max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[tuple[str, object]]:
    from gardefou.hashing import hash_files

    return hash_files([str(p) for p in paths], workers=workers, dihedral=dihedral, max_pixels=max_pixels)


@bank_app.command("add")
def bank_add(
    name: str,
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders (recursive).")],
    workers: WorkersOption = None,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Hash images and add them to a bank; prints one line per image with its entry id or error."""
    settings, store = _store(data_dir, db, bank=name)
    failed = 0
    batch: list[tuple[str, EntryInput]] = []

    def flush() -> None:
        ids = store.add_entries(name, [entry for _, entry in batch])
        write_jsonl({"path": path, "entry_id": i, "pdq": e.pdq, "md5": e.md5, "quality": e.quality}
                    for (path, e), i in zip(batch, ids))
        batch.clear()

    for path, result in _hash_paths(paths, workers):
        if getattr(result, "error", None):
            flush()
            failed += 1
            write_jsonl([{"path": path, "error": result.error}])
            continue
        batch.append((path, EntryInput(pdq=result.pdq, md5=result.md5, quality=result.quality, metadata={"source": Path(path).name})))
        if len(batch) >= 500:
            flush()
    flush()
    _save_index(settings, store)
    raise typer.Exit(1 if failed else 0)


@bank_app.command("import")
def bank_import(
    name: str,
    file: Annotated[Path, typer.Argument(help="Hex hashes one per line, CSV with a pdq/md5 column, or JSON Lines; '-' for stdin.")],
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Import a hash list into a bank; bad rows are reported on stderr and skipped."""
    from gardefou.exchange import read_hash_list

    settings, store = _store(data_dir, db, bank=name)
    try:
        stream = sys.stdin if str(file) == "-" else file.open(encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise fail(str(exc))
    entries, errors = [], 0
    with stream:
        for row in read_hash_list(stream):
            if row.error:
                errors += 1
                typer.echo(f"error: {file}: {row.error}", err=True)
            else:
                entries.append(row.entry)
    added = 0
    for start in range(0, len(entries), 5000):
        added += len(store.add_entries(name, entries[start:start + 5000]))
    _save_index(settings, store)
    write_jsonl([{"bank": name, "imported": added, "errors": errors}])
    raise typer.Exit(1 if errors else 0)


@bank_app.command("export")
def bank_export(
    name: str,
    format: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write. [default: stdout]")] = None,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Export a bank's entries (with their ids and metadata)."""
    from gardefou.exchange import write_hash_list

    if format not in ("csv", "jsonl"):
        raise fail("--format must be csv or jsonl", 2)
    _, store = _store(data_dir, db, bank=name)

    def all_entries():
        after = 0
        while page := store.list_entries(name, after_id=after, limit=5000):
            yield from page
            after = page[-1].id

    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        write_hash_list(all_entries(), out, format)
    finally:
        if output:
            out.close()


@bank_app.command("remove")
def bank_remove(
    name: str,
    entry_ids: Annotated[list[int], typer.Argument(help="Entry ids to remove.")],
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Remove entries by id: they never match again."""
    settings, store = _store(data_dir, db)
    try:
        removed = store.remove_entries(name, entry_ids)
    except StoreError as exc:
        raise fail(str(exc))
    _save_index(settings, store)
    missing = sorted(set(entry_ids) - set(removed))
    write_jsonl([{"bank": name, "removed": sorted(removed), "not_found": missing}])
    raise typer.Exit(1 if missing else 0)


@bank_app.command("delete")
def bank_delete(name: str, data_dir: DataDirOption = None, db: DbOption = None) -> None:
    """Delete a bank and every entry in it."""
    settings, store = _store(data_dir, db)
    try:
        count = store.delete_bank(name)
    except StoreError as exc:
        raise fail(str(exc))
    _save_index(settings, store)
    write_jsonl([{"bank": name, "deleted": True, "entries_removed": count}])


def _save_index(settings, store) -> None:
    """Catch the on-disk index up with this command's changes so the next run loads fast."""
    from gardefou.store.index_sync import SyncedIndex

    index = SyncedIndex(store, settings.index_dir)
    index.save()


def match(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Image files or folders to match.")] = None,
    bank: Annotated[Optional[list[str]], typer.Option("--bank", help="Bank to search (repeatable). [default: all]")] = None,
    max_distance: MaxDistanceOption = None,
    dihedral: Annotated[bool, typer.Option("--dihedral", help="Also match rotated and flipped versions.")] = False,
    hashes: Annotated[Optional[Path], typer.Option("--hashes", help="File of hex hashes (PDQ or MD5), one per line; '-' for stdin.")] = None,
    min_quality: Annotated[int, typer.Option("--min-quality", min=0, max=100, help="Skip PDQ matching below this quality.")] = DEFAULT_MIN_QUALITY,
    workers: WorkersOption = None,
    max_pixels: Annotated[int, typer.Option("--max-pixels", min=1)] = DEFAULT_MAX_PIXELS,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Match photos (or hashes) against banks; one JSON line per input with its matches, nearest first."""
    if not paths and hashes is None:
        raise fail("give image paths or --hashes FILE", 2)
    settings = resolve_settings(data_dir, db)
    matcher = open_matcher(settings)
    try:
        matcher.banks(bank)
    except StoreError as exc:
        raise fail(str(exc))
    failed = 0
    if hashes is not None:
        failed += _match_hash_file(matcher, hashes, bank, max_distance, min_quality)
    if paths:
        from gardefou.hashing import DIHEDRAL_ORDER

        for path, result in _hash_paths(paths, workers, dihedral, max_pixels):
            if getattr(result, "error", None):
                failed += 1
                write_jsonl([{"path": path, "error": result.error}])
                continue
            record = {"path": path, **result.to_dict()}
            found = matcher.match(result.pdq, result.md5, banks=bank, max_distance=max_distance, quality=result.quality,
                                  min_quality=min_quality, dihedral=result.pdq_dihedral if dihedral else None,
                                  dihedral_names=DIHEDRAL_ORDER)
            record["matches"] = [m.to_dict() for m in found]
            write_jsonl([record])
    raise typer.Exit(1 if failed else 0)


def _match_hash_file(matcher, hashes: Path, bank, max_distance, min_quality) -> int:
    stream = sys.stdin if str(hashes) == "-" else hashes.open(encoding="utf-8", errors="replace")
    failed = 0
    with stream:
        for line_no, line in enumerate(stream, start=1):
            value = line.strip().split(",")[0].strip().lower()
            if not value or value.startswith("#"):
                continue
            kind = "md5" if len(value) == 32 else "pdq"
            try:
                found = matcher.match(**{kind: value}, banks=bank, max_distance=max_distance, min_quality=min_quality)
            except StoreError as exc:
                failed += 1
                write_jsonl([{"line": line_no, "hash": value[:80], "error": str(exc)}])
                continue
            write_jsonl([{"line": line_no, kind: value, "matches": [m.to_dict() for m in found]}])
    return failed
