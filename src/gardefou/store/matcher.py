"""Match photo hashes against hash banks: PDQ through the synced index, MD5 through the database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from gardefou.config import DEFAULT_MAX_DISTANCE, DEFAULT_MIN_QUALITY
from gardefou.store.db import BankInfo, NotFound, Store, normalize_hash
from gardefou.store.index_sync import SyncedIndex


@dataclass(frozen=True)
class BankMatch:
    """One bank entry that matched: by PDQ within the bank's threshold, or by identical MD5."""

    bank: str
    entry_id: int
    distance: int
    signal: str  # "pdq" | "md5"
    bank_kind: str = "block"
    transform: str | None = None  # which dihedral variant of the query matched, when asked
    metadata: dict[str, Any] = field(default_factory=dict)
    case_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["transform"] is None:
            d.pop("transform")
        if d["case_id"] is None:
            d.pop("case_id")
        return d


class BankMatcher:
    """Searches the selected banks with per-bank thresholds; results nearest first."""

    def __init__(self, store: Store, index: SyncedIndex) -> None:
        self.store = store
        self.index = index

    def all_banks(self) -> dict[str, BankInfo]:
        """Every bank by name (the service overrides this with a cached copy)."""
        return {b.name: b for b in self.store.list_banks(counts=False)}

    def banks(self, names: Sequence[str] | None = None) -> dict[str, BankInfo]:
        """The named banks (all when none named); an unknown name raises NotFound."""
        all_banks = self.all_banks()
        if not names:
            return all_banks
        missing = [n for n in names if n not in all_banks]
        if missing:
            raise NotFound(f"bank {missing[0]!r} not found")
        return {n: all_banks[n] for n in names}

    def match(
        self,
        pdq: str | None = None,
        md5: str | None = None,
        *,
        banks: Sequence[str] | None = None,
        max_distance: int | None = None,
        quality: int | None = None,
        min_quality: int = DEFAULT_MIN_QUALITY,
        dihedral: Sequence[str] | None = None,
        dihedral_names: Sequence[str] | None = None,
    ) -> list[BankMatch]:
        """All matching entries of the selected banks (all banks when none named).

        The PDQ threshold of a bank is `max_distance` when given, else the bank's own
        `max_distance`, else 31 (inclusive). A PDQ hash whose quality is below `min_quality`
        is not matched (MD5 still is). With `dihedral` (the 8 variant hashes), every variant
        is searched and the best distance per entry kept, with the variant's name.
        """
        selected = self.banks(banks)
        if not selected:
            return []
        thresholds = {name: _threshold(b, max_distance) for name, b in selected.items()}
        by_id: dict[int, BankMatch] = {}
        pdq = normalize_hash(pdq, "pdq")
        if pdq and (quality is None or quality >= min_quality):
            queries = list(dihedral) if dihedral else [pdq]
            names = list(dihedral_names) if dihedral and dihedral_names else [None] * len(queries)
            radius = max(thresholds.values())
            hits: dict[int, tuple[int, str | None]] = {}
            for query, name in zip(queries, names):
                for m in self.index.search(query, radius):
                    if m.id not in hits or m.distance < hits[m.id][0]:
                        hits[m.id] = (m.distance, name)
            # Join with the database: drops entries deleted by another process since our last sync.
            entries = self.store.entries_by_ids(hits)
            for entry_id, (distance, name) in hits.items():
                entry = entries.get(entry_id)
                if entry is None or entry.bank not in selected or distance > thresholds[entry.bank]:
                    continue
                by_id[entry_id] = BankMatch(entry.bank, entry_id, distance, "pdq", selected[entry.bank].kind,
                                            name if dihedral else None, entry.metadata, entry.case_id)
        md5 = normalize_hash(md5, "md5")
        if md5:
            for entry in self.store.find_md5(md5):
                if entry.bank in selected and entry.id not in by_id:
                    by_id[entry.id] = BankMatch(entry.bank, entry.id, 0, "md5", selected[entry.bank].kind,
                                                None, entry.metadata, entry.case_id)
        return sorted(by_id.values(), key=lambda m: (m.distance, m.signal != "md5", m.bank, m.entry_id))


def _threshold(bank: BankInfo, override: int | None) -> int:
    if override is not None:
        return override
    return bank.max_distance if bank.max_distance is not None else DEFAULT_MAX_DISTANCE
