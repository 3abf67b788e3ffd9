"""Bearer API keys with roles.

A key is `gfk_` + 43 characters of `secrets.token_urlsafe(32)` (256 random bits); the database
holds only its SHA-256 (see `gardefou.store.service_repo`). Lookups are cached in memory and
revalidated in bulk by the background sync thread every second, so the scan hot path needs no
database round trip; revoking through the API clears this process's cache at once, other
processes and workers stop accepting the key within about a second (at most `auth_cache_ttl`,
2 s by default, should their sync thread stall).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Callable

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gardefou.service.errors import ApiError
from gardefou.store import Store
from gardefou.store import service_repo as repo

ROLES = repo.ROLES
bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer gfk_...`")


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    role: str


class KeyCache:
    """SHA-256(secret) -> Principal (or None for unknown/revoked keys), checked against the database.

    The background sync thread revalidates every cached key in one query each second
    (`revalidate`), so requests never wait for the database once a key has been seen, and a
    revocation made anywhere takes effect within about a second. An entry not revalidated for
    `ttl` seconds (e.g. the sync thread is stuck) is looked up again on its next use.
    """

    MAX = 10_000
    _MISS = object()

    def __init__(self, store: Store, ttl: float = 2.0) -> None:
        self.store = store
        self.ttl = ttl
        self._cache: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    def cached(self, secret: str):
        """The cached answer for `secret`, or KeyCache._MISS when a database lookup is due."""
        hit = self._cache.get(_digest(secret))
        if hit is not None and time.monotonic() - hit[1] <= self.ttl:
            return hit[0]
        return self._MISS

    def lookup(self, secret: str) -> Principal | None:
        digest = _digest(secret)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and now - hit[1] <= self.ttl:
            return hit[0]
        info = repo.lookup_key(self.store, secret) if secret.startswith(repo.KEY_PREFIX) and len(secret) < 200 else None
        principal = Principal(info.id, info.name, info.role) if info else None
        with self._lock:
            if len(self._cache) >= self.MAX:
                self._cache.clear()
            self._cache[digest] = (principal, now)
        return principal

    def revalidate(self) -> None:
        """Re-read every cached valid key from the database in one query (run by the sync thread).

        Unknown keys are not revalidated (a flood of made-up keys must not grow this query); they
        are forgotten once their TTL has passed.
        """
        now = time.monotonic()
        items = list(self._cache.items())
        digests = [d for d, (p, _) in items if p is not None]
        found = repo.lookup_key_hashes(self.store, digests) if digests else {}
        with self._lock:
            for digest in digests:
                info = found.get(digest)
                self._cache[digest] = (Principal(info.id, info.name, info.role) if info else None, now)
            for digest, (p, at) in items:
                if p is None and now - at > self.ttl:
                    self._cache.pop(digest, None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def require(*roles: str) -> Callable:
    """A dependency admitting keys whose role is in `roles` (admin is always admitted)."""
    allowed = frozenset(roles) | {"admin"}
    label = " or ".join(sorted(allowed))

    async def dependency(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        if creds is None or not creds.credentials:
            raise ApiError(401, "unauthorized", "missing API key: send 'Authorization: Bearer <key>'",
                           headers={"WWW-Authenticate": "Bearer"})
        cache: KeyCache = request.app.state.keys
        principal = cache.cached(creds.credentials)
        if principal is KeyCache._MISS:  # one indexed query per key per TTL, off the event loop
            principal = await run_in_threadpool(cache.lookup, creds.credentials)
        if principal is None:
            raise ApiError(401, "unauthorized", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in allowed:
            raise ApiError(403, "forbidden", f"this route needs a {label} key; this key's role is {principal.role}")
        return principal

    dependency.__name__ = f"require_{'_'.join(sorted(allowed))}"
    return dependency
