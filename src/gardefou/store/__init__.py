"""Persistence with SQLAlchemy: SQLite by default, PostgreSQL by URL; Alembic migrations."""

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

__all__ = ["BankInfo", "ChangeInfo", "Conflict", "EntryInfo", "EntryInput", "NotFound", "Store", "StoreError", "open_store"]
