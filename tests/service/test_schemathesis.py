"""Property-based requests generated from /openapi.json (schemathesis): never a 5xx, errors well-formed."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from gardefou.config import Settings
from gardefou.service import ServiceConfig, create_app
from gardefou.store import Store
from tests.service.conftest import TEXT_UNAVAILABLE, LiveServer, make_keys


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    url = os.environ.get("GARDEFOU_SCHEMATHESIS_DB") or f"sqlite:///{tmp / 'g.db'}"
    store = Store(url)
    keys = make_keys(store)
    store.create_bank("b")
    app = create_app(Settings(tmp / "data", url), ServiceConfig(sync_interval=0.5))
    with LiveServer(app) as server:
        server.keys = keys
        yield server
    store.close()


def test_no_server_errors(api):
    schema = schemathesis.openapi.from_url(api.url + "/openapi.json")
    headers = {"Authorization": f"Bearer {api.keys['admin']}"}
    failures: list[str] = []
    operations = 0
    calls = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if TEXT_UNAVAILABLE and operation.path in ("/v1/scan/text", "/v1/scan/batch"):
            continue  # built in another issue; covered once gardefou.text lands

        @given(operation.as_strategy())
        @settings(max_examples=int(os.environ.get("GARDEFOU_SCHEMATHESIS_EXAMPLES", "12")), deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def check(case):
            response = case.call(base_url=api.url, headers=headers, timeout=20)
            calls.append(response.status_code)
            where = f"{case.method} {case.formatted_path}"
            if response.status_code >= 500:
                failures.append(f"{where} -> {response.status_code}: {response.text[:300]}")
            elif response.status_code >= 400:
                err = response.json().get("error") or {}
                if not (isinstance(err.get("code"), str) and isinstance(err.get("message"), str)):
                    failures.append(f"{where} -> {response.status_code} without the error shape: {response.text[:300]}")

        check()
    assert operations >= 20 and len(calls) >= 10 * (operations - 2)
    assert sum(200 <= c < 300 for c in calls) >= 20  # not only rejections
    assert not failures, "\n".join(failures[:20])
