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
