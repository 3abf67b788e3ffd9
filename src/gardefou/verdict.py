"""Combine the signals about one item (hash matches, text verdict, links) into a decision.

A decision is ``{"action": "block" | "review" | "allow", "reasons": [...]}``. Each reason is a
small object with a machine-readable ``code``, a human ``message`` and the details that led to
it (bank, entry id, distance, score...). The action is the most severe action any reason asks
for (block > review > allow); an item with no signal is allowed with no reasons.

The rules, and every number in them, come from a :class:`Policy`:

==========================  =========  ===============================================================
rule                        default    effect
==========================  =========  ===============================================================
``md5_action``              block      an identical file (MD5) is in a block bank
``block_max_distance``      16         a PDQ match in a block bank at distance <= this -> ``pdq_action``
``pdq_action``              block
``near_match_action``       review     a PDQ match farther than ``block_max_distance`` but within the
                                       bank's own matching threshold (default 31)
``allow_cancels_block``     true       a match in an allow bank cancels every block-bank match of the
                                       same item (the content is known to be fine); text and link
                                       signals are not cancelled, they are about other content
``text_block_score``        0.9        text flagged with score >= this -> block
``text_review_score``       0.5        text flagged (or scoring >= this) -> review
``provider_link_action``    review     a link, handle or referral code of a known undressing provider
``referral_link_action``    block      ... that carries a referral / affiliate code (active promotion)
``banks``                   {}         per-bank overrides: ``{"name": {"block_max_distance": 8,
                                       "pdq_action": "review", "md5_action": "review",
                                       "near_match_action": "allow"}}``
==========================  =========  ===============================================================

Any action may be set to ``"allow"`` to switch a rule off. A policy is read from a JSON or TOML
file (``Policy.from_file``; a TOML file may hold the keys at top level or under ``[policy]``) and
from the environment (``Policy.from_env``: ``GARDEFOU_POLICY`` names the file, then
``GARDEFOU_POLICY_<KEY>`` overrides one key, e.g. ``GARDEFOU_POLICY_BLOCK_MAX_DISTANCE=10``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

ACTIONS = ("allow", "review", "block")
_SEVERITY = {a: i for i, a in enumerate(ACTIONS)}
_BANK_KEYS = {"block_max_distance", "pdq_action", "md5_action", "near_match_action"}


class PolicyError(ValueError):
    """A policy file or setting that cannot be used."""


@dataclass(frozen=True)
class Policy:
    """The decision rules (see the module docstring for what each field does)."""

    md5_action: str = "block"
    block_max_distance: int = 16
    pdq_action: str = "block"
    near_match_action: str = "review"
    allow_cancels_block: bool = True
    text_block_score: float = 0.9
    text_review_score: float = 0.5
    provider_link_action: str = "review"
    referral_link_action: str = "block"
    banks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in ("md5_action", "pdq_action", "near_match_action", "provider_link_action", "referral_link_action"):
            _check_action(f, getattr(self, f))
        _check_int("block_max_distance", self.block_max_distance)
        for f in ("text_block_score", "text_review_score"):
            value = getattr(self, f)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise PolicyError(f"{f} must be a number between 0 and 1")
        if not isinstance(self.allow_cancels_block, bool):
            raise PolicyError("allow_cancels_block must be true or false")
        if not isinstance(self.banks, Mapping):
            raise PolicyError("banks must map bank names to overrides")
        for name, over in self.banks.items():
            if not isinstance(over, Mapping):
                raise PolicyError(f"banks.{name} must be an object")
            unknown = set(over) - _BANK_KEYS
            if unknown:
                raise PolicyError(f"banks.{name}: unknown key(s) {', '.join(sorted(unknown))}")
            for key, value in over.items():
                if key == "block_max_distance":
                    _check_int(f"banks.{name}.block_max_distance", value)
                else:
                    _check_action(f"banks.{name}.{key}", value)

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Policy":
        if "policy" in data and isinstance(data["policy"], Mapping) and len(data) == 1:
            data = data["policy"]
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise PolicyError(f"unknown policy key(s): {', '.join(sorted(unknown))}")
        return cls(**dict(data))

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Policy":
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {p}: {exc.strerror or exc}") from None
        try:
            if p.suffix.lower() == ".toml":
                import tomllib

                data = tomllib.loads(raw.decode("utf-8"))
            else:
                data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PolicyError(f"policy file {p} is not valid {'TOML' if p.suffix.lower() == '.toml' else 'JSON'}: {exc}") from None
        if not isinstance(data, dict):
            raise PolicyError(f"policy file {p} must hold an object")
        return cls.from_dict(data)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, path: str | os.PathLike | None = None) -> "Policy":
        """`path` (or GARDEFOU_POLICY), then GARDEFOU_POLICY_<KEY>=value overrides, then defaults."""
        env = os.environ if environ is None else environ
        source = path or env.get("GARDEFOU_POLICY")
        policy = cls.from_file(source) if source else cls()
        overrides: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "banks":
                continue
            raw = env.get(f"GARDEFOU_POLICY_{f.name.upper()}")
            if raw is None:
                continue
            overrides[f.name] = _parse_env_value(f.name, raw, getattr(policy, f.name))
        return replace(policy, **overrides) if overrides else policy

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["banks"] = {k: dict(v) for k, v in self.banks.items()}
        return d

    def for_bank(self, bank: str, key: str) -> Any:
        over = self.banks.get(bank)
        if over and key in over:
            return over[key]
        return getattr(self, key)


@dataclass(frozen=True)
class Decision:
    action: str
    reasons: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "reasons": [dict(r) for r in self.reasons]}


ALLOW = Decision("allow", ())


def decide(
    matches: Iterable[Any] = (),
    text_verdict: Any = None,
    links: Sequence[Any] = (),
    policy: Policy | None = None,
) -> Decision:
    """Decide about one item.

    `matches` are `BankMatch`-like objects (``bank``, ``entry_id``, ``distance``, ``signal``,
    ``bank_kind``); `text_verdict` a `TextVerdict`-like object (``flagged``, ``score``,
    ``category``, ``reasons``) or None; `links` `Link`-like objects (``provider``, ``referral``,
    ``domain``, ``url``). Attributes are read with getattr, dicts work too.
    """
    policy = policy or DEFAULT_POLICY
    reasons: list[dict[str, Any]] = []
    matches = list(matches)
    allow_hits = [m for m in matches if _get(m, "bank_kind", "block") == "allow"]
    block_hits = [m for m in matches if _get(m, "bank_kind", "block") != "allow"]

    if allow_hits and block_hits and policy.allow_cancels_block:
        best = min(allow_hits, key=lambda m: _get(m, "distance", 0))
        reasons.append(_reason(
            "allow", "allow_bank_match",
            f"matches allow bank {_get(best, 'bank')!r} (entry {_get(best, 'entry_id')}, {_get(best, 'signal')} distance "
            f"{_get(best, 'distance')}): {len(block_hits)} block-bank match(es) cancelled",
            bank=_get(best, "bank"), entry_id=_get(best, "entry_id"), distance=_get(best, "distance"),
            signal=_get(best, "signal"), cancelled=len(block_hits),
        ))
        block_hits = []

    for m in block_hits:
        bank, signal, distance = _get(m, "bank"), _get(m, "signal"), int(_get(m, "distance", 0))
        details = dict(bank=bank, entry_id=_get(m, "entry_id"), distance=distance, signal=signal)
        case_id = _get(m, "case_id")
        if case_id:
            details["case"] = True  # never the case id itself: it is the victim's handle
        if signal == "md5":
            action = policy.for_bank(bank, "md5_action")
            reasons.append(_reason(action, "md5_match", f"identical file (MD5) in block bank {bank!r}", **details))
            continue
        limit = int(policy.for_bank(bank, "block_max_distance"))
        if distance <= limit:
            action = policy.for_bank(bank, "pdq_action")
            reasons.append(_reason(action, "pdq_match", f"PDQ match in block bank {bank!r} at distance {distance} (<= {limit})", **details))
        else:
            action = policy.for_bank(bank, "near_match_action")
            reasons.append(_reason(action, "pdq_near_match", f"PDQ near match in block bank {bank!r} at distance {distance} (> {limit})", **details))

    if text_verdict is not None:
        score = float(_get(text_verdict, "score", 0.0) or 0.0)
        flagged = bool(_get(text_verdict, "flagged", False))
        category = _get(text_verdict, "category")
        if flagged and score >= policy.text_block_score:
            reasons.append(_reason("block", "text_flagged", f"text reads as {category or 'undressing-service promotion'} "
                                   f"(score {score:.2f} >= {policy.text_block_score})", score=round(score, 4), category=category))
        elif flagged or score >= policy.text_review_score:
            reasons.append(_reason("review", "text_suspicious", f"text may be {category or 'undressing-service promotion'} "
                                   f"(score {score:.2f})", score=round(score, 4), category=category))

    for link in links or ():
        provider = _get(link, "provider")
        if not provider:
            continue
        referral = _get(link, "referral")
        where = _get(link, "url") or _get(link, "domain")
        if referral:
            reasons.append(_reason(policy.referral_link_action, "provider_referral",
                                   f"referral link to undressing service {provider!r}: {where}", provider=provider,
                                   url=where, referral=referral))
        else:
            reasons.append(_reason(policy.provider_link_action, "provider_link",
                                   f"link to undressing service {provider!r}: {where}", provider=provider, url=where))

    action = "allow"
    for r in reasons:
        if _SEVERITY[r["action"]] > _SEVERITY[action]:
            action = r["action"]
    return Decision(action, tuple(reasons))


def severest(actions: Iterable[str]) -> str:
    best = "allow"
    for a in actions:
        if _SEVERITY[a] > _SEVERITY[best]:
            best = a
    return best



# -- helpers -----------------------------------------------------------------------------------
def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _reason(action: str, code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "action": action, "message": message, **{k: v for k, v in details.items() if v is not None}}


def _check_action(name: str, value: Any) -> None:
    if value not in ACTIONS:
        raise PolicyError(f"{name} must be one of {', '.join(ACTIONS)}, got {value!r}")


def _check_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 256:
        raise PolicyError(f"{name} must be an integer between 0 and 256")


def _parse_env_value(name: str, raw: str, current: Any) -> Any:
    raw = raw.strip()
    try:
        if isinstance(current, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
    except ValueError:
        raise PolicyError(f"GARDEFOU_POLICY_{name.upper()}: cannot use {raw!r}") from None
    return raw


DEFAULT_POLICY = Policy()
