"""Result types of gardefou.links: frozen dataclasses with `to_dict()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("url", "domain", "telegram", "app_store", "email", "shortener")
MATCHES = ("exact", "lookalike", "none")


@dataclass(frozen=True)
class Link:
    """One link found in a text.

    - `kind`: "url" (had a scheme or a path), "domain" (bare host), "telegram" (t.me link or
      @…bot handle), "app_store" (App Store / Google Play / AppGallery listing), "email",
      "shortener" (a URL-shortener link: its destination is unknown offline).
    - `raw`: the text as written; `span`: (start, end) offsets into the input, `text[start:end] == raw`.
    - `url`: normalised URL (scheme undone from hxxp, `https://` assumed when none was written,
      host lower-case and IDNA/punycode); `mailto:` for e-mails; None when not a web link.
    - `domain`: registrable domain (public suffix list, private suffixes such as vercel.app
      included; an IPv4 host is given as is).
    - `referral`: None, or the most telling code as {"param", "code", "type"} where type is
      "referral", "affiliate", "invite", "start" (Telegram deep link) or "campaign" (utm_*);
      when the link carries several codes, "all" lists every one of them in the same shape.
    - `provider` / `match` / `similarity`: the registry entry the link points to. With
      match == "exact" the domain, bot or app id is listed under that provider. With
      match == "lookalike" the name is the brand it imitates (typosquat, brand + affix, homoglyph)
      and is NOT a confirmed attribution; `similarity` in (0, 1] says how close. match == "none"
      leaves provider and similarity None. Use `confirmed_provider` when only facts will do.
    - `obfuscation`: disguises undone, in order of discovery: "defanged", "hxxp", "dot-word",
      "spaced", "dotted", "fullwidth", "homoglyph", "punycode", "zero-width".
    - `target`: (extension) the account or listing behind the link: Telegram username without
      "@", app id ("id123456789" on the App Store, a package name on Google Play), the e-mail address.
    """

    kind: str
    raw: str
    span: tuple[int, int]
    url: str | None
    domain: str | None
    referral: dict | None = field(default=None, hash=False, compare=True)
    provider: str | None = None
    match: str = "none"
    similarity: float | None = None
    obfuscation: list[str] = field(default_factory=list, hash=False, compare=True)
    target: str | None = None

    @property
    def confirmed_provider(self) -> str | None:
        return self.provider if self.match == "exact" else None

    @property
    def is_bot(self) -> bool:
        return self.kind == "telegram" and bool(self.target) and self.target.lower().endswith("bot")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "raw": self.raw,
            "span": [self.span[0], self.span[1]],
            "url": self.url,
            "domain": self.domain,
            "referral": self.referral,
            "provider": self.provider,
            "match": self.match,
            "similarity": self.similarity,
            "obfuscation": list(self.obfuscation),
            "target": self.target,
        }


@dataclass(frozen=True)
class ProviderMatch:
    """Result of `check_domain`: which registry entry, if any, a domain, URL or handle belongs to."""

    input: str
    domain: str | None
    provider: str | None
    match: str
    similarity: float | None
    reason: str
    brand: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "domain": self.domain,
            "provider": self.provider,
            "match": self.match,
            "similarity": self.similarity,
            "brand": self.brand,
            "reason": self.reason,
        }
