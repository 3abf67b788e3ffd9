"""The gardefou store: banks, entries and their change log, plus the service's tables.

One `Store` wraps a SQLAlchemy engine (SQLite file by default, PostgreSQL by URL). Methods
return plain frozen dataclasses so callers never hold live ORM objects.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from sqlalchemy import create_engine, delete, event, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from gardefou.config import Settings
from gardefou.store import migrate
from gardefou.store.models import Bank, Change, Entry, Provider, utcnow

PDQ_RE = re.compile(r"^[0-9a-f]{64}$")
MD5_RE = re.compile(r"^[0-9a-f]{32}$")
BANK_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
BANK_KINDS = ("block", "allow")


class StoreError(ValueError):
    """A request the store refuses (unknown bank, duplicate name, malformed hash...)."""


class NotFound(StoreError):
    """The named bank, entry or record does not exist."""


class Conflict(StoreError):
    """The record already exists."""


def _record_dict(record: Any) -> dict[str, Any]:
    """A record dataclass as JSON-ready dict (datetimes as ISO 8601)."""
    d = asdict(record)
    d["created_at"] = record.created_at.isoformat() if record.created_at else None
    return d


@dataclass(frozen=True)
class BankInfo:
    id: int
    name: str
    description: str
    kind: str
    max_distance: int | None
    entry_count: int = 0
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True)
class EntryInput:
    """A hash to add: at least one of pdq / md5 (lowercase hex)."""

    pdq: str | None = None
    md5: str | None = None
    quality: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryInfo:
    id: int
    bank: str
    pdq: str | None
    md5: str | None
    quality: int | None
    metadata: dict[str, Any]
    case_id: str | None = None
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True)
class ChangeInfo:
    seq: int
    entry_id: int
    op: str
    pdq: str | None


def normalize_hash(value: Any, kind: str) -> str | None:
    """Lowercase and validate a hex hash; None/'' stays None; anything else malformed raises."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise StoreError(f"{kind} must be a hex string")
    value = value.strip().lower()
    pattern = PDQ_RE if kind == "pdq" else MD5_RE
    if not pattern.match(value):
        size = 64 if kind == "pdq" else 32
        raise StoreError(f"{kind} must be {size} hexadecimal characters, got {value[:80]!r}")
    return value


def validate_entry(item: EntryInput) -> EntryInput:
    pdq = normalize_hash(item.pdq, "pdq")
    md5 = normalize_hash(item.md5, "md5")
    if pdq is None and md5 is None:
        raise StoreError("an entry needs a pdq or an md5 hash")
    if item.quality is not None and not (0 <= int(item.quality) <= 100):
        raise StoreError("quality must be between 0 and 100")
    if not isinstance(item.metadata, dict):
        raise StoreError("metadata must be an object")
    return EntryInput(pdq=pdq, md5=md5, quality=item.quality, metadata=item.metadata)


def make_engine(url: str) -> Engine:
    """An engine with durable, concurrent-friendly settings for SQLite (WAL, busy timeout, FKs)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # durable against process kills in WAL mode
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Store:
    """Persistence for banks, entries, the change log and providers (service tables: see models)."""

    def __init__(self, url: str, *, auto_migrate: bool = True) -> None:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine = make_engine(url)
        if auto_migrate:
            migrate.upgrade(self.engine)
        self.session: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # -- banks -------------------------------------------------------------------------------
    def create_bank(self, name: str, *, description: str = "", kind: str = "block", max_distance: int | None = None) -> BankInfo:
        if not BANK_NAME_RE.match(name or ""):
            raise StoreError("bank name must be 1-100 characters: letters, digits, '_', '-', '.'")
        if kind not in BANK_KINDS:
            raise StoreError(f"bank kind must be one of {', '.join(BANK_KINDS)}")
        _check_distance(max_distance)
        with self.session.begin() as s:
            if s.scalar(select(Bank.id).where(Bank.name == name)) is not None:
                raise Conflict(f"bank {name!r} already exists")
            bank = Bank(name=name, description=description or "", kind=kind, max_distance=max_distance)
            s.add(bank)
            s.flush()
            return _bank_info(bank, 0)

    def list_banks(self, *, counts: bool = True) -> list[BankInfo]:
        """Every bank by name; `counts=False` skips counting entries (a scan of the entries table)."""
        with self.session() as s:
            counts = dict(s.execute(select(Entry.bank_id, func.count()).group_by(Entry.bank_id)).all()) if counts else {}
            return [_bank_info(b, counts.get(b.id, 0)) for b in s.scalars(select(Bank).order_by(Bank.name))]

    def get_bank(self, name: str) -> BankInfo:
        with self.session() as s:
            bank = _bank_by_name(s, name)
            count = s.scalar(select(func.count()).select_from(Entry).where(Entry.bank_id == bank.id)) or 0
            return _bank_info(bank, count)

    def update_bank(self, name: str, **changes: Any) -> BankInfo:
        allowed = {"description", "kind", "max_distance"}
        unknown = set(changes) - allowed
        if unknown:
            raise StoreError(f"cannot change {', '.join(sorted(unknown))}")
        if "kind" in changes and changes["kind"] not in BANK_KINDS:
            raise StoreError(f"bank kind must be one of {', '.join(BANK_KINDS)}")
        if "max_distance" in changes:
            _check_distance(changes["max_distance"])
        with self.session.begin() as s:
            bank = _bank_by_name(s, name)
            for key, value in changes.items():
                setattr(bank, key, value if key != "description" else (value or ""))
        return self.get_bank(name)

    def delete_bank(self, name: str) -> int:
        """Delete a bank and all its entries (logged as removals); returns how many entries went."""
        with self.session.begin() as s:
            bank = _bank_by_name(s, name)
            ids = list(s.scalars(select(Entry.id).where(Entry.bank_id == bank.id, Entry.pdq.is_not(None))))
            count = s.scalar(select(func.count()).select_from(Entry).where(Entry.bank_id == bank.id)) or 0
            _log_removals(s, ids)
            s.execute(delete(Entry).where(Entry.bank_id == bank.id))
            s.delete(bank)
        return count

    # -- entries -----------------------------------------------------------------------------
    def add_entries(self, bank: str, items: Sequence[EntryInput], *, case_id: str | None = None) -> list[int]:
        """Validate every item first (all or nothing), then insert; returns the new entry ids."""
        clean = [validate_entry(item) for item in items]
        with self.session.begin() as s:
            bank_row = _bank_by_name(s, bank)
            return _insert_entries(s, bank_row.id, clean, case_id)

    def remove_entries(self, bank: str, ids: Iterable[int]) -> list[int]:
        """Delete entries of `bank` by id; returns the ids that existed (and are now gone)."""
        wanted = {int(i) for i in ids}
        if not wanted:
            return []
        with self.session.begin() as s:
            bank_row = _bank_by_name(s, bank)
            return _remove_where(s, Entry.bank_id == bank_row.id, Entry.id.in_(wanted))

    def get_entry(self, bank: str, entry_id: int) -> EntryInfo:
        with self.session() as s:
            bank_row = _bank_by_name(s, bank)
            entry = s.get(Entry, int(entry_id))
            if entry is None or entry.bank_id != bank_row.id:
                raise NotFound(f"entry {entry_id} not found in bank {bank!r}")
            return _entry_info(entry, bank_row.name)

    def list_entries(self, bank: str, *, after_id: int = 0, limit: int = 100) -> list[EntryInfo]:
        """Entries in id order after `after_id` (keyset pagination)."""
        with self.session() as s:
            bank_row = _bank_by_name(s, bank)
            rows = s.scalars(
                select(Entry).where(Entry.bank_id == bank_row.id, Entry.id > after_id).order_by(Entry.id).limit(limit)
            )
            return [_entry_info(e, bank_row.name) for e in rows]

    def entries_by_ids(self, ids: Iterable[int]) -> dict[int, EntryInfo]:
        """Look up entries (with their bank name) by id; missing ids are simply absent."""
        wanted = sorted({int(i) for i in ids})
        out: dict[int, EntryInfo] = {}
        with self.session() as s:
            for chunk_start in range(0, len(wanted), 500):
                chunk = wanted[chunk_start:chunk_start + 500]
                for entry, bank_name in s.execute(
                    select(Entry, Bank.name).join(Bank, Bank.id == Entry.bank_id).where(Entry.id.in_(chunk))
                ):
                    out[entry.id] = _entry_info(entry, bank_name)
        return out

    def find_md5(self, md5: str) -> list[EntryInfo]:
        md5 = normalize_hash(md5, "md5")
        with self.session() as s:
            rows = s.execute(select(Entry, Bank.name).join(Bank, Bank.id == Entry.bank_id).where(Entry.md5 == md5).order_by(Entry.id))
            return [_entry_info(e, name) for e, name in rows]

    def changes_since(self, seq: int, limit: int = 100_000) -> list[ChangeInfo]:
        with self.session() as s:
            rows = s.execute(
                select(Change.seq, Change.entry_id, Change.op, Change.pdq).where(Change.seq > seq).order_by(Change.seq).limit(limit)
            )
            return [ChangeInfo(*row) for row in rows]

    def last_change_seq(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.max(Change.seq))) or 0

    # -- providers ---------------------------------------------------------------------------
    def upsert_provider(self, entry: dict[str, Any]) -> None:
        name = str(entry.get("name") or "").strip()
        if not name:
            raise StoreError("a provider needs a name")
        with self.session.begin() as s:
            row = s.scalar(select(Provider).where(Provider.name == name))
            if row is None:
                s.add(Provider(name=name, data=dict(entry)))
            else:
                row.data = dict(entry)

    def list_providers(self) -> list[dict[str, Any]]:
        with self.session() as s:
            return [dict(p.data) for p in s.scalars(select(Provider).order_by(Provider.name))]

    def remove_provider(self, name: str) -> bool:
        with self.session.begin() as s:
            return bool(s.execute(delete(Provider).where(Provider.name == name)).rowcount)


def open_store(settings: Settings) -> Store:
    """Open (and migrate) the store described by resolved settings."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Store(settings.db_url)


# -- helpers shared with the service's repositories ---------------------------------------------
def _check_distance(value: int | None) -> None:
    if value is not None and not (isinstance(value, int) and 0 <= value <= 256):
        raise StoreError("max_distance must be an integer between 0 and 256")


def _bank_by_name(s: Session, name: str) -> Bank:
    bank = s.scalar(select(Bank).where(Bank.name == name))
    if bank is None:
        raise NotFound(f"bank {name!r} not found")
    return bank


def _bank_info(bank: Bank, count: int) -> BankInfo:
    return BankInfo(bank.id, bank.name, bank.description, bank.kind, bank.max_distance, int(count), bank.created_at)


def _entry_info(entry: Entry, bank_name: str) -> EntryInfo:
    return EntryInfo(entry.id, bank_name, entry.pdq, entry.md5, entry.quality, dict(entry.meta or {}), entry.case_id, entry.created_at)


_PG_CHANGES_LOCK = 0x6368616E6765  # "change"


def _serialise_change_log(s: Session) -> None:
    """On PostgreSQL, take a transaction-scoped lock before writing to `changes`.

    Sequence values are handed out before commit, so two concurrent writers could commit seq 6
    before seq 5 and a reader polling "seq > 5" would skip 5 forever. Holding this lock until
    commit makes commit order equal seq order. SQLite already has a single writer.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHANGES_LOCK})


def _insert_entries(s: Session, bank_id: int, items: Sequence[EntryInput], case_id: str | None) -> list[int]:
    """Bulk insert (Core executemany with RETURNING, in parameter order) and log PDQ adds."""
    if not items:
        return []
    _serialise_change_log(s)
    now = utcnow()
    rows = [{"bank_id": bank_id, "pdq": i.pdq, "md5": i.md5, "quality": i.quality, "meta": dict(i.metadata),
             "case_id": case_id, "created_at": now} for i in items]
    inserted = s.execute(insert(Entry).returning(Entry.id, sort_by_parameter_order=True), rows).scalars().all()
    changes = [{"entry_id": entry_id, "op": "add", "pdq": row["pdq"], "at": now}
               for entry_id, row in zip(inserted, rows) if row["pdq"]]
    if changes:
        s.execute(insert(Change), changes)
    return list(inserted)


def _remove_where(s: Session, *conditions: Any) -> list[int]:
    found = s.execute(select(Entry.id, Entry.pdq).where(*conditions)).all()
    ids = [row[0] for row in found]
    if ids:
        _log_removals(s, [row[0] for row in found if row[1]])
        for start in range(0, len(ids), 500):
            s.execute(delete(Entry).where(Entry.id.in_(ids[start:start + 500])))
    return ids


def _log_removals(s: Session, ids: Iterable[int]) -> None:
    _serialise_change_log(s)
    s.add_all(Change(entry_id=i, op="remove") for i in ids)
