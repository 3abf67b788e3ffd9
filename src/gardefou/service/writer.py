"""Group commit for review items: many requests' decisions go into one transaction.

A scan that ends in block or review must store a review item before it answers (its id is in the
response, and an acknowledged decision must survive a crash). Under load, one transaction per
request makes writers queue for the database lock; instead, requests hand their items to one
writer thread per process, which commits everything waiting in a single transaction and then
wakes each request with its ids. Latency stays about one commit; throughput grows with load.

On SQLite, the writer threads of several worker processes also take an exclusive `flock` on a
file beside the database around each transaction: the kernel wakes the next writer the moment
the lock is free, where SQLite's own busy handler would sleep in steps of up to 100 ms.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import threading
from collections import Counter
from concurrent.futures import Future
from typing import Any, Mapping, Sequence

from gardefou.store import Store
from gardefou.store import service_repo as repo

log = logging.getLogger("gardefou.service")
MAX_GROUP = 512


class ReviewWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock_path = None
        if store.url.startswith("sqlite:///") and store.url != "sqlite:///:memory:":
            self._lock_path = store.url[len("sqlite:///"):] + ".write.lock"
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="gardefou-review-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, items: Sequence[Mapping[str, Any]], actor: str, counts: Mapping[str, int] | None = None) -> Future:
        """Queue `items` (and case match counts); the future resolves to their ids once committed."""
        fut: Future = Future()
        if self._closed:  # shutting down: commit in the caller's thread
            self._commit([(list(items), actor, dict(counts or {}), fut)])
            return fut
        if not self._started:
            with self._lock:
                if not self._started:
                    self._thread.start()
                    self._started = True
        self._queue.put((list(items), actor, dict(counts or {}), fut))
        return fut

    def close(self) -> None:
        self._closed = True
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                group.append(nxt)
            self._commit(group)

    def _commit(self, group) -> None:
        try:
            rows, counts = [], Counter()
            for items, actor, cc, _ in group:
                rows.extend((item, actor) for item in items)
                counts.update(cc)
            if self._lock_path:
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    ids = repo.record_review_rows(self.store, rows, case_counts=counts)
                finally:
                    os.close(fd)  # releases the lock
            else:
                ids = repo.record_review_rows(self.store, rows, case_counts=counts)
        except Exception as exc:  # retry one by one so one bad request cannot fail the others
            if len(group) > 1:
                for one in group:
                    self._commit([one])
                return
            log.exception("could not record review items")
            group[0][3].set_exception(exc)
            return
        pos = 0
        for items, _, _, fut in group:
            fut.set_result(ids[pos:pos + len(items)])
            pos += len(items)
