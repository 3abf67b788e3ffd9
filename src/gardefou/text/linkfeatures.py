"""Adapter between `gardefou.links` and the text model.

`link_features(text) -> (flags, links)`: flags are booleans the model uses ("provider",
"lookalike", "referral", "telegram", "shortener", "app_store", "any"); links are small dicts
(kind, raw, domain, provider, match, referral) used for reasons. When `gardefou.links` is not
importable or fails on an input, a minimal internal URL / handle detector is used instead, so the
text detector never depends on the other package being present or healthy.
"""

from __future__ import annotations

import re
from typing import Any, Callable

__all__ = ["link_features", "link_reasons", "backend"]

_SHORTENERS = r"bit\.ly|tinyurl\.com|cutt\.ly|t\.co|goo\.gl|is\.gd|rb\.gy|shorturl\.at|ow\.ly|tiny\.cc|linktr\.ee|rebrand\.ly|s\.id|clck\.ru|v\.gd|t\.ly|bit\.do"
_FALLBACK_RE = re.compile(
    r"(?P<tg>(?:https?://)?t\.me/[\w+/?=&-]+|@\w{3,}bot\b)"
    r"|(?P<url>(?:https?://|hxxps?://|www\.)[^\s<>\"']+"
    r"|(?<![\w-])[\w-]{2,}+(?:\[\.\]|\(\.\)|\.)(?:com|net|org|io|ai|app|me|co|cc|xyz|site|online|pro|ru|su|ly|gg|to|info|biz|club|top|vip|live|fun|link|store|shop|tech|bot)\b(?:/[^\s<>\"']*)?)",
    re.I,
)
_SHORT_RE = re.compile(r"\b(?:" + _SHORTENERS + r")/", re.I)
_REF_RE = re.compile(r"[?&](?:ref|aff|affiliate|via|invite|promo|code|r|partner|utm_source|start)=([\w-]+)|/(?:r|ref|invite|aff)/([\w-]+)", re.I)
_DOT_RE = re.compile(r"\.[^\W\d_]{2}|\[\.\]|\(\.\)")
_DOTWORD_RE = re.compile(r"\b(?:dot|точка|punto|ponto|nokta|titik)\b", re.I)


def _hint(text: str) -> bool:
    if "." in text or "．" in text or "。" in text:
        if _DOT_RE.search(text) or "．" in text or "。" in text:
            return True
    return "@" in text or "://" in text or bool(_DOTWORD_RE.search(text))

_extract: Callable[[str], list] | None = None
_has_hint: Callable[[str], bool] | None = None
_BACKEND = "internal"
try:  # pragma: no cover - depends on the other package's progress
    from gardefou.links.extract import extract_links as _extract_links  # type: ignore

    try:
        from gardefou.links.extract import has_link_hint as _links_hint  # type: ignore
    except ImportError:
        _links_hint = None
    _extract_links("probe https://example.com t.me/example_bot")
    _extract = _extract_links
    if _links_hint is not None:
        _hint = _links_hint  # noqa: F811 - the links package's own cheap pre-check
    _has_hint = _links_hint
    _BACKEND = "gardefou.links"
except Exception:  # ImportError, NotImplementedError, or any bug: fall back
    _extract = None


def backend() -> str:
    """"gardefou.links" when the links package is used, "internal" for the fallback."""
    return _BACKEND


def _fallback(text: str) -> tuple[dict[str, bool], list[dict[str, Any]]]:
    flags: dict[str, bool] = {}
    links: list[dict[str, Any]] = []
    for m in _FALLBACK_RE.finditer(text):
        raw = m.group()
        if m.group("tg"):
            kind = "telegram"
            flags["telegram"] = True
        elif _SHORT_RE.search(raw):
            kind = "shortener"
            flags["shortener"] = True
        else:
            kind = "url"
        ref = _REF_RE.search(raw)
        referral = None
        if ref:
            referral = {"code": ref.group(1) or ref.group(2), "type": "referral"}
            flags["referral"] = True
        flags["any"] = True
        links.append({"kind": kind, "raw": raw, "domain": None, "provider": None, "match": "none", "referral": referral})
        if len(links) >= 20:
            break
    return flags, links


def link_features(text: str) -> tuple[dict[str, bool], list[dict[str, Any]]]:
    """Flags and link summaries for one raw text."""
    if not text or not _hint(text):
        return {}, []
    if _extract is None:
        return _fallback(text)
    try:
        found = _extract(text)
    except Exception:
        return _fallback(text)
    flags: dict[str, bool] = {}
    links: list[dict[str, Any]] = []
    for ln in found[:20]:
        kind = getattr(ln, "kind", "url")
        match = getattr(ln, "match", "none")
        provider = getattr(ln, "provider", None)
        referral = getattr(ln, "referral", None)
        flags["any"] = True
        if provider and match == "exact":
            flags["provider"] = True
        elif provider and match == "lookalike":
            flags["lookalike"] = True
        if referral:
            flags["referral"] = True
        if kind == "telegram":
            flags["telegram"] = True
        elif kind == "shortener":
            flags["shortener"] = True
        elif kind == "app_store":
            flags["app_store"] = True
        links.append({
            "kind": kind, "raw": getattr(ln, "raw", ""), "domain": getattr(ln, "domain", None),
            "provider": provider, "match": match, "referral": referral,
        })
    return flags, links


def link_reasons(links: list[dict[str, Any]]) -> list[str]:
    """Readable reasons for a moderator."""
    out: list[str] = []
    for ln in links:
        raw = ln.get("raw") or ln.get("domain") or ""
        if ln.get("provider") and ln.get("match") == "exact":
            out.append(f"links to known provider {ln['provider']}: {raw}")
        elif ln.get("provider") and ln.get("match") == "lookalike":
            out.append(f"link imitates provider {ln['provider']}: {raw}")
        if ln.get("referral"):
            code = ln["referral"].get("code") if isinstance(ln["referral"], dict) else None
            out.append(f"referral code {code}: {raw}" if code else f"referral code: {raw}")
        if ln.get("kind") == "telegram":
            out.append(f"Telegram bot/channel: {raw}")
        elif ln.get("kind") == "shortener":
            out.append(f"URL shortener: {raw}")
        elif ln.get("kind") == "app_store":
            out.append(f"app store listing: {raw}")
    seen: set[str] = set()
    return [r for r in out if not (r in seen or seen.add(r))]
