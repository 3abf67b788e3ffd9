"""Real HTTP: uvicorn on a loopback port, httpx over a socket (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import time

import httpx

from gardefou.config import Settings
from gardefou.service import ServiceConfig, create_app
from gardefou.store import Store
from tests.service.conftest import LiveServer, flip, jpeg, make_keys, rand_pdq


def test_end_to_end_over_a_socket(live, refdata):
    h = lambda role: {"Authorization": f"Bearer {live.keys[role]}"}  # noqa: E731
    with httpx.Client(base_url=live.url, timeout=30) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.post("/v1/banks", json={"name": "b"}, headers=h("admin")).status_code == 201
        orig = (refdata / "bridge-mods" / "aaa-orig.jpg").read_bytes()
        entry = c.post("/v1/banks/b/entries", files={"file": ("o.jpg", orig, "image/jpeg")}, headers=h("intake")).json()
        r = c.post("/v1/scan/image", files={"file": ("o.jpg", orig, "image/jpeg")}, headers=h("scanner")).json()
        assert r["matches"][0]["entry_id"] == entry["id"] and r["decision"]["action"] == "block"
        rng = random.Random(1)
        hashes = [rand_pdq(rng) for _ in range(50)]
        c.post("/v1/banks/b/entries", json=[{"pdq": x} for x in hashes], headers=h("admin"))
        r = c.post("/v1/scan/hash", json={"pdq": flip(hashes[7], 9, rng)}, headers=h("scanner")).json()
        assert r["decision"]["action"] == "block"
        r = c.post("/v1/scan/hash", json={"pdq": rand_pdq(rng)}, headers=h("scanner")).json()
        assert r["decision"]["action"] == "allow"
        # a chunked (no Content-Length) upload is read in a bounded way and works
        chunks = iter([b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\n\r\n", jpeg(), b"\r\n--B--\r\n"])
        r = c.post("/v1/scan/image", content=chunks, headers={**h("scanner"), "Content-Type": "multipart/form-data; boundary=B"})
        assert r.status_code == 200, r.text
        assert c.get("/v1/review", headers=h("reviewer")).json()["items"]


def test_revocation_reaches_another_process_within_seconds(db_url, tmp_path):
    """A key revoked through one instance stops working on another within about a second."""
    store = Store(db_url)
    keys = make_keys(store)
    apps = [create_app(Settings(tmp_path / n, db_url), ServiceConfig(sync_interval=0.2)) for n in ("a", "b")]
    with LiveServer(apps[0]) as a, LiveServer(apps[1]) as b:
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        created = httpx.post(a.url + "/v1/keys", json={"role": "scanner"}, headers=admin).json()
        k = {"Authorization": f"Bearer {created['key']}"}
        assert httpx.post(b.url + "/v1/scan/hash", json={"pdq": "2" * 64}, headers=k).status_code == 200
        httpx.delete(a.url + f"/v1/keys/{created['id']}", headers=admin)
        t0 = time.monotonic()
        while httpx.post(b.url + "/v1/scan/hash", json={"pdq": "2" * 64}, headers=k).status_code == 200:
            assert time.monotonic() - t0 < 3, "revocation not seen by the other instance"
            time.sleep(0.05)
    store.close()


def test_concurrent_decisions_are_all_recorded(live):
    """Group-committed review items: every concurrent non-allow decision gets its own item and counts."""
    import threading

    intake = {"Authorization": f"Bearer {live.keys['intake']}"}
    scan = {"Authorization": f"Bearer {live.keys['scanner']}"}
    httpx.post(live.url + "/v1/banks", json={"name": "v"}, headers={"Authorization": f"Bearer {live.keys['admin']}"})
    case = httpx.post(live.url + "/v1/cases", json={"bank": "v", "hashes": [{"pdq": "3" * 64}]}, headers=intake).json()
    ids, errors = [], []

    def worker():
        with httpx.Client(base_url=live.url, timeout=30) as c:
            for _ in range(10):
                r = c.post("/v1/scan/hash", json={"pdq": "3" * 64}, headers=scan)
                if r.status_code != 200 or r.json()["decision"]["action"] != "block":
                    errors.append(r.text)
                else:
                    ids.append(r.json()["review_id"])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(ids) == 80 and len(set(ids)) == 80
    status = httpx.get(live.url + f"/v1/cases/{case['case_id']}",
                       headers={**intake, "X-Withdraw-Token": case["withdraw_token"]}).json()
    assert status["match_count"] == 80


def test_docs_page_works_offline_with_local_swagger_assets(live):
    """/docs must not depend on a CDN: every script and stylesheet it names is served by us."""
    import re

    with httpx.Client(base_url=live.url, timeout=30) as c:
        page = c.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', page.text)
        assert len(assets) >= 2 and all(a.startswith("/static/swagger/") for a in assets), assets
        for asset in assets:
            r = c.get(asset)
            assert r.status_code == 200 and len(r.content) > (100 if asset.endswith(".png") else 10_000), asset
        assert "/openapi.json" in page.text and c.get("/openapi.json").json()["info"]["title"] == "gardefou"
