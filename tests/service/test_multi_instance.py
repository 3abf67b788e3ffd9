"""Two instances on one PostgreSQL see each other's index changes within seconds."""

from __future__ import annotations

import random
import time

import httpx

from gardefou.config import Settings
from gardefou.service import ServiceConfig, create_app
from gardefou.store import Store
from tests.service.conftest import LiveServer, flip, make_keys, rand_pdq


def _wait(fn, timeout=5.0):
    t0 = time.monotonic()
    while not fn():
        if time.monotonic() - t0 > timeout:
            return None
        time.sleep(0.05)
    return time.monotonic() - t0


def test_two_instances_see_each_others_adds_and_removes(pg_url, tmp_path):
    store = Store(pg_url)
    keys = make_keys(store)
    cfg = ServiceConfig(sync_interval=1.0)  # the production cadence
    a_app = create_app(Settings(tmp_path / "a", pg_url), cfg)
    b_app = create_app(Settings(tmp_path / "b", pg_url), cfg)
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    scan = {"Authorization": f"Bearer {keys['scanner']}"}
    rng = random.Random(21)
    with LiveServer(a_app) as a, LiveServer(b_app) as b, httpx.Client(timeout=10) as c:
        assert c.post(a.url + "/v1/banks", json={"name": "shared"}, headers=admin).status_code == 201
        hashes = [rand_pdq(rng) for _ in range(20)]
        ids = c.post(a.url + "/v1/banks/shared/entries", json=[{"pdq": h} for h in hashes], headers=admin).json()["ids"]
        probe = flip(hashes[5], 7, rng)

        def b_sees():
            return c.post(b.url + "/v1/scan/hash", json={"pdq": probe}, headers=scan).json()["matches"]

        took = _wait(lambda: bool(b_sees()))
        assert took is not None and took < 3.5, "instance B did not see A's add within seconds"
        # a removal through B is effective on A at once (hits are checked against the database)
        assert c.delete(b.url + f"/v1/banks/shared/entries/{ids[5]}", headers=admin).status_code == 204
        r = c.post(a.url + "/v1/scan/hash", json={"pdq": probe}, headers=scan).json()
        assert r["matches"] == [] and r["decision"]["action"] == "allow"
        # ...and leaves A's index within a sync or two
        assert _wait(lambda: ids[5] not in a_app.state.service.index.index, 5) is not None
        # entries added on B and a case withdrawn on A
        case = c.post(b.url + "/v1/cases", json={"bank": "shared", "hashes": [{"pdq": hashes[0]}]},
                      headers={"Authorization": f"Bearer {keys['intake']}"}).json()
        assert _wait(lambda: len(a_app.state.service.index) == 20) is not None
        c.request("DELETE", a.url + f"/v1/cases/{case['case_id']}",
                  headers={"Authorization": f"Bearer {keys['intake']}", "X-Withdraw-Token": case["withdraw_token"]})
        r = c.post(b.url + "/v1/scan/hash", json={"pdq": hashes[0]}, headers=scan).json()
        assert [m["entry_id"] for m in r["matches"]] == [ids[0]]  # the case's copy is gone everywhere at once
    store.close()
