"""Banks CRUD, entries (JSON, list, multipart), pagination, immediate deletion, concurrency."""

from __future__ import annotations

import random
import threading

from sqlalchemy import text

from tests.service.conftest import flip, jpeg, rand_pdq


def test_bank_crud(service):
    r = service.post("/v1/banks", json={"name": "ncii", "description": "victims", "max_distance": 20})
    assert r.status_code == 201 and r.json()["max_distance"] == 20 and r.json()["kind"] == "block"
    assert service.post("/v1/banks", json={"name": "ncii"}).json()["error"]["code"] == "conflict"
    assert service.post("/v1/banks", json={"name": "bad name!"}).status_code == 422
    assert service.post("/v1/banks", json={"name": "x", "kind": "maybe"}).status_code == 422
    assert [b["name"] for b in service.get("/v1/banks").json()["banks"]] == ["ncii"]
    r = service.patch("/v1/banks/ncii", json={"kind": "allow", "max_distance": 10})
    assert r.status_code == 200 and r.json()["kind"] == "allow" and r.json()["max_distance"] == 10
    assert service.get("/v1/banks/ncii").json()["description"] == "victims"
    assert service.delete("/v1/banks/ncii").status_code == 204
    r = service.get("/v1/banks/ncii")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    actions = [e["action"] for e in service.get("/v1/audit").json()["events"]]
    assert actions[:3] == ["bank.delete", "bank.update", "bank.create"]


def test_entries_json_list_multipart_and_pagination(service, refdata):
    service.post("/v1/banks", json={"name": "b"})
    one = service.post("/v1/banks/b/entries", json={"pdq": "A" * 64, "md5": "0" * 32, "metadata": {"src": "t"}}, role="intake")
    assert one.status_code == 201
    assert one.json()["pdq"] == "a" * 64 and one.json()["metadata"] == {"src": "t"} and "case_id" not in one.json()
    rng = random.Random(1)
    many = service.post("/v1/banks/b/entries", json=[{"pdq": rand_pdq(rng)} for _ in range(25)])
    assert many.status_code == 201 and many.json()["count"] == 25
    img = (refdata / "bridge-mods" / "aaa-orig.jpg").read_bytes()
    up = service.post("/v1/banks/b/entries", files={"file": ("a.jpg", img, "image/jpeg")},
                      data={"metadata": '{"label": "orig"}'}, role="intake")
    assert up.status_code == 201, up.text
    assert up.json()["metadata"] == {"label": "orig"} and up.json()["quality"] >= 50 and len(up.json()["md5"]) == 32
    assert not (service.settings.data_dir / "media").exists()  # images are not stored
    # all-or-nothing on a bad item
    r = service.post("/v1/banks/b/entries", json=[{"pdq": "1" * 64}, {"pdq": "zz"}])
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    assert service.post("/v1/banks/b/entries", json={}).status_code == 422  # neither pdq nor md5
    assert service.post("/v1/banks/b/entries", json=[]).status_code == 422
    assert service.post("/v1/banks/b/entries", content=b"pdq=1", headers={"Content-Type": "text/plain"}).status_code == 415
    assert service.post("/v1/banks/nope/entries", json={"pdq": "1" * 64}).status_code == 404
    # pages of 10 cover everything once, in id order
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        page = service.get("/v1/banks/b/entries", params=params, role="intake").json()
        seen += [e["id"] for e in page["entries"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == 27 and seen == sorted(seen) and len(set(seen)) == 27
    r = service.get("/v1/banks/b/entries", params={"cursor": "garbage!"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cursor"
    assert service.get(f"/v1/banks/b/entries/{seen[0]}").json()["id"] == seen[0]
    assert service.get("/v1/banks/b/entries/999999").status_code == 404


def test_deleted_entry_never_matches_once_the_response_returns(service):
    rng = random.Random(2)
    service.post("/v1/banks", json={"name": "b"})
    h = rand_pdq(rng)
    entry = service.post("/v1/banks/b/entries", json={"pdq": h}, role="intake").json()
    near = flip(h, 5, rng)
    assert service.post("/v1/scan/hash", json={"pdq": near}, role="scanner").json()["matches"][0]["entry_id"] == entry["id"]
    assert service.delete(f"/v1/banks/b/entries/{entry['id']}", role="intake").status_code == 204
    r = service.post("/v1/scan/hash", json={"pdq": near}, role="scanner").json()
    assert r["matches"] == [] and r["decision"]["action"] == "allow"
    assert service.delete(f"/v1/banks/b/entries/{entry['id']}").status_code == 404


def test_concurrent_writers_lose_nothing(service):
    service.post("/v1/banks", json={"name": "b"})
    errors = []

    def writer(seed):
        rng = random.Random(seed)
        for _ in range(5):
            r = service.post("/v1/banks/b/entries", json=[{"pdq": rand_pdq(rng)} for _ in range(20)], role="intake")
            if r.status_code != 201:
                errors.append(r.text)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert service.get("/v1/banks/b").json()["entry_count"] == 600
    state = service.app.state.service
    state.sync()
    assert len(state.index) == 600


def test_migrations_from_empty(service):
    with service.store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        for table in ("banks", "entries", "changes", "cases", "api_keys", "review_items", "audit_log"):
            conn.execute(text(f"SELECT count(*) FROM {table}"))


def test_bank_threshold_per_bank(service):
    rng = random.Random(3)
    service.post("/v1/banks", json={"name": "strict", "max_distance": 8})
    service.post("/v1/banks", json={"name": "loose"})
    h = rand_pdq(rng)
    service.post("/v1/banks/strict/entries", json={"pdq": h})
    service.post("/v1/banks/loose/entries", json={"pdq": h})
    hits = service.post("/v1/scan/hash", json={"pdq": flip(h, 20, rng)}, role="scanner").json()["matches"]
    assert [m["bank"] for m in hits] == ["loose"]
    hits = service.post("/v1/scan/hash", json={"pdq": flip(h, 8, rng)}, role="scanner").json()["matches"]
    assert sorted(m["bank"] for m in hits) == ["loose", "strict"]
    service.patch("/v1/banks/loose", json={"max_distance": 4})
    hits = service.post("/v1/scan/hash", json={"pdq": flip(h, 6, rng)}, role="scanner").json()["matches"]
    assert [m["bank"] for m in hits] == ["strict"]
