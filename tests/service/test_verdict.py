"""The decision policy: rules, per-bank overrides, loading from JSON / TOML / environment."""

from __future__ import annotations

import json

import pytest

from gardefou.verdict import Policy, PolicyError, decide


def m(bank="b", distance=0, signal="pdq", kind="block", entry_id=1, case_id=None):
    return {"bank": bank, "distance": distance, "signal": signal, "bank_kind": kind, "entry_id": entry_id, "case_id": case_id}


def test_hash_rules():
    assert decide([]).to_dict() == {"action": "allow", "reasons": []}
    assert decide([m(distance=16)]).action == "block"
    assert decide([m(distance=17)]).action == "review"
    assert decide([m(signal="md5")]).action == "block"
    d = decide([m(distance=3), m(bank="ok", kind="allow", distance=30)])
    assert d.action == "allow" and d.reasons[0]["code"] == "allow_bank_match"
    assert decide([m(distance=3), m(bank="ok", kind="allow")], policy=Policy(allow_cancels_block=False)).action == "block"
    assert decide([m(bank="ok", kind="allow")]).action == "allow"
    assert "case" in decide([m(case_id="c1")]).reasons[0] and "c1" not in str(decide([m(case_id="c1")]).to_dict())


def test_per_bank_overrides_and_switching_rules_off():
    p = Policy(banks={"soft": {"pdq_action": "review", "block_max_distance": 4}}, near_match_action="allow")
    assert decide([m(bank="soft", distance=2)], policy=p).action == "review"
    assert decide([m(bank="soft", distance=10)], policy=p).action == "allow"
    assert decide([m(bank="hard", distance=10)], policy=p).action == "block"


def test_text_and_link_rules():
    class V:
        def __init__(self, flagged, score, category="advertising"):
            self.flagged, self.score, self.category = flagged, score, category

    assert decide(text_verdict=V(True, 0.95)).action == "block"
    assert decide(text_verdict=V(True, 0.7)).action == "review"
    assert decide(text_verdict=V(False, 0.6)).action == "review"
    assert decide(text_verdict=V(False, 0.1)).action == "allow"
    assert decide(links=[{"provider": "X", "url": "https://x.example", "referral": None}]).action == "review"
    assert decide(links=[{"provider": "X", "url": "https://x.example?ref=1", "referral": {"code": "1"}}]).action == "block"
    assert decide(links=[{"provider": None, "url": "https://example.org"}]).action == "allow"
    # allow-bank matches do not cancel text signals: those are about other content
    assert decide([m(kind="allow")], V(True, 0.99)).action == "block"


def test_loading(tmp_path):
    j = tmp_path / "p.json"
    j.write_text(json.dumps({"block_max_distance": 8, "banks": {"x": {"md5_action": "review"}}}))
    assert Policy.from_file(j).block_max_distance == 8
    t = tmp_path / "p.toml"
    t.write_text('[policy]\ntext_block_score = 0.8\nmd5_action = "review"\n[policy.banks.y]\npdq_action = "allow"\n')
    p = Policy.from_file(t)
    assert p.text_block_score == 0.8 and p.md5_action == "review" and p.for_bank("y", "pdq_action") == "allow"
    env = {"GARDEFOU_POLICY": str(j), "GARDEFOU_POLICY_BLOCK_MAX_DISTANCE": "5", "GARDEFOU_POLICY_ALLOW_CANCELS_BLOCK": "false"}
    p = Policy.from_env(env)
    assert p.block_max_distance == 5 and p.allow_cancels_block is False and p.for_bank("x", "md5_action") == "review"
    for bad in ({"md5_action": "delete"}, {"block_max_distance": -1}, {"nope": 1}, {"text_block_score": 2},
                {"banks": {"x": {"colour": "red"}}}):
        with pytest.raises(PolicyError):
            Policy.from_dict(bad)
    with pytest.raises(PolicyError):
        Policy.from_env({"GARDEFOU_POLICY_BLOCK_MAX_DISTANCE": "far"})
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(PolicyError):
        Policy.from_file(tmp_path / "broken.json")
    assert Policy.from_dict(Policy().to_dict()) == Policy()


def test_service_uses_the_configured_policy(tmp_path):
    from tests.service.conftest import build

    settings, store, keys, app, client = build(f"sqlite:///{tmp_path / 'g.db'}", tmp_path / "d",
                                               policy=Policy(pdq_action="review", block_max_distance=0))
    with client:
        a = {"Authorization": f"Bearer {keys['admin']}"}
        client.post("/v1/banks", json={"name": "b"}, headers=a)
        client.post("/v1/banks/b/entries", json={"pdq": "1" * 64}, headers=a)
        r = client.post("/v1/scan/hash", json={"pdq": "1" * 63 + "0"}, headers=a).json()
        assert r["decision"]["action"] == "review" and r["decision"]["reasons"][0]["code"] == "pdq_near_match"
    store.close()
