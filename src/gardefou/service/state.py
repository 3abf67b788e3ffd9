"""What one service process holds: the store, the synced PDQ index, a bank cache, the key cache.

The PDQ index is loaded in a background thread at start-up (``/readyz`` answers 503 and scans
answer 503 until it is ready) and then caught up with the database change log every
`sync_interval` seconds, so workers and instances sharing one PostgreSQL see each other's
changes within about a second. Changes made through this process are applied to its own index
before the response returns. Removals are effective everywhere at once anyway: every PDQ hit is
joined with the database before it is reported (`BankMatcher`), so an entry deleted by another
instance never matches, even before that instance's next sync.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from gardefou.config import DEFAULT_MAX_DISTANCE, Settings
from gardefou.service.auth import KeyCache
from gardefou.service.config import ServiceConfig
from gardefou.service.writer import ReviewWriter
from gardefou.store import Store, open_store
from gardefou.store import service_repo as repo
from gardefou.store.db import BankInfo
from gardefou.store.matcher import BankMatcher

log = logging.getLogger("gardefou.service")


class CachedBankMatcher(BankMatcher):
    """A BankMatcher reading the bank list from memory (refreshed every sync) instead of the database."""

    def __init__(self, store: Store, index, state: "ServiceState") -> None:
        super().__init__(store, index)
        self._state = state

    def all_banks(self) -> dict[str, BankInfo]:
        return self._state.banks


class ServiceState:
    def __init__(self, settings: Settings, config: ServiceConfig, store: Store | None = None) -> None:
        self.settings = settings
        self.config = config
        self.store = store or open_store(settings)
        self._own_store = store is None
        self.keys = KeyCache(self.store, ttl=config.auth_cache_ttl)
        self.writer = ReviewWriter(self.store)
        self.banks: dict[str, BankInfo] = {}
        self.radius = DEFAULT_MAX_DISTANCE  # widest PDQ threshold over all banks
        self.index = None
        self.matcher: CachedBankMatcher | None = None
        self.ready = threading.Event()
        self.load_error: str | None = None
        self.last_sync_ok = 0.0
        self.started = time.time()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loaded_seq = 0
        self.refresh_banks()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, background: bool = True) -> None:
        """Load the index (in the background thread, or now when `background` is false), then keep it in step."""
        if not background:
            self._load()
        self._thread = threading.Thread(target=self._run, name="gardefou-index-sync", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        from gardefou.store.index_sync import SyncedIndex

        t0 = time.perf_counter()
        self.index = SyncedIndex(self.store, self.settings.index_dir)
        self._loaded_seq = self.index.seq
        self.index.search("0" * 64, 32)  # load the compiled search kernels before the first request
        try:  # and the text model, so the first text scan is not the one that pays for loading it
            from gardefou.service.scanning import text_signals

            text_signals("warm-up: example.com")
        except Exception as exc:  # text scans will report the problem themselves
            log.warning("text detectors unavailable: %s", exc)
        self.matcher = CachedBankMatcher(self.store, self.index, self)
        self.last_sync_ok = time.monotonic()
        self.ready.set()
        log.info("PDQ index ready: %d entries in %.1fs", len(self.index), time.perf_counter() - t0)

    def _run(self) -> None:
        while not self.ready.is_set():
            try:
                self._load()
                self.load_error = None
            except Exception as exc:  # the process stays up; /readyz says why, and loading is retried
                self.load_error = f"{exc.__class__.__name__}: {exc}"
                log.exception("could not load the PDQ index; retrying in 5 s")
                if self._stop.wait(5.0):
                    return
        while not self._stop.wait(self.config.sync_interval):
            self.sync()

    def sync(self) -> int:
        """Catch up the index and the bank cache with the database (errors are logged, not raised)."""
        try:
            applied = self.index.sync() if self.index is not None else 0
            self.refresh_banks()
            self.keys.revalidate()
            self.last_sync_ok = time.monotonic()
            return applied
        except Exception:
            log.exception("index sync failed; retrying in %.1fs", self.config.sync_interval)
            return 0

    def refresh_banks(self) -> None:
        banks = {b.name: b for b in repo.list_banks_light(self.store)}
        radius = max([b.max_distance if b.max_distance is not None else DEFAULT_MAX_DISTANCE for b in banks.values()]
                     or [DEFAULT_MAX_DISTANCE])
        self.banks, self.radius = banks, radius

    def after_write(self) -> None:
        """Apply this process's own change to its index and bank cache before answering."""
        if self.index is not None:
            self.index.sync()
        self.refresh_banks()

    def stop(self) -> None:
        self._stop.set()
        self.writer.close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.index is not None and self.index.seq != self._loaded_seq:
            self.save_index()
        if self._own_store:
            self.store.close()

    def save_index(self) -> None:
        """Save the index for a fast next start (one process at a time; skipped when another saves)."""
        directory: Path = self.settings.index_dir
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with _file_lock(directory / ".save.lock") as got:
                if got:
                    self.index.save()
        except Exception:
            log.exception("could not save the PDQ index (it will be rebuilt from the database)")

    # -- health ------------------------------------------------------------------------------
    def readiness(self) -> tuple[bool, dict]:
        info: dict = {"index": "ready" if self.ready.is_set() else ("failed" if self.load_error else "loading")}
        if self.load_error:
            info["error"] = self.load_error
        ok = self.ready.is_set()
        if ok:
            info["entries"] = len(self.index)
            lag = time.monotonic() - self.last_sync_ok
            info["last_sync_seconds_ago"] = round(lag, 2)
            if lag > max(30.0, 10 * self.config.sync_interval):
                ok = False
                info["index"] = "stale"
        try:
            from sqlalchemy import text

            with self.store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            info["database"] = "ok"
        except Exception as exc:
            ok = False
            info["database"] = f"unavailable: {exc.__class__.__name__}"
        return ok, info


@contextmanager
def _file_lock(path: Path):
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
