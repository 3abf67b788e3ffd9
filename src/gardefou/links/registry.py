"""Provider registry: the shipped data file, user entries merged in, exact and look-alike matching.

`load_registry(extra)` builds a `Registry` from `providers.yaml` (package data, validated against
`providers.schema.json`) plus extra entries in the same schema (e.g. the local store's). Entries
with the same name (case-insensitive) are merged: list fields are unioned, scalar fields of the
extra entry win when set.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable
from urllib.parse import urlsplit

import jsonschema
import yaml

from gardefou.links._hosts import fold_label, is_ipv4, registrable, skeleton, to_ascii_label
from gardefou.links.model import ProviderMatch

LIST_FIELDS = ("aliases", "domains", "telegram_bots", "app_ids", "brand_tokens", "sources")
SCALAR_FIELDS = ("operator", "status", "date_seen", "notes")

#: Words that describe the category or are plain vocabulary: never a brand token on their own.
GENERIC_TOKENS = frozenset(
    """
    ai app apps photo photos pic pics image images editor edit online free pro studio camera filter
    filters beauty design remover remove eraser erase generator generate art arts nude nudes naked
    strip undressing clothes cloth body deep fake deepfake face swap faceswap video videos porn sex
    adult girls girl women woman model models magic lab labs tool tools cloud web site bot bots
    official premium best top new""".split()
)

#: Registrable domains that are never reported as look-alikes (big platforms, news, photo tools).
BENIGN_DOMAINS = frozenset(
    """
    google.com youtube.com facebook.com instagram.com whatsapp.com messenger.com meta.com threads.net
    x.com twitter.com t.co tiktok.com snapchat.com reddit.com pinterest.com linkedin.com tumblr.com
    discord.com discord.gg telegram.org t.me telegram.me twitch.tv vk.com ok.ru weibo.com qq.com
    wechat.com line.me kakao.com naver.com apple.com icloud.com microsoft.com live.com outlook.com
    bing.com yahoo.com duckduckgo.com wikipedia.org wikimedia.org github.com gitlab.com amazon.com
    ebay.com etsy.com aliexpress.com shein.com zara.com hm.com asos.com netflix.com spotify.com
    bbc.co.uk bbc.com cnn.com nytimes.com theguardian.com washingtonpost.com reuters.com apnews.com
    wired.com 404media.co bellingcat.com lemonde.fr elpais.com spiegel.de globo.com nbcnews.com
    remove.bg canva.com picsart.com photoroom.com adobe.com lightroom.com pixlr.com fotor.com
    befunky.com photopea.com snapseed.com facetuneapp.com lensa-ai.com cleanup.pictures
    stopncii.org takeitdown.ncmec.org ncmec.org missingkids.org
    """.split()
)


class RegistryError(ValueError):
    """Invalid provider data; `errors` lists one message per problem."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(resources.files("gardefou.links").joinpath("providers.schema.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def _provider_validator() -> jsonschema.protocols.Validator:
    schema = _schema()
    sub = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/provider"}
    return jsonschema.Draft202012Validator(sub)


def normalize_domain(value: str) -> str | None:
    """A registry-ready host from a domain or URL: lower-case, IDNA, no scheme, path or `www.`."""
    value = value.strip()
    if not value:
        return None
    host = urlsplit(value if "//" in value else "//" + value).hostname or ""
    host = host.strip(".")
    labels = []
    for label in host.split("."):
        folded, _ = fold_label(label)
        ascii_label = to_ascii_label(folded)
        if ascii_label is None:
            return None
        labels.append(ascii_label)
    if len(labels) < 2:
        return None
    if labels[0] == "www" and len(labels) > 2:
        labels = labels[1:]
    return ".".join(labels)


def _normalize_entry(entry: dict) -> dict:
    out = copy.deepcopy(entry)
    if "domains" in out:
        out["domains"] = [d.lower().strip(".") for d in out["domains"]]
    if "telegram_bots" in out:
        out["telegram_bots"] = [b.lstrip("@") for b in out["telegram_bots"]]
    return out


def _prenormalize(entry: Any) -> Any:
    """Domains written as URLs or in upper case are normalised before validation."""
    if isinstance(entry, dict) and isinstance(entry.get("domains"), list):
        return {**entry, "domains": [normalize_domain(d) or d if isinstance(d, str) else d for d in entry["domains"]]}
    return entry


def validate_entries(entries: Iterable[Any]) -> list[dict]:
    """Validate provider objects against the schema; return normalised copies or raise RegistryError."""
    validator = _provider_validator()
    errors: list[str] = []
    out: list[dict] = []
    for i, entry in enumerate(entries):
        entry = _prenormalize(entry)
        label = entry.get("name") if isinstance(entry, dict) and isinstance(entry.get("name"), str) else f"#{i + 1}"
        found = sorted(validator.iter_errors(entry), key=lambda e: list(e.absolute_path))
        for err in found:
            where = "/".join(str(p) for p in err.absolute_path) or "(entry)"
            errors.append(f"provider {label}: {where}: {err.message}")
        if not found:
            out.append(_normalize_entry(entry))
    if errors:
        raise RegistryError(errors)
    return out


def parse_provider_document(text: str) -> list[dict]:
    """Provider entries from a YAML/JSON document: a list, {"providers": [...]}, or a full registry file."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError([f"not valid YAML/JSON: {exc}"]) from None
    if isinstance(doc, dict) and "providers" in doc:
        if isinstance(doc["providers"], list):
            doc = {**doc, "providers": [_prenormalize(e) for e in doc["providers"]]}
        if "schema_version" in doc:
            errors = [f"{'/'.join(map(str, e.absolute_path)) or '(file)'}: {e.message}"
                      for e in jsonschema.Draft202012Validator(_schema()).iter_errors(doc)]
            if errors:
                raise RegistryError(errors)
        doc = doc["providers"]
    elif isinstance(doc, dict) and "name" in doc:
        doc = [doc]
    if not isinstance(doc, list):
        raise RegistryError(["expected a list of provider objects or an object with 'providers'"])
    return validate_entries(doc)


def _key(name: str) -> str:
    return name.casefold().strip()


def _union(a: list, b: list) -> list:
    seen = {json.dumps(x, sort_keys=True).casefold() for x in a}
    out = list(a)
    for x in b:
        k = json.dumps(x, sort_keys=True).casefold()
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


def merge_entries(base: Iterable[dict], extra: Iterable[dict]) -> list[dict]:
    """Merge `extra` into `base` by name (case-insensitive); pure, inputs are not modified."""
    merged: dict[str, dict] = {}
    order: list[str] = []
    for entry in list(base) + list(extra):
        k = _key(entry["name"])
        if k not in merged:
            merged[k] = copy.deepcopy(entry)
            order.append(k)
            continue
        cur = merged[k]
        for f in LIST_FIELDS:
            if f in entry:
                cur[f] = _union(cur.get(f, []), entry[f])
        for f in SCALAR_FIELDS:
            if entry.get(f) is not None:
                cur[f] = entry[f]
    return [merged[k] for k in order]


def _deletions(s: str) -> set[str]:
    return {s[:i] + s[i + 1:] for i in range(len(s))}


def _is_substitution(a: str, b: str) -> bool:
    """True when equal-length `a` and `b` differ by replaced letters rather than a swap.

    One substituted letter turns ordinary words into brand look-alikes too often ("nudity" /
    "nudify", "crushpi…" / "crushai"), so it only counts on whole labels of long tokens.
    """
    return len(a) == len(b) and sorted(a) != sorted(b)


def _osa(a: str, b: str) -> int:
    """Optimal-string-alignment edit distance (insert, delete, substitute, swap adjacent)."""
    la, lb = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[lb]


class Registry:
    """Known providers with indexes for exact (domain, subdomain, bot, app id) and look-alike matching."""

    LOOKALIKE_THRESHOLD = 0.7
    MIN_FUZZY_TOKEN = 6

    def __init__(self, entries: Iterable[dict], version: str = "", notice: str = ""):
        self.entries: tuple[dict, ...] = tuple(entries)
        self.version = version
        self.notice = notice
        self._by_name: dict[str, dict] = {}
        self._domains: dict[str, str] = {}
        self._bots: dict[str, str] = {}
        self._apps: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        for e in self.entries:
            name = e["name"]
            for n in [name, *e.get("aliases", [])]:
                self._by_name.setdefault(_key(n), e)
            for d in e.get("domains", []):
                self._domains.setdefault(d.lower(), name)
            for b in e.get("telegram_bots", []):
                self._bots.setdefault(b.lstrip("@").lower(), name)
            for a in e.get("app_ids", []):
                self._apps.setdefault(a.lower(), name)
            for tok in self._brand_tokens(e):
                self._tokens.setdefault(tok, name)
        # Deletion neighbourhoods: a string within one edit of a token shares a 1-deletion with it.
        self._near: dict[str, tuple[str, str]] = {}
        for tok, name in self._tokens.items():
            if len(tok) >= self.MIN_FUZZY_TOKEN:
                for d in _deletions(tok) | {tok}:
                    self._near.setdefault(d, (tok, name))
        # Interior typos of each token, kept first and last letter so that a neighbouring word
        # ("brushair" for crushai) does not count: deletions and swaps as strings, insertions as
        # one regex with a named group per token.
        variants: dict[str, str] = {}
        inserts: list[str] = []
        self._insertion_token: dict[str, str] = {}
        for i_tok, tok in enumerate(sorted(t for t in self._tokens if len(t) >= self.MIN_FUZZY_TOKEN)):
            for i in range(1, len(tok) - 1):
                variants.setdefault(tok[:i] + tok[i + 1:], tok)
            for i in range(1, len(tok) - 2):
                variants.setdefault(tok[:i] + tok[i + 1] + tok[i] + tok[i + 2:], tok)
            group = f"t{i_tok}"
            self._insertion_token[group] = tok
            inserts.append(f"(?P<{group}>" + "|".join(re.escape(tok[:i]) + "." + re.escape(tok[i:]) for i in range(1, len(tok))) + ")")
        self._typo_variants = tuple((v, t) for v, t in variants.items() if v not in GENERIC_TOKENS and v not in self._tokens)
        self._insertions = re.compile("|".join(inserts)) if inserts else None
        self._check_host = lru_cache(maxsize=65536)(self._check_host_uncached)

    @staticmethod
    def _brand_tokens(entry: dict) -> set[str]:
        """Explicit brand tokens, plus tokens derived from the name, aliases and domain labels.

        A derived token must keep at least 4 letters once generic words are taken out of it, so
        "Photo" or a domain like photo-x.com never turns every photo site into a look-alike.
        """
        derived = set()
        for text in [entry["name"], *entry.get("aliases", [])]:
            derived.add(skeleton(text))
        for d in entry.get("domains", []):
            reg, suffix = registrable(d)
            if reg and suffix:
                derived.add(skeleton(reg[: -len(suffix) - 1].split(".")[-1]))
        tokens = {t for t in entry.get("brand_tokens", []) if t not in GENERIC_TOKENS}
        for t in derived:
            rest = t
            for g in sorted(GENERIC_TOKENS, key=len, reverse=True):
                rest = rest.replace(g, "")
            if len(t) >= 5 and t not in GENERIC_TOKENS and len(rest) >= 4:
                tokens.add(t)
        return tokens

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, name: str) -> dict | None:
        """Entry by name or alias (case-insensitive)."""
        return self._by_name.get(_key(name))

    @property
    def domains(self) -> frozenset[str]:
        return frozenset(self._domains)

    @property
    def brand_tokens(self) -> dict[str, str]:
        return dict(self._tokens)

    # exact matches -------------------------------------------------------------------------
    def match_bot(self, handle: str) -> str | None:
        return self._bots.get(handle.lstrip("@").lower())

    def match_app(self, app_id: str) -> str | None:
        return self._apps.get(app_id.lower())

    def exact_host(self, host: str) -> str | None:
        """Provider whose listed domain is `host` or one of its parent domains."""
        labels = host.lower().rstrip(".").split(".")
        for i in range(len(labels) - 1):
            name = self._domains.get(".".join(labels[i:]))
            if name:
                return name
        return None

    # look-alikes ---------------------------------------------------------------------------
    def _score(self, word: str) -> tuple[float, str, str] | None:
        """Best (similarity, brand token, how) for one skeleton label, or None."""
        if len(word) < 5:
            return None
        best: tuple[float, str, str] | None = None

        def offer(sim: float, tok: str, how: str) -> None:
            nonlocal best
            if best is None or sim > best[0] or (sim == best[0] and len(tok) > len(best[1])):
                best = (round(sim, 3), tok, how)

        tokens = self._tokens
        if word in tokens:
            return (1.0, word, "brand")
        for tok in tokens:
            if tok in word:
                offer(0.7 + 0.3 * len(tok) / len(word), tok, "brand+affix")
        if best is not None:
            return best
        near = self._near
        # whole label within one edit of a token (typosquat)
        for cand in _deletions(word) | {word}:
            hit = near.get(cand)
            if hit and abs(len(word) - len(hit[0])) <= 1:
                tok = hit[0]
                d = _osa(word, tok)
                if d == 1 and (len(tok) >= 7 or not _is_substitution(word, tok)):
                    offer(1.0 - d / max(len(word), len(tok)), tok, "typosquat")
        if best is not None or len(word) > 40:
            return best
        # a typo of a token inside a longer label (brand + affix, misspelt): the label holds the
        # token with one interior letter dropped, doubled/inserted, or two letters swapped
        n = len(word)
        for variant, tok in self._typo_variants:
            if variant in word:
                offer((1.0 - 0.5 / len(tok)) * (0.7 + 0.3 * len(tok) / n), tok, "brand+affix")
        if self._insertions is not None:
            m = self._insertions.search(word)
            if m:
                tok = self._insertion_token[m.lastgroup]
                offer((1.0 - 0.5 / len(tok)) * (0.7 + 0.3 * len(tok) / n), tok, "brand+affix")
        return best

    def _check_host_uncached(self, host: str) -> tuple[str | None, str, float | None, str, str | None]:
        """(provider, match, similarity, reason, brand token) for a normalised ASCII host."""
        name = self.exact_host(host)
        if name:
            return name, "exact", 1.0, "listed domain" if host in self._domains else "subdomain of listed domain", None
        if is_ipv4(host):
            return None, "none", None, "ip address", None
        reg, suffix = registrable(host)
        if not reg or reg in BENIGN_DOMAINS:
            return None, "none", None, "no match", None
        labels = reg[: -len(suffix) - 1].split(".") if suffix else reg.split(".")
        sub = host[: -len(reg)].rstrip(".").split(".") if host != reg else []
        best: tuple[float, str, str] | None = None
        for label in [*labels, *sub]:
            if not label or label == "www":
                continue
            homoglyph = label.startswith("xn--")
            word = skeleton(label)
            found = self._score(word)
            if found is None and "1" in label:
                found = self._score(skeleton(label.replace("1", "l")))
            if found is None:
                continue
            if homoglyph:
                found = (found[0], found[1], "homoglyph")
            if best is None or found[0] > best[0]:
                best = found
        if best is None or best[0] < self.LOOKALIKE_THRESHOLD:
            return None, "none", None, "no match", None
        return self._tokens[best[1]], "lookalike", best[0], best[2], best[1]

    def check_host(self, host: str) -> tuple[str | None, str, float | None, str, str | None]:
        return self._check_host(host.lower().rstrip("."))

    def check_handle(self, handle: str) -> tuple[str | None, str, float | None, str, str | None]:
        """Telegram username: exact when listed as a bot, look-alike when it carries a brand token."""
        handle = handle.lstrip("@")
        name = self.match_bot(handle)
        if name:
            return name, "exact", 1.0, "listed telegram bot", None
        word = skeleton(handle)
        if word.endswith("bot"):
            word = word[:-3]
        found = self._score(word)
        if found is None or found[0] < self.LOOKALIKE_THRESHOLD:
            return None, "none", None, "no match", None
        return self._tokens[found[1]], "lookalike", found[0], found[2], found[1]


def _shipped_path() -> Any:
    return resources.files("gardefou.links").joinpath("providers.yaml")


@lru_cache(maxsize=1)
def _shipped() -> tuple[tuple[dict, ...], str, str]:
    doc = yaml.safe_load(_shipped_path().read_text("utf-8"))
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(file)'}: {e.message}"
              for e in jsonschema.Draft202012Validator(_schema()).iter_errors(doc)]
    if errors:
        raise RegistryError([f"shipped providers.yaml: {m}" for m in errors])
    entries = tuple(_normalize_entry(e) for e in doc["providers"])
    return entries, doc["registry_version"], doc.get("notice", "")


@lru_cache(maxsize=1)
def _default_registry() -> Registry:
    entries, version, notice = _shipped()
    return Registry(entries, version=version, notice=notice)


def shipped_entries() -> list[dict]:
    """Deep copies of the shipped registry entries."""
    return copy.deepcopy(list(_shipped()[0]))


def load_registry(extra: Iterable[dict] = ()) -> Registry:
    """The shipped registry, plus `extra` entries (validated, merged by name) when given."""
    extra = list(extra)
    if not extra:
        return _default_registry()
    entries, version, notice = _shipped()
    merged = merge_entries(entries, validate_entries(extra))
    return Registry(merged, version=f"{version}+local{len(extra)}", notice=notice)


def check_domain(value: str, registry: Registry | None = None) -> ProviderMatch:
    """Which provider a domain, URL, e-mail address or @handle belongs to (exact / lookalike / none).

    Disguised input (`undress[.]app`, `hxxps://…`, full-width dots, homoglyphs) is undone first.
    """
    from gardefou.links.extract import extract_links

    registry = registry or _default_registry()
    text = value.strip()
    if text.startswith("@") and " " not in text:
        provider, match, sim, reason, brand = registry.check_handle(text)
        return ProviderMatch(value, None, provider, match, sim, reason, brand)
    links = extract_links(text, registry=registry)
    if not links:
        return ProviderMatch(value, None, None, "none", None, "not a domain, URL or handle")
    link = max(links, key=lambda l: l.span[1] - l.span[0])
    if link.kind == "telegram" and link.target:
        provider, match, sim, reason, brand = registry.check_handle(link.target)
        if match == "none" and link.domain:
            provider, match, sim, reason, brand = registry.check_host(link.domain)
        return ProviderMatch(value, link.domain, provider, match, sim, reason, brand)
    if link.kind == "app_store" and link.target and registry.match_app(link.target):
        return ProviderMatch(value, link.domain, registry.match_app(link.target), "exact", 1.0, "listed app id")
    host = link.url and urlsplit(link.url).hostname or link.domain
    if link.kind == "email" and link.target:
        host = link.target.rsplit("@", 1)[-1]
    if not host:
        return ProviderMatch(value, link.domain, None, "none", None, "no host")
    provider, match, sim, reason, brand = registry.check_host(host)
    return ProviderMatch(value, link.domain, provider, match, sim, reason, brand)
