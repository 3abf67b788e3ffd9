"""Service fixtures: an app on SQLite or PostgreSQL with one key per role, and a real uvicorn server."""

from __future__ import annotations

import io
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gardefou.config import Settings
from gardefou.service import ServiceConfig, create_app
from gardefou.store import Store
from gardefou.store import service_repo as repo

ROLES = ("admin", "reviewer", "scanner", "intake")


def _text_ready() -> str | None:
    """None when gardefou.text / gardefou.links work, else why not (they are built in another issue)."""
    try:
        from gardefou.links import extract_links
        from gardefou.text import classify

        classify("hello")
        extract_links("hello")
        return None
    except Exception as exc:  # noqa: BLE001
        return f"text/links detectors unavailable: {exc.__class__.__name__}: {exc}"


TEXT_UNAVAILABLE = _text_ready()
needs_text = pytest.mark.skipif(TEXT_UNAVAILABLE is not None, reason=TEXT_UNAVAILABLE or "")


def rand_pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def flip(pdq: str, bits: int, rng: random.Random) -> str:
    value = int(pdq, 16)
    for b in rng.sample(range(256), bits):
        value ^= 1 << b
    return f"{value:064x}"


def jpeg(size=(256, 256), seed: int = 1, quality: int = 90) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    im = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(im)
    for _ in range(30):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle((x, y, x + rng.randrange(10, 120), y + rng.randrange(10, 120)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@dataclass
class Service:
    client: object
    app: object
    keys: dict[str, str]
    settings: Settings
    store: Store
    extra: dict = field(default_factory=dict)

    def h(self, role: str | None = "admin", **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        headers.update(extra)
        return headers

    def get(self, path, role="admin", **kw):
        return self.client.get(path, headers=self.h(role, **kw.pop("headers", {})), **kw)

    def post(self, path, role="admin", **kw):
        return self.client.post(path, headers=self.h(role, **kw.pop("headers", {})), **kw)

    def patch(self, path, role="admin", **kw):
        return self.client.patch(path, headers=self.h(role, **kw.pop("headers", {})), **kw)

    def delete(self, path, role="admin", **kw):
        return self.client.request("DELETE", path, headers=self.h(role, **kw.pop("headers", {})), **kw)


def make_keys(store: Store) -> dict[str, str]:
    return {role: repo.create_key(store, role, f"test-{role}")[0] for role in ROLES}


def build(db_url: str, data_dir: Path, **config) -> tuple:
    from fastapi.testclient import TestClient

    settings = Settings(data_dir=data_dir, db_url=db_url)
    store = Store(db_url)
    keys = make_keys(store)
    cfg = ServiceConfig(**{"sync_interval": 0.2, **config})
    app = create_app(settings, cfg, background=False)
    return settings, store, keys, app, TestClient(app, raise_server_exceptions=False)


@pytest.fixture()
def service(db_url, tmp_path):
    """A started app (TestClient) on SQLite and on PostgreSQL, with one key per role."""
    settings, store, keys, app, client = build(db_url, tmp_path / "data")
    with client:
        yield Service(client, app, keys, settings, store)
    store.close()


@pytest.fixture()
def sqlite_service(tmp_path):
    """The same on SQLite only (for tests whose subject does not depend on the database)."""
    settings, store, keys, app, client = build(f"sqlite:///{tmp_path / 'g.db'}", tmp_path / "data")
    with client:
        yield Service(client, app, keys, settings, store)
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        import httpx

        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("live server did not start")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture()
def live(db_url, tmp_path):
    """A real uvicorn server on a free loopback port, plus its keys (SQLite and PostgreSQL)."""
    settings = Settings(data_dir=tmp_path / "data", db_url=db_url)
    store = Store(db_url)
    keys = make_keys(store)
    app = create_app(settings, ServiceConfig(sync_interval=0.2))
    with LiveServer(app) as server:
        server.keys = keys
        server.store = store
        yield server
    store.close()
