"""Review queue flow and the append-only audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


def test_review_flow(service):
    service.post("/v1/banks", json={"name": "b"})
    service.post("/v1/banks/b/entries", json={"pdq": "e" * 64})
    ids = [service.post("/v1/scan/hash", json={"pdq": "e" * 64}, role="scanner").json()["review_id"] for _ in range(3)]
    page = service.get("/v1/review", params={"limit": 2}, role="reviewer").json()
    assert [i["id"] for i in page["items"]] == ids[:2] and page["next_cursor"]
    rest = service.get("/v1/review", params={"cursor": page["next_cursor"]}, role="reviewer").json()
    assert [i["id"] for i in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    item = page["items"][0]
    assert item["status"] == "pending" and item["subject"]["pdq"] == "e" * 64 and item["reasons"][0]["code"] == "pdq_match"
    r = service.post(f"/v1/review/{ids[0]}", json={"decision": "confirm", "note": "known image"}, role="reviewer")
    assert r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["decided_by"] == "test-reviewer"
    service.post(f"/v1/review/{ids[1]}", json={"decision": "dismiss"}, role="reviewer")
    assert [i["id"] for i in service.get("/v1/review", role="reviewer").json()["items"]] == [ids[2]]
    assert [i["id"] for i in service.get("/v1/review", params={"status": "dismissed"}, role="reviewer").json()["items"]] == [ids[1]]
    assert len(service.get("/v1/review", params={"status": "all"}, role="reviewer").json()["items"]) == 3
    assert service.post(f"/v1/review/{ids[0]}", json={"decision": "maybe"}, role="reviewer").status_code == 422
    assert service.post("/v1/review/999999", json={"decision": "confirm"}, role="reviewer").status_code == 404
    assert service.get("/v1/review", params={"status": "weird"}, role="reviewer").status_code == 422


def test_audit_log_names_keys_never_values_and_is_append_only(service):
    service.post("/v1/banks", json={"name": "b"})
    created = service.post("/v1/keys", json={"role": "intake", "name": "helpline"}).json()
    service.post("/v1/banks/b/entries", json={"pdq": "d" * 64}, role="intake")
    service.delete(f"/v1/keys/{created['id']}")
    events = service.get("/v1/audit").json()["events"]
    assert [(e["actor"], e["action"]) for e in events[:4]] == [
        ("test-admin", "key.revoke"), ("test-intake", "entries.add"), ("test-admin", "key.create"), ("test-admin", "bank.create")]
    dump = str(events)
    for secret in list(service.keys.values()) + [created["key"]]:
        assert secret not in dump
    page = service.get("/v1/audit", params={"limit": 2}).json()
    older = service.get("/v1/audit", params={"cursor": page["next_cursor"], "limit": 2}).json()
    assert page["events"][-1]["id"] > older["events"][0]["id"]
    assert [e["action"] for e in service.get("/v1/audit", params={"actor": "test-intake"}).json()["events"]] == ["entries.add"]
    with pytest.raises(DBAPIError):
        with service.store.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(DBAPIError):
        with service.store.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))
    assert len(service.get("/v1/audit").json()["events"]) == len(events)
