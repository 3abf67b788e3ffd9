"""Every /v1 route checks the key and its role (table-driven); health routes need no key."""

from __future__ import annotations

import pytest

from tests.service.conftest import ROLES

PDQ = "a" * 64
# method, path, roles allowed besides admin, request kwargs
ROUTES = [
    ("POST", "/v1/banks", set(), {"json": {"name": "new-bank"}}),
    ("GET", "/v1/banks", set(), {}),
    ("GET", "/v1/banks/{bank}", set(), {}),
    ("PATCH", "/v1/banks/{bank}", set(), {"json": {"description": "x"}}),
    ("DELETE", "/v1/banks/{bank}", set(), {}),
    ("POST", "/v1/banks/{bank}/entries", {"intake"}, {"json": {"pdq": PDQ}}),
    ("GET", "/v1/banks/{bank}/entries", {"intake"}, {}),
    ("GET", "/v1/banks/{bank}/entries/{entry_id}", {"intake"}, {}),
    ("DELETE", "/v1/banks/{bank}/entries/{entry_id}", {"intake"}, {}),
    ("POST", "/v1/cases", {"intake"}, {"json": {"bank": "{bank}", "hashes": [{"pdq": PDQ}]}}),
    ("GET", "/v1/cases/{case_id}", {"intake"}, {"headers": {"X-Withdraw-Token": "{token}"}}),
    ("DELETE", "/v1/cases/{case_id}", {"intake"}, {"headers": {"X-Withdraw-Token": "{token}"}}),
    ("POST", "/v1/scan/hash", {"scanner"}, {"json": {"pdq": PDQ}}),
    ("POST", "/v1/scan/text", {"scanner"}, {"json": {"text": "hello"}}),
    ("POST", "/v1/scan/image", {"scanner"}, {"files": {"file": ("x.jpg", b"not an image", "image/jpeg")}}),
    ("POST", "/v1/scan/batch", {"scanner"}, {"json": {"items": [{"pdq": PDQ}]}}),
    ("GET", "/v1/review", {"reviewer"}, {}),
    ("GET", "/v1/review/{review_id}", {"reviewer"}, {}),
    ("POST", "/v1/review/{review_id}", {"reviewer"}, {"json": {"decision": "confirm"}}),
    ("GET", "/v1/audit", set(), {}),
    ("GET", "/v1/keys", set(), {}),
    ("POST", "/v1/keys", set(), {"json": {"role": "scanner"}}),
    ("DELETE", "/v1/keys/{key_id}", set(), {}),
]


def _fill(value, ctx):
    if isinstance(value, str):
        return value.format(**ctx)
    if isinstance(value, dict):
        return {k: _fill(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ctx) for v in value]
    return value


def test_table_covers_every_v1_route(sqlite_service):
    declared = {(m, p) for m, p, _, _ in ROUTES}
    actual = set()
    for path, ops in sqlite_service.client.get("/openapi.json").json()["paths"].items():
        if path.startswith("/v1"):
            for method in ops:
                actual.add((method.upper(), path.replace("{name}", "{bank}").replace("{item_id}", "{review_id}")))
    assert actual == declared


def _context(svc):
    svc.post("/v1/banks", json={"name": "rb"})
    entry = svc.post("/v1/banks/rb/entries", json={"pdq": "b" * 64}).json()
    case = svc.post("/v1/cases", json={"bank": "rb", "hashes": [{"pdq": "c" * 64}]}).json()
    review = svc.post("/v1/scan/hash", json={"pdq": "b" * 64}).json()["review_id"]
    key_id = svc.post("/v1/keys", json={"role": "scanner", "name": "victim-key"}).json()["id"]
    return {"bank": "rb", "entry_id": entry["id"], "case_id": case["case_id"], "token": case["withdraw_token"],
            "review_id": review, "key_id": key_id}


def test_roles_on_every_route(service):
    ctx = _context(service)
    c = service.client
    for method, path, allowed, kwargs in ROUTES:
        url = path.format(**ctx)
        kw = _fill(kwargs, ctx)
        headers = kw.pop("headers", {})
        r = c.request(method, url, headers=headers, **kw)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["error"]["code"] == "unauthorized"
        assert r.headers.get("www-authenticate") == "Bearer"
        r = c.request(method, url, headers={**headers, "Authorization": "Bearer gfk_not-a-real-key"}, **kw)
        assert r.status_code == 401, (method, path)
        for role in ROLES:
            if role == "admin":
                continue  # admin is checked last: it may delete what the others need
            r = c.request(method, url, headers={**headers, **service.h(role)}, **kw)
            if role in allowed:
                assert r.status_code not in (401, 403), (method, path, role, r.text)
            else:
                assert r.status_code == 403, (method, path, role, r.status_code)
                assert r.json()["error"]["code"] == "forbidden"
    for method, path, _, kwargs in ROUTES:  # admin may use every route
        kw = _fill(kwargs, ctx)
        headers = kw.pop("headers", {})
        r = c.request(method, path.format(**ctx), headers={**headers, **service.h("admin")}, **kw)
        assert r.status_code not in (401, 403), (method, path, "admin", r.text)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json"])
def test_unauthenticated_routes(sqlite_service, path):
    r = sqlite_service.client.get(path)
    assert r.status_code == 200
    if path == "/readyz":
        assert r.json()["status"] == "ready" and r.json()["database"] == "ok"


def test_revoked_key_stops_working_at_once(sqlite_service):
    svc = sqlite_service
    created = svc.post("/v1/keys", json={"role": "scanner", "name": "temp"}).json()
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert svc.client.post("/v1/scan/hash", json={"pdq": "1" * 64}, headers=headers).status_code == 200
    assert svc.delete(f"/v1/keys/{created['id']}").json()["active"] is False
    r = svc.client.post("/v1/scan/hash", json={"pdq": "1" * 64}, headers=headers)
    assert r.status_code == 401
    listed = svc.get("/v1/keys").json()["keys"]
    assert all("key" not in k and "key_hash" not in k for k in listed)
