"""Scanning: images, hashes, texts, batches; policy decisions; review items; bad uploads."""

from __future__ import annotations

import random

import pytest

from tests.service.conftest import build, flip, jpeg, needs_text, rand_pdq


def _bank_with_orig(svc, refdata, name="b", kind="block"):
    svc.post("/v1/banks", json={"name": name, "kind": kind})
    img = (refdata / "bridge-mods" / "aaa-orig.jpg").read_bytes()
    return svc.post(f"/v1/banks/{name}/entries", files={"file": ("o.jpg", img, "image/jpeg")}).json()


def test_scan_image_matches_edited_copies(service, refdata):
    entry = _bank_with_orig(service, refdata)
    mods = sorted(p for p in (refdata / "bridge-mods").iterdir() if p.suffix.lower() in (".jpg", ".png") and "orig" not in p.name)
    assert mods
    for path in mods[:4]:
        r = service.post("/v1/scan/image", files={"file": (path.name, path.read_bytes(), "image/jpeg")}, role="scanner")
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        assert {"pdq", "quality", "md5", "matches", "decision", "width", "height"} <= set(body)
        assert body["matches"][0]["entry_id"] == entry["id"] and body["matches"][0]["distance"] <= 31
        assert body["decision"]["action"] in ("block", "review") and body["review_id"]
    r = service.post("/v1/scan/image", files={"file": ("x.jpg", jpeg(seed=9), "image/jpeg")}, role="scanner").json()
    assert r["matches"] == [] and r["decision"] == {"action": "allow", "reasons": []} and "review_id" not in r


def test_scan_image_dihedral(sqlite_service, refdata):
    svc = sqlite_service
    dih = refdata / "reg-test-input" / "dih"
    orig = sorted(dih.iterdir())[0]
    svc.post("/v1/banks", json={"name": "b"})
    svc.post("/v1/banks/b/entries", files={"file": (orig.name, orig.read_bytes(), "image/jpeg")})
    rotated = [p for p in sorted(dih.iterdir()) if "rot" in p.name or "flip" in p.name or p != orig]
    found = 0
    for p in rotated:
        r = svc.post("/v1/scan/image?dihedral=true", files={"file": (p.name, p.read_bytes(), "image/jpeg")}, role="scanner").json()
        found += bool(r["matches"])
    assert found == len(rotated)


def test_hash_md5_and_policy_actions(sqlite_service):
    svc = sqlite_service
    rng = random.Random(4)
    svc.post("/v1/banks", json={"name": "b"})
    h = rand_pdq(rng)
    svc.post("/v1/banks/b/entries", json={"pdq": h, "md5": "ab" * 16, "metadata": {"ref": "x1"}})
    close = svc.post("/v1/scan/hash", json={"pdq": flip(h, 10, rng)}, role="scanner").json()
    assert close["decision"]["action"] == "block" and close["decision"]["reasons"][0]["code"] == "pdq_match"
    assert close["matches"][0]["metadata"] == {"ref": "x1"}
    far = svc.post("/v1/scan/hash", json={"pdq": flip(h, 25, rng)}, role="scanner").json()
    assert far["decision"]["action"] == "review" and far["decision"]["reasons"][0]["code"] == "pdq_near_match"
    md5 = svc.post("/v1/scan/hash", json={"md5": "AB" * 16}, role="scanner").json()
    assert md5["matches"][0]["signal"] == "md5" and md5["decision"]["action"] == "block"
    low = svc.post("/v1/scan/hash", json={"pdq": h, "quality": 10}, role="scanner").json()
    assert low["matches"] == []  # low-quality PDQ hashes are not matched
    assert svc.post("/v1/scan/hash", json={}, role="scanner").status_code == 422
    assert svc.post("/v1/scan/hash", json={"pdq": h, "banks": ["nope"]}, role="scanner").status_code == 404
    assert svc.post("/v1/scan/hash", json={"pdq": h, "banks": ["b"]}, role="scanner").json()["matches"]
    pending = svc.get("/v1/review", role="reviewer").json()["items"]
    assert [i["action"] for i in pending] == ["block", "review", "block", "block"]
    assert all(i["created_by"] == "test-scanner" for i in pending)


def test_allow_bank_cancels_block_matches(sqlite_service):
    svc = sqlite_service
    rng = random.Random(5)
    h = rand_pdq(rng)
    svc.post("/v1/banks", json={"name": "bad"})
    svc.post("/v1/banks", json={"name": "fine", "kind": "allow", "max_distance": 10})
    svc.post("/v1/banks/bad/entries", json={"pdq": h})
    q = flip(h, 3, rng)
    assert svc.post("/v1/scan/hash", json={"pdq": q}, role="scanner").json()["decision"]["action"] == "block"
    svc.post("/v1/banks/fine/entries", json={"pdq": flip(h, 2, rng)})
    r = svc.post("/v1/scan/hash", json={"pdq": q}, role="scanner").json()
    assert {m["bank_kind"] for m in r["matches"]} == {"block", "allow"}
    assert r["decision"]["action"] == "allow"
    assert r["decision"]["reasons"][0]["code"] == "allow_bank_match" and r["decision"]["reasons"][0]["cancelled"] == 1
    assert "review_id" not in r


@needs_text
def test_scan_text(sqlite_service):
    svc = sqlite_service
    promo = svc.post("/v1/scan/text", json={"text": "Undress any photo with AI! Free credits at nudify.app, use code FREE50"},
                     role="scanner")
    assert promo.status_code == 200, promo.text
    body = promo.json()
    assert body["verdict"]["flagged"] is True and body["links"]
    assert body["decision"]["action"] in ("block", "review") and body["review_id"]
    calm = svc.post("/v1/scan/text", json={"text": "Lovely sunset at the beach with the family today."}, role="scanner").json()
    assert calm["decision"]["action"] == "allow" and "review_id" not in calm
    assert svc.post("/v1/scan/text", json={"text": "x" * 100_001}, role="scanner").status_code == 422
    assert svc.post("/v1/scan/text", json={"txt": "x"}, role="scanner").status_code == 422
    item = svc.get(f"/v1/review/{body['review_id']}", role="reviewer").json()
    assert item["kind"] == "text" and item["subject"]["text"].startswith("Undress")


@needs_text
def test_batch(sqlite_service):
    svc = sqlite_service
    rng = random.Random(6)
    h = rand_pdq(rng)
    svc.post("/v1/banks", json={"name": "b"})
    svc.post("/v1/banks/b/entries", json={"pdq": h})
    items = [{"id": i, "pdq": rand_pdq(rng)} for i in range(300)]
    items[7] = {"id": "hit", "pdq": flip(h, 4, rng), "text": "nice picture"}
    items[8] = {"id": "txt", "text": "AI clothes remover, see anyone naked: nudify.app?ref=abc"}
    items[9] = {"id": "empty"}
    r = svc.post("/v1/scan/batch", json={"items": items}, role="scanner")
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert len(res) == 300 and [x["id"] for x in res] == [i["id"] for i in items]
    assert res[7]["decision"]["action"] == "block" and res[7]["review_id"] and res[7]["verdict"]["flagged"] is False
    assert res[8]["decision"]["action"] != "allow" and res[8]["review_id"]
    assert res[9]["error"]["code"] == "empty_item"
    assert sum(x["decision"]["action"] != "allow" for x in res if "decision" in x) == 2
    assert len(svc.get("/v1/review", role="reviewer").json()["items"]) == 2
    too_many = svc.post("/v1/scan/batch", json={"items": [{"pdq": h}] * 1001}, role="scanner")
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "validation_error"
    assert svc.post("/v1/scan/batch", json={"items": []}, role="scanner").status_code == 422


BAD = {
    "corrupt": b"\xff\xd8\xff\xe0" + bytes(random.Random(1).getrandbits(8) for _ in range(4000)),
    "non-image": b"hello, I am a text file\n" * 50,
    "html": b"<html><body>not an image</body></html>",
}


@pytest.mark.parametrize("kind", sorted(BAD) + ["truncated", "empty"])
def test_bad_uploads_are_422_with_the_problem_named(sqlite_service, kind):
    data = {"truncated": jpeg(seed=2)[:600], "empty": b"", **BAD}[kind]
    r = sqlite_service.post("/v1/scan/image", files={"file": ("f.jpg", data, "image/jpeg")}, role="scanner")
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_image" and len(err["message"]) > 5
    assert sqlite_service.client.get("/healthz").status_code == 200


def test_upload_shape_errors(sqlite_service):
    svc = sqlite_service
    r = svc.post("/v1/scan/image", files={"other": ("f.jpg", jpeg(), "image/jpeg")}, role="scanner")
    assert r.status_code == 422 and r.json()["error"]["code"] == "missing_file"
    r = svc.post("/v1/scan/image", content=jpeg(), headers={"Content-Type": "image/jpeg"}, role="scanner")
    assert r.status_code == 415
    body = b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n' + jpeg()[:300]
    r = svc.post("/v1/scan/image", content=body, headers={"Content-Type": "multipart/form-data; boundary=XX"}, role="scanner")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_multipart"
    r = svc.post("/v1/scan/image", content=b"abc", headers={"Content-Type": "multipart/form-data"}, role="scanner")
    assert r.status_code == 422


def test_size_and_pixel_limits(tmp_path):
    from PIL import Image
    import io

    settings, store, keys, app, client = build(f"sqlite:///{tmp_path / 'g.db'}", tmp_path / "d",
                                               max_body_bytes=200_000, max_pixels=100_000)
    h = {"Authorization": f"Bearer {keys['scanner']}"}
    with client:
        big = bytes(300_000)
        r = client.post("/v1/scan/image", files={"file": ("big.jpg", big, "image/jpeg")}, headers=h)
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
        # a chunked body without Content-Length is cut off at the limit too
        r = client.post("/v1/scan/image", content=iter([b"x" * 100_000] * 3),
                        headers={**h, "Content-Type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413
        buf = io.BytesIO()
        Image.new("RGB", (400, 400), (10, 20, 30)).save(buf, "PNG")  # 160,000 pixels, tiny file
        r = client.post("/v1/scan/image", files={"file": ("wide.png", buf.getvalue(), "image/png")}, headers=h)
        assert r.status_code == 413 and r.json()["error"]["code"] == "image_too_large"
        assert "pixels" in r.json()["error"]["message"]
        assert client.get("/healthz").status_code == 200
    store.close()


def test_retain_media_keeps_uploads_only_when_asked(tmp_path):
    settings, store, keys, app, client = build(f"sqlite:///{tmp_path / 'g.db'}", tmp_path / "d", retain_media=True)
    with client:
        r = client.post("/v1/scan/image", files={"file": ("a.jpg", jpeg(), "image/jpeg")},
                        headers={"Authorization": f"Bearer {keys['scanner']}"})
        assert r.status_code == 200
    assert len(list((tmp_path / "d" / "media").iterdir())) == 1
    store.close()
