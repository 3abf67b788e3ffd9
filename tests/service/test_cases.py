"""Victim cases: hashes only, token shown once and stored hashed, status, withdrawal of everything at once."""

from __future__ import annotations

import hashlib
import random

from sqlalchemy import text

from tests.service.conftest import flip, jpeg, rand_pdq


def test_case_lifecycle(service):
    rng = random.Random(11)
    service.post("/v1/banks", json={"name": "ncii"})
    hashes = [rand_pdq(rng) for _ in range(3)]
    r = service.post("/v1/cases", json={"bank": "ncii", "hashes": [{"pdq": h} for h in hashes] + [{"md5": "cd" * 16}],
                                        "note": "via helpline"}, role="intake")
    assert r.status_code == 201, r.text
    case_id, token = r.json()["case_id"], r.json()["withdraw_token"]
    assert r.json()["hash_count"] == 4
    with service.store.engine.connect() as conn:  # only a digest of the token is stored
        stored = conn.execute(text("SELECT token_hash FROM cases WHERE id = :i"), {"i": case_id}).scalar()
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored

    for h in hashes[:2]:  # two uploads match the case (one also twice over: counted once)
        r = service.post("/v1/scan/hash", json={"pdq": flip(h, 6, rng), "md5": "cd" * 16}, role="scanner").json()
        assert r["decision"]["action"] == "block" and all("case_id" not in m for m in r["matches"])
    service.post("/v1/scan/hash", json={"pdq": rand_pdq(rng)}, role="scanner")  # no match
    status = service.get(f"/v1/cases/{case_id}", role="intake", headers={"X-Withdraw-Token": token})
    assert status.status_code == 200
    assert status.json() | {"created_at": None} == {"case_id": case_id, "status": "active", "match_count": 2,
                                                   "hash_count": 4, "created_at": None, "withdrawn_at": None}
    # entries of a case never reveal the case to bank readers
    listed = service.get("/v1/banks/ncii/entries", role="intake").json()["entries"]
    assert len(listed) == 4 and all("case_id" not in e for e in listed)

    wrong = service.get(f"/v1/cases/{case_id}", role="intake", headers={"X-Withdraw-Token": "gfw_wrong"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "invalid_withdraw_token"
    assert service.delete(f"/v1/cases/{case_id}", role="intake", headers={"X-Withdraw-Token": "nope"}).status_code == 403
    missing = service.get(f"/v1/cases/{case_id}", role="intake")
    assert missing.status_code == 422
    assert service.get("/v1/cases/00000000-0000-0000-0000-000000000000", role="intake",
                       headers={"X-Withdraw-Token": token}).status_code == 404

    gone = service.delete(f"/v1/cases/{case_id}", role="intake", headers={"X-Withdraw-Token": token})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn" and gone.json()["hash_count"] == 0
    for h in hashes:  # every hash of the case stopped matching before the response returned
        r = service.post("/v1/scan/hash", json={"pdq": h, "md5": "cd" * 16}, role="scanner").json()
        assert r["matches"] == [] and r["decision"]["action"] == "allow"
    assert service.get("/v1/banks/ncii", role="admin").json()["entry_count"] == 0
    again = service.delete(f"/v1/cases/{case_id}", role="intake", headers={"X-Withdraw-Token": token})
    assert again.status_code == 200 and again.json()["status"] == "withdrawn"
    events = service.get("/v1/audit").json()["events"]
    assert [e["action"] for e in events if e["target"] == case_id][-2:] == ["case.withdraw", "case.create"]
    assert all(token not in str(e) for e in events)


def test_cases_refuse_images(sqlite_service):
    svc = sqlite_service
    svc.post("/v1/banks", json={"name": "ncii"})
    r = svc.post("/v1/cases", files={"file": ("me.jpg", jpeg(), "image/jpeg")}, data={"bank": "ncii"}, role="intake")
    assert r.status_code == 415 and r.json()["error"]["code"] == "images_refused"
    assert "hashes only" in r.json()["error"]["message"]
    r = svc.post("/v1/cases", content=jpeg(), headers={"Content-Type": "image/jpeg"}, role="intake")
    assert r.status_code == 415
    r = svc.post("/v1/cases", json={"bank": "ncii", "hashes": [{"pdq": "1" * 64}], "image": "base64..."}, role="intake")
    assert r.status_code == 422  # unknown fields (an image smuggled as JSON) are refused
    r = svc.post("/v1/cases", json={"bank": "ncii", "hashes": []}, role="intake")
    assert r.status_code == 422
    r = svc.post("/v1/cases", json={"bank": "nope", "hashes": [{"pdq": "1" * 64}]}, role="intake")
    assert r.status_code == 404
    svc.post("/v1/banks", json={"name": "ok", "kind": "allow"})
    r = svc.post("/v1/cases", json={"bank": "ok", "hashes": [{"pdq": "1" * 64}]}, role="intake")
    assert r.status_code == 422 and "allow bank" in r.json()["error"]["message"]
