"""gardefou.links: links in text (URLs, disguised domains, Telegram, app stores, e-mails, shorteners),
referral codes, and a registry of known undressing services. Pure library: no network, no database.

    from gardefou.links import extract_links, Link, check_domain, load_registry
    for link in extract_links("try undress[.]app/ref/ABC or @NudeMakerBot"):
        print(link.kind, link.domain, link.referral, link.provider, link.match)
"""

from gardefou.links.extract import extract_links, has_link_hint
from gardefou.links.model import KINDS, MATCHES, Link, ProviderMatch
from gardefou.links.registry import (
    Registry,
    RegistryError,
    check_domain,
    load_registry,
    merge_entries,
    normalize_domain,
    parse_provider_document,
    shipped_entries,
    validate_entries,
)
from gardefou.links.shorteners import SHORTENERS

__all__ = [
    "KINDS",
    "MATCHES",
    "Link",
    "ProviderMatch",
    "Registry",
    "RegistryError",
    "SHORTENERS",
    "check_domain",
    "extract_links",
    "has_link_hint",
    "load_registry",
    "merge_entries",
    "normalize_domain",
    "parse_provider_document",
    "shipped_entries",
    "validate_entries",
]
