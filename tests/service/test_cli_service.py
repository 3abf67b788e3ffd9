"""`gardefou keys ...` and `gardefou serve --demo` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from tests.service.conftest import free_port


def cli(*args):
    from gardefou.cli import _register, app

    _register()
    res = CliRunner().invoke(app, list(args))
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res


def test_keys_create_list_revoke(tmp_path):
    d = str(tmp_path / "data")
    res = cli("keys", "create", "--role", "scanner", "--name", "ingest", "--data-dir", d)
    assert res.exit_code == 0, res.output
    secret = res.stdout.strip().splitlines()[0]
    assert secret.startswith("gfk_") and len(secret) > 40
    listed = [json.loads(line) for line in cli("keys", "list", "--data-dir", d).stdout.splitlines()]
    assert [(k["name"], k["role"], k["active"]) for k in listed] == [("ingest", "scanner", True)]
    assert secret not in cli("keys", "list", "--data-dir", d).stdout
    assert cli("keys", "create", "--role", "root", "--data-dir", d).exit_code == 2
    assert cli("keys", "revoke", "ingest", "--data-dir", d).exit_code == 0
    assert cli("keys", "list", "--data-dir", d).stdout.strip() == ""
    assert json.loads(cli("keys", "list", "--all", "--data-dir", d).stdout)["active"] is False
    assert cli("keys", "revoke", "nobody", "--data-dir", d).exit_code == 1


def test_serve_demo_prints_url_docs_and_a_working_admin_key(tmp_path):
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "gardefou.cli", "serve", "--demo", "--port", str(port),
                             "--data-dir", str(tmp_path / "data"), "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while not any(line.startswith("admin key:") for line in lines) and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}" in text and f"http://127.0.0.1:{port}/docs" in text, text
        key = next(line for line in lines if line.startswith("admin key:")).split()[2]
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        banks = httpx.get(base + "/v1/banks", headers={"Authorization": f"Bearer {key}"}).json()["banks"]
        assert banks[0]["name"] == "demo" and banks[0]["entry_count"] >= 1
        assert httpx.get(base + "/docs").status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _start(data_dir, port):
    proc = subprocess.Popen([sys.executable, "-m", "gardefou.cli", "serve", "--port", str(port), "--data-dir", str(data_dir),
                             "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(proc.stderr.read().decode()[-2000:])


def test_a_killed_server_loses_nothing_it_acknowledged(tmp_path):
    data = tmp_path / "data"
    key = cli("keys", "create", "--role", "admin", "--data-dir", str(data)).stdout.strip().splitlines()[0]
    h = {"Authorization": f"Bearer {key}"}
    proc, base = _start(data, free_port())
    try:
        httpx.post(base + "/v1/banks", json={"name": "b"}, headers=h).raise_for_status()
        acked = []
        for i in range(20):
            r = httpx.post(base + "/v1/banks/b/entries", json={"pdq": f"{i:064x}"}, headers=h)
            assert r.status_code == 201
            acked.append(r.json()["id"])
        gone = acked.pop()
        assert httpx.delete(base + f"/v1/banks/b/entries/{gone}", headers=h).status_code == 204
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # no shutdown, no index save
        proc.wait(timeout=20)
    proc, base = _start(data, free_port())
    try:
        assert httpx.get(base + "/v1/banks/b", headers=h).json()["entry_count"] == 19
        for i, entry_id in enumerate(acked):
            r = httpx.post(base + "/v1/scan/hash", json={"pdq": f"{i:064x}"}, headers=h).json()
            assert entry_id in [m["entry_id"] for m in r["matches"]]
        r = httpx.post(base + "/v1/scan/hash", json={"pdq": f"{19:064x}"}, headers=h).json()
        assert gone not in [m["entry_id"] for m in r["matches"]]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
