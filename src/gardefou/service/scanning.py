"""Scanning: hash matches and text/link signals -> a decision, recorded for review unless allowed.

Kept off the database on the hot path: a PDQ-only query with no index hit within the widest
bank threshold is answered "allow" from memory; the database is read only to confirm hits
(and for MD5 lookups), and written only for non-allow decisions.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Sequence

from gardefou.config import DEFAULT_MIN_QUALITY
from gardefou.service.errors import ApiError
from gardefou.service.state import ServiceState
from gardefou.store.db import normalize_hash
from gardefou.verdict import Decision, decide

ALLOW_DICT = {"action": "allow", "reasons": []}

_classify = None
_extract_links = None


def text_detectors():
    global _classify, _extract_links
    if _classify is None:
        from gardefou.links import extract_links
        from gardefou.text import classify

        _classify, _extract_links = classify, extract_links
    return _classify, _extract_links


def ensure_ready(state: ServiceState) -> None:
    if not state.ready.is_set():
        raise ApiError(503, "index_loading", "the PDQ index is still loading; retry shortly",
                       headers={"Retry-After": "2"})


def quick_miss(state: ServiceState, pdq: str | None, md5: str | None, quality: int | None,
               banks: Sequence[str] | None) -> bool:
    """True when the answer is certainly "no match" without touching the database."""
    if md5 or banks:
        return False
    if not pdq or (quality is not None and quality < DEFAULT_MIN_QUALITY):
        return True
    return not state.index.search(pdq, state.radius)


def match_hash(state: ServiceState, pdq: str | None, md5: str | None, quality: int | None = None,
               banks: Sequence[str] | None = None, dihedral: Sequence[str] | None = None,
               dihedral_names: Sequence[str] | None = None) -> list:
    return state.matcher.match(pdq, md5, banks=banks, quality=quality, dihedral=dihedral, dihedral_names=dihedral_names)


def match_dict(m) -> dict[str, Any]:
    d: dict[str, Any] = {"bank": m.bank, "entry_id": m.entry_id, "distance": m.distance, "signal": m.signal,
                         "bank_kind": m.bank_kind}
    if m.transform:
        d["transform"] = m.transform
    # A victim case's entries carry no metadata and their case id is never shown to scanners.
    d["metadata"] = {} if m.case_id else dict(m.metadata or {})
    return d


def case_counts(matches: Iterable) -> Counter:
    """One count per case per scanned item (an upload matching two hashes of a case counts once)."""
    return Counter({m.case_id for m in matches if getattr(m, "case_id", None)})


def text_signals(text: str) -> tuple[Any, list]:
    classify, extract_links = text_detectors()
    return classify(text), list(extract_links(text))


def to_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def record(state: ServiceState, items: list[dict[str, Any]], actor: str, counts: Counter | None = None) -> list[int]:
    """Store review items for non-allow decisions (and bump case match counters); blocks until committed."""
    if not items and not counts:
        return []
    return state.writer.submit(items, actor, counts).result()


async def record_async(state: ServiceState, items: list[dict[str, Any]], actor: str) -> list[int]:
    """`record` for the event loop: waits for the group commit without holding a worker thread."""
    import asyncio

    return await asyncio.wrap_future(state.writer.submit(items, actor))


def evaluate_item(state: ServiceState, item: dict[str, Any], banks: Sequence[str] | None) -> tuple[dict, dict | None, Counter]:
    """One batch item -> (result, review item or None, case counts)."""
    out: dict[str, Any] = {}
    if item.get("id") is not None:
        out["id"] = item["id"]
    pdq = normalize_hash(item.get("pdq"), "pdq")
    md5 = normalize_hash(item.get("md5"), "md5")
    text = item.get("text")
    if not (pdq or md5 or text is not None):
        out["error"] = {"code": "empty_item", "message": "an item needs pdq, md5 or text"}
        return out, None, Counter()
    matches: list = []
    verdict, links = None, []
    if pdq or md5:
        out["pdq"], out["md5"] = pdq, md5
        if not quick_miss(state, pdq, md5, item.get("quality"), banks):
            matches = match_hash(state, pdq, md5, item.get("quality"), banks)
        out["matches"] = [match_dict(m) for m in matches]
    if text is not None:
        verdict, links = text_signals(text)
        out["verdict"] = to_dict(verdict)
        out["links"] = [to_dict(link) for link in links]
    decision: Decision = decide(matches, verdict, links, state.config.policy)
    out["decision"] = decision.to_dict()
    if decision.action == "allow":
        return out, None, Counter()
    kind = "text" if not (pdq or md5) else ("hash" if text is None else "item")
    subject: dict[str, Any] = {}
    if pdq or md5:
        subject.update(pdq=pdq, md5=md5, matches=out["matches"])
    if text is not None:
        subject.update(text=text, verdict=out["verdict"], links=out["links"])
    if item.get("id") is not None:
        subject["item_id"] = item["id"]
    review = {"kind": kind, "action": decision.action, "reasons": out["decision"]["reasons"], "subject": subject}
    return out, review, case_counts(matches)


def text_scan(state: ServiceState, text: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The /v1/scan/text answer for `text` and, unless allowed, the review item to record."""
    verdict, links = text_signals(text)
    decision = decide((), verdict, links, state.config.policy)
    out = {"verdict": to_dict(verdict), "links": [to_dict(link) for link in links], "decision": decision.to_dict()}
    if decision.action == "allow":
        return out, None
    return out, {"kind": "text", "action": decision.action, "reasons": out["decision"]["reasons"],
                 "subject": {"text": text, "verdict": out["verdict"], "links": out["links"]}}
