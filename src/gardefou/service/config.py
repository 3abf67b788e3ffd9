"""Service configuration: limits, policy, sync cadence (flags, then GARDEFOU_* variables, then defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Mapping

from gardefou.config import DEFAULT_MAX_PIXELS
from gardefou.verdict import Policy

MiB = 1024 * 1024


@dataclass(frozen=True)
class ServiceConfig:
    """Knobs of one service process.

    max_body_bytes: any request body larger than this is refused with 413 (read in a bounded way:
      the Content-Length is checked first and the stream is cut off past the limit).
    max_pixels: images with more pixels are refused with 413 before they are decoded.
    retain_media: write uploaded images to <data-dir>/media (off: image bytes live in memory only).
    sync_interval: seconds between catch-ups of the PDQ index with the database change log.
    auth_cache_ttl: API-key lookups are cached and revalidated in bulk at every sync (so a key
      revoked elsewhere stops working within about `sync_interval`, at once in the process that
      revoked it); an entry not revalidated for this many seconds is looked up again.
    """

    policy: Policy = field(default_factory=Policy)
    max_body_bytes: int = 20 * MiB
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_batch: int = 1000
    retain_media: bool = False
    sync_interval: float = 1.0
    auth_cache_ttl: float = 2.0
    page_size: int = 100
    max_page_size: int = 1000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "ServiceConfig":
        env = os.environ if environ is None else environ
        values: dict = {}
        for name, conv in (("max_body_bytes", int), ("max_pixels", int),
                           ("sync_interval", float), ("auth_cache_ttl", float)):
            raw = env.get(f"GARDEFOU_{name.upper()}")
            if raw:
                values[name] = conv(raw)
        raw = env.get("GARDEFOU_RETAIN_MEDIA")
        if raw:
            values["retain_media"] = raw.strip().lower() in ("1", "true", "yes", "on")
        values["policy"] = Policy.from_env(env)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> "ServiceConfig":
        return replace(self, **changes)
