"""Shared fixtures: the PDQ reference set from ../shared/testdata and a throwaway data dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REFDATA = Path(os.environ.get("GARDEFOU_TESTDATA", REPO.parent / "shared" / "testdata")) / "pdq-reference"


@pytest.fixture(scope="session")
def refdata() -> Path:
    """Path to the PDQ reference images and hash lists (see its README)."""
    if not REFDATA.is_dir():
        pytest.fail(f"PDQ reference data not found at {REFDATA}; set GARDEFOU_TESTDATA")
    return REFDATA


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    """An empty gardefou data directory (SQLite store + index) for one test."""
    d = tmp_path / "gardefou-data"
    d.mkdir()
    return d


PG_ADMIN_URL = os.environ.get("GARDEFOU_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    """None when the PostgreSQL test server answers, else the reason it does not."""
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"no PostgreSQL server answers at {PG_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_server() -> str:
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    return PG_ADMIN_URL


@pytest.fixture()
def pg_url(pg_server: str):
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    name = f"gardefou_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """Each store test runs on the embedded SQLite and on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gardefou.db'}"
    return request.getfixturevalue("pg_url")
