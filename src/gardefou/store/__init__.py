"""Persistence with SQLAlchemy: SQLite by default, PostgreSQL by URL; Alembic migrations."""

from gardefou.config import Settings, resolve_settings
from gardefou.store.db import (
    BankInfo,
    ChangeInfo,
    Conflict,
    EntryInfo,
    EntryInput,
    NotFound,
    Store,
    StoreError,
    open_store,
)


def open_matcher(settings: Settings, store: Store | None = None):
    """Open the store (unless given), its PDQ index (caught up) and a `BankMatcher` over both."""
    from gardefou.store.index_sync import SyncedIndex
    from gardefou.store.matcher import BankMatcher

    store = store or open_store(settings)
    return BankMatcher(store, SyncedIndex(store, settings.index_dir))


__all__ = ["BankInfo", "ChangeInfo", "Conflict", "EntryInfo", "EntryInput", "NotFound", "Store", "StoreError",
           "open_store", "open_matcher", "resolve_settings"]
