"""Persistence for the HTTP service: API keys, victim cases, review items and the audit log.

Plain functions over a `Store` (its engine and sessions); they return frozen dataclasses.

Secrets (API keys, withdraw tokens) are 256-bit random values from `secrets`; only their
SHA-256 is stored. A fast hash is the right tool here: salting and slow KDFs protect
low-entropy passwords against guessing, and nobody can enumerate 2**256 candidates, so a
leaked table of SHA-256 digests does not reveal a usable key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import func, select, update

from gardefou.store.db import (
    BankInfo,
    EntryInput,
    NotFound,
    Store,
    StoreError,
    _bank_by_name,
    _insert_entries,
    _remove_where,
    validate_entry,
)
from gardefou.store.models import ApiKey, AuditEvent, Bank, Case, Entry, ReviewItem, utcnow

ROLES = ("admin", "reviewer", "scanner", "intake")
KEY_PREFIX = "gfk_"
TOKEN_PREFIX = "gfw_"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# -- API keys ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyInfo:
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"], d["revoked_at"] = _iso(self.created_at), _iso(self.revoked_at)
        d["active"] = self.active
        return d


def _key_info(k: ApiKey) -> KeyInfo:
    return KeyInfo(k.id, k.name, k.role, k.prefix, k.created_at, k.revoked_at)


def create_key(store: Store, role: str, name: str | None = None) -> tuple[str, KeyInfo]:
    """Create a key for `role`; returns (the secret, shown once; its record)."""
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    name = (name or "").strip() or f"{role}-{secrets.token_hex(3)}"
    if len(name) > 100:
        raise StoreError("key name must be at most 100 characters")
    with store.session.begin() as s:
        row = ApiKey(name=name, role=role, key_hash=hash_secret(secret), prefix=secret[:12])
        s.add(row)
        s.flush()
        return secret, _key_info(row)


def list_keys(store: Store, *, include_revoked: bool = True) -> list[KeyInfo]:
    with store.session() as s:
        q = select(ApiKey).order_by(ApiKey.id)
        if not include_revoked:
            q = q.where(ApiKey.revoked_at.is_(None))
        return [_key_info(k) for k in s.scalars(q)]


def revoke_key(store: Store, ident: str | int) -> KeyInfo:
    """Revoke a key by id, name or prefix (the first 12 characters); NotFound / StoreError if ambiguous."""
    with store.session.begin() as s:
        rows: list[ApiKey]
        if isinstance(ident, int) or (isinstance(ident, str) and ident.isdigit()):
            row = s.get(ApiKey, int(ident)) if 0 < int(ident) < 2**31 else None
            rows = [row] if row else []
        else:
            rows = list(s.scalars(select(ApiKey).where((ApiKey.name == ident) | (ApiKey.prefix == ident))))
            active = [r for r in rows if r.revoked_at is None]
            rows = active or rows
        if not rows:
            raise NotFound(f"no API key {ident!r}")
        if len(rows) > 1:
            raise StoreError(f"{ident!r} names {len(rows)} keys; revoke by id")
        row = rows[0]
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return _key_info(row)


def lookup_key(store: Store, secret: str) -> KeyInfo | None:
    """The active key with this secret, else None."""
    digest = hash_secret(secret)
    with store.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        if row is None or row.revoked_at is not None:
            return None
        return _key_info(row)


def lookup_key_hashes(store: Store, digests: Iterable[str]) -> dict[str, KeyInfo]:
    """Active keys by SHA-256 digest (absent: unknown or revoked), for bulk cache revalidation."""
    wanted = list(dict.fromkeys(digests))
    out: dict[str, KeyInfo] = {}
    with store.session() as s:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for row in s.scalars(select(ApiKey).where(ApiKey.key_hash.in_(chunk), ApiKey.revoked_at.is_(None))):
                out[row.key_hash] = _key_info(row)
    return out


# -- cases -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseInfo:
    id: str
    bank: str | None
    status: str
    match_count: int
    hash_count: int
    created_at: datetime | None
    withdrawn_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.id, "bank": self.bank, "status": self.status, "match_count": self.match_count,
                "hash_count": self.hash_count, "created_at": _iso(self.created_at), "withdrawn_at": _iso(self.withdrawn_at)}


def create_case(store: Store, bank: str, hashes: Sequence[EntryInput], note: str = "") -> tuple[str, str, list[int]]:
    """Add `hashes` to `bank` under a new case; returns (case_id, withdraw token shown once, entry ids)."""
    clean = [validate_entry(h) for h in hashes]
    if not clean:
        raise StoreError("a case needs at least one hash")
    case_id = str(uuid.uuid4())
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.session.begin() as s:
        bank_row = _bank_by_name(s, bank)
        if bank_row.kind != "block":
            raise StoreError(f"bank {bank!r} is an allow bank; victim cases go into a block bank")
        s.add(Case(id=case_id, bank_id=bank_row.id, token_hash=hash_secret(token), note=note or ""))
        s.flush()
        ids = _insert_entries(s, bank_row.id, clean, case_id)
    return case_id, token, ids


def _case_row(s, case_id: str, token: str) -> Case:
    try:
        uuid.UUID(str(case_id))
    except ValueError:
        raise NotFound(f"case {case_id!r} not found") from None
    row = s.get(Case, str(case_id))
    if row is None:
        raise NotFound(f"case {case_id!r} not found")
    if not hmac.compare_digest(row.token_hash, hash_secret(token or "")):
        raise PermissionError("the withdraw token does not match this case")
    return row


def get_case(store: Store, case_id: str, token: str) -> CaseInfo:
    """The case's status (PermissionError on a wrong token, NotFound when unknown)."""
    with store.session() as s:
        row = _case_row(s, case_id, token)
        return _case_info(s, row)


def _case_info(s, row: Case) -> CaseInfo:
    count = s.scalar(select(func.count()).select_from(Entry).where(Entry.case_id == row.id)) or 0
    bank = s.scalar(select(Bank.name).where(Bank.id == row.bank_id)) if row.bank_id is not None else None
    return CaseInfo(row.id, bank, row.status, row.match_count, int(count), row.created_at, row.withdrawn_at)


def withdraw_case(store: Store, case_id: str, token: str) -> tuple[CaseInfo, list[int]]:
    """Delete every entry of the case in one transaction; returns (case, removed entry ids)."""
    with store.session.begin() as s:
        row = _case_row(s, case_id, token)
        removed = _remove_where(s, Entry.case_id == row.id)
        if row.status != "withdrawn":
            row.status = "withdrawn"
            row.withdrawn_at = utcnow()
        return _case_info(s, row), removed


# -- review items --------------------------------------------------------------------------------
REVIEW_STATUSES = ("pending", "confirmed", "dismissed")


@dataclass(frozen=True)
class ReviewInfo:
    id: int
    kind: str
    action: str
    reasons: list[Any]
    subject: dict[str, Any]
    status: str
    created_by: str | None
    created_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"], d["decided_at"] = _iso(self.created_at), _iso(self.decided_at)
        return d


def _review_info(r: ReviewItem) -> ReviewInfo:
    return ReviewInfo(r.id, r.kind, r.action, list(r.reasons or []), dict(r.subject or {}), r.status, r.created_by,
                      r.created_at, r.decided_by, r.decided_at, r.note or "")


def record_review_rows(store: Store, rows: Sequence[tuple[Mapping[str, Any], str | None]],
                       case_counts: Mapping[str, int] | None = None) -> list[int]:
    """Insert review items, each with its own actor, and bump case counters, in one transaction."""
    objs = [ReviewItem(kind=i["kind"], action=i["action"], reasons=list(i.get("reasons") or []),
                       subject=dict(i.get("subject") or {}), created_by=actor) for i, actor in rows]
    with store.session.begin() as s:
        s.add_all(objs)
        for case_id, n in sorted((case_counts or {}).items()):
            s.execute(update(Case).where(Case.id == case_id).values(match_count=Case.match_count + int(n)))
        s.flush()
        return [o.id for o in objs]


def list_review(store: Store, *, status: str | None = "pending", after_id: int = 0, limit: int = 100) -> list[ReviewInfo]:
    with store.session() as s:
        q = select(ReviewItem).where(ReviewItem.id > after_id)
        if status:
            q = q.where(ReviewItem.status == status)
        return [_review_info(r) for r in s.scalars(q.order_by(ReviewItem.id).limit(limit))]


def get_review(store: Store, item_id: int) -> ReviewInfo:
    with store.session() as s:
        row = s.get(ReviewItem, int(item_id))
        if row is None:
            raise NotFound(f"review item {item_id} not found")
        return _review_info(row)


def decide_review(store: Store, item_id: int, decision: str, *, actor: str, note: str = "") -> ReviewInfo:
    """Record a reviewer's decision: confirm (the action was right) or dismiss (it was not)."""
    status = {"confirm": "confirmed", "dismiss": "dismissed"}.get(decision)
    if status is None:
        raise StoreError("decision must be 'confirm' or 'dismiss'")
    with store.session.begin() as s:
        row = s.get(ReviewItem, int(item_id), with_for_update=True)
        if row is None:
            raise NotFound(f"review item {item_id} not found")
        row.status = status
        row.decided_by = actor
        row.decided_at = utcnow()
        row.note = note or ""
        s.flush()
        return _review_info(row)


# -- audit log -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditInfo:
    id: int
    at: datetime | None
    actor: str
    action: str
    target: str
    details: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = _iso(self.at)
        return d


def audit(store: Store, actor: str, action: str, target: str = "", details: Mapping[str, Any] | None = None) -> int:
    """Append one event (who = a key *name*, never its value)."""
    with store.session.begin() as s:
        row = AuditEvent(actor=actor[:100], action=action[:60], target=str(target)[:200], details=dict(details or {}))
        s.add(row)
        s.flush()
        return row.id


def list_audit(store: Store, *, before_id: int | None = None, limit: int = 100, actor: str | None = None,
               action: str | None = None) -> list[AuditInfo]:
    """Newest first; `before_id` pages backwards."""
    with store.session() as s:
        q = select(AuditEvent)
        if before_id is not None:
            q = q.where(AuditEvent.id < before_id)
        if actor:
            q = q.where(AuditEvent.actor == actor)
        if action:
            q = q.where(AuditEvent.action == action)
        rows = s.scalars(q.order_by(AuditEvent.id.desc()).limit(limit))
        return [AuditInfo(r.id, r.at, r.actor, r.action, r.target, dict(r.details or {})) for r in rows]


# -- banks without entry counts (cheap, for the scan hot path) ----------------------------------
def list_banks_light(store: Store) -> list[BankInfo]:
    with store.session() as s:
        return [BankInfo(b.id, b.name, b.description, b.kind, b.max_distance, 0, b.created_at)
                for b in s.scalars(select(Bank).order_by(Bank.name))]


# -- opaque cursors ------------------------------------------------------------------------------
def encode_cursor(kind: str, value: int) -> str:
    raw = json.dumps([kind, int(value)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """The position in an opaque cursor; StoreError if it is not one of ours for `kind`."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        k, value = json.loads(raw)
        if k != kind or not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
            raise ValueError
        return value
    except (ValueError, TypeError, UnicodeDecodeError):
        raise StoreError("invalid cursor") from None
