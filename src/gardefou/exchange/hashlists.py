"""Hash-list import and export: plain hex lines, CSV with pdq/md5 columns, JSON Lines.

Formats seen in hash-sharing tools: one hex hash per line (PDQ's own tooling), CSV with a
`pdq` or `md5` column plus metadata columns (ThreatExchange-style exports), and JSON Lines.
Metadata columns are kept in the entry's metadata.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import IO, Any, Iterable, Iterator

from gardefou.store.db import EntryInput, StoreError, validate_entry

HASH_COLUMNS = ("pdq", "md5", "quality")
PDQ_ALIASES = ("pdq", "pdq_hash", "hash", "signal_value")


@dataclass(frozen=True)
class ParsedRow:
    """One row of a hash list: an entry, or an error naming the line."""

    line: int
    entry: EntryInput | None = None
    error: str | None = None


def sniff_format(first_line: str) -> str:
    """'jsonl', 'csv' or 'lines' from the first non-empty line."""
    stripped = first_line.strip()
    if stripped.startswith("{"):
        return "jsonl"
    if "," in stripped or "\t" in stripped:
        return "csv"
    return "lines"


def read_hash_list(stream: IO[str]) -> Iterator[ParsedRow]:
    """Parse a hash list in any supported format; bad rows become errors, good ones go on."""
    text = stream.read()
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    fmt = sniff_format(first)
    if fmt == "jsonl":
        yield from _read_jsonl(lines)
    elif fmt == "csv":
        yield from _read_csv(text)
    else:
        yield from _read_lines(lines)


def _entry_from_fields(fields: dict[str, Any]) -> EntryInput:
    lowered = {str(k).strip().lower(): v for k, v in fields.items() if k is not None}
    pdq = next((lowered[a] for a in PDQ_ALIASES if lowered.get(a)), None)
    md5 = lowered.get("md5") or None
    quality = lowered.get("quality")
    if quality in ("", None):
        quality = None
    else:
        try:
            quality = int(quality)
        except (TypeError, ValueError):
            raise StoreError(f"quality must be an integer, got {quality!r}") from None
    metadata = fields.get("metadata") if isinstance(fields.get("metadata"), dict) else {}
    metadata = dict(metadata)
    used = set(PDQ_ALIASES) | {"md5", "quality", "metadata", "id", "entry_id", "bank"}
    for key, value in fields.items():
        if key is not None and str(key).strip().lower() not in used and value not in ("", None):
            metadata[str(key).strip()] = value
    return validate_entry(EntryInput(pdq=pdq, md5=md5, quality=quality, metadata=metadata))


def _guess_hex(value: str) -> EntryInput:
    value = value.strip().lower()
    if len(value) == 32:
        return validate_entry(EntryInput(md5=value))
    return validate_entry(EntryInput(pdq=value))


def _read_lines(lines: list[str]) -> Iterator[ParsedRow]:
    for no, line in enumerate(lines, start=1):
        value = line.strip()
        if not value or value.startswith("#"):
            continue
        # PDQ tooling writes "hash,quality,filename" or "hash quality"; keep just the first token.
        token = value.replace(",", " ").split()[0]
        try:
            yield ParsedRow(no, entry=_guess_hex(token))
        except StoreError as exc:
            yield ParsedRow(no, error=f"line {no}: {exc}")


def _read_csv(text: str) -> Iterator[ParsedRow]:
    sample = text[:4096]
    dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {c.strip().lower() for c in (reader.fieldnames or []) if c}
    if not columns & (set(PDQ_ALIASES) | {"md5"}):
        # A header-less CSV such as "hash,quality,path": treat the first column as the hash.
        for no, row in enumerate(csv.reader(io.StringIO(text), dialect=dialect), start=1):
            if not row or not row[0].strip():
                continue
            try:
                yield ParsedRow(no, entry=_guess_hex(row[0]))
            except StoreError as exc:
                yield ParsedRow(no, error=f"line {no}: {exc}")
        return
    for row in reader:
        no = reader.line_num
        try:
            yield ParsedRow(no, entry=_entry_from_fields(row))
        except StoreError as exc:
            yield ParsedRow(no, error=f"line {no}: {exc}")


def _read_jsonl(lines: list[str]) -> Iterator[ParsedRow]:
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise StoreError("expected a JSON object")
            yield ParsedRow(no, entry=_entry_from_fields(obj))
        except json.JSONDecodeError as exc:
            yield ParsedRow(no, error=f"line {no}: invalid JSON ({exc.msg})")
        except StoreError as exc:
            yield ParsedRow(no, error=f"line {no}: {exc}")


def write_hash_list(entries: Iterable[Any], out: IO[str], fmt: str = "csv") -> int:
    """Write entries (objects with id, pdq, md5, quality, metadata) as CSV or JSON Lines."""
    count = 0
    if fmt == "jsonl":
        for e in entries:
            out.write(json.dumps({"entry_id": e.id, "pdq": e.pdq, "md5": e.md5, "quality": e.quality,
                                  "metadata": e.metadata}, ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r}")
    entries = list(entries)
    meta_keys = sorted({k for e in entries for k in e.metadata if k not in ("entry_id", *HASH_COLUMNS)})
    writer = csv.writer(out)
    writer.writerow(["entry_id", "pdq", "md5", "quality", *meta_keys])
    for e in entries:
        writer.writerow([e.id, e.pdq or "", e.md5 or "", "" if e.quality is None else e.quality,
                         *[_cell(e.metadata.get(k)) for k in meta_keys]])
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
