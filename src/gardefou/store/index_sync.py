"""The PDQ index of every bank entry, kept in step with the store's change log.

The database is the source of truth. The index lives on disk beside it (`<data-dir>/index/`)
as a cache: on open it is loaded (memory-mapped) and caught up by replaying `changes` newer
than the sequence number it was saved at; `sync()` does the same at any time, so CLI runs,
service workers and instances sharing one PostgreSQL see each other's changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
from pathlib import Path

import numpy as np

from gardefou.matching import HashIndex, Match
from gardefou.store.db import Store

log = logging.getLogger(__name__)
MANIFEST = "sync.json"


class SyncedIndex:
    """A `HashIndex` over entry ids, caught up from `Store.changes_since`."""

    def __init__(self, store: Store, directory: Path | None = None) -> None:
        self.store = store
        self.directory = Path(directory) if directory else None
        self._lock = threading.Lock()
        self.seq = 0
        self.index = self._load() or HashIndex()
        self.sync()

    def _db_fingerprint(self) -> str:
        return hashlib.sha256(self.store.url.encode()).hexdigest()[:16]

    def _load(self) -> HashIndex | None:
        if self.directory is None:
            return None
        manifest = self.directory / MANIFEST
        try:
            meta = json.loads(manifest.read_text())
            if meta.get("db") != self._db_fingerprint() or meta.get("seq", 0) > self.store.last_change_seq():
                log.info("index at %s belongs to another database state; rebuilding", self.directory)
                return None
            index = HashIndex.load(self.directory / "pdq")
            self.seq = int(meta["seq"])
            return index
        except FileNotFoundError:
            return None
        except Exception as exc:  # a damaged cache is rebuilt from the database, never fatal
            log.warning("could not load index from %s (%s); rebuilding from the database", self.directory, exc)
            self.seq = 0
            return None

    def sync(self) -> int:
        """Apply every change newer than the last one seen; returns how many were applied."""
        applied = 0
        with self._lock:
            while True:
                changes = self.store.changes_since(self.seq, limit=200_000)
                if not changes:
                    break
                _apply(self.index, changes)
                self.seq = changes[-1].seq
                applied += len(changes)
        return applied

    def save(self) -> None:
        """Persist the index and the change sequence it reflects (atomic manifest write)."""
        if self.directory is None:
            return
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Several processes (CLI runs, service workers) may share one data dir: one writer at a time.
            with open(self.directory / ".lock", "a+") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                self.index.save(self.directory / "pdq")
                tmp = self.directory / (MANIFEST + ".tmp")
                tmp.write_text(json.dumps({"db": self._db_fingerprint(), "seq": self.seq}))
                os.replace(tmp, self.directory / MANIFEST)

    def search(self, pdq: str, max_distance: int) -> list[Match]:
        return self.index.search(pdq, max_distance=max_distance)

    def __len__(self) -> int:
        return len(self.index)


def _apply(index: HashIndex, changes) -> None:
    """Replay changes in order, batching consecutive adds and removes."""
    batch_op, ids, hashes = None, [], []

    def flush() -> None:
        if not ids:
            return
        if batch_op == "add":
            index.add(np.asarray(ids, dtype=np.int64), hashes)
        else:
            index.remove(np.asarray(ids, dtype=np.int64))
        ids.clear()
        hashes.clear()

    for change in changes:
        if change.op != batch_op:
            flush()
            batch_op = change.op
        ids.append(change.entry_id)
        if change.op == "add":
            hashes.append(change.pdq)
    flush()
